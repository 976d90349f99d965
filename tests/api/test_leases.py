"""Short leases, renewed while their scheduler works (issue 14): a dead scheduler's jobs are free
for another within LEASE; a live one keeps the jobs it has claimed but not yet fired."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.cases import firing
from app.extensions import db
from app.timers import leases
from app.timers.models import DONE, PENDING, Job
from tests.flows import fire_timers, start


def _due_jobs(app, case_id: int, count: int) -> list[int]:
    """`count` jobs of the case, due a minute ago (no engine timer behind them: the tests below
    replace firing)."""
    with app.app_context():
        jobs = [Job(case_id=case_id, engine_task_id=f"t{n}", element_id="x", due_at=clock.now() - timedelta(minutes=1),
                    state=PENDING, created_at=clock.now()) for n in range(count)]
        db.session.add_all(jobs)
        db.session.commit()
        ids = [job.id for job in jobs]
        db.session.remove()
    return ids


def _claim(app, worker: str) -> list[int]:
    with app.app_context():
        try:
            return leases.claim_due(db.session, worker)
        finally:
            db.session.remove()


def test_a_lease_is_short(app, as_user):
    assert leases.LEASE.total_seconds() == 15 and leases.RENEW_EVERY * 3 <= leases.LEASE
    case = start(as_user("frontdesk"))
    ids = _due_jobs(app, case["id"], 2)
    assert sorted(_claim(app, "dead:1")) == ids
    with app.app_context():
        assert {j.locked_until for j in db.session.scalars(select(Job).where(Job.id.in_(ids)))} == \
            {clock.now() + leases.LEASE}
        db.session.remove()
    assert _claim(app, "alive:2") == []  # leased
    clock.advance(leases.LEASE + timedelta(seconds=1))  # the first scheduler died: nobody renewed
    assert sorted(_claim(app, "alive:2")) == ids


@pytest.mark.parametrize("renewing", [True, False])
def test_a_working_scheduler_renews_the_leases_of_the_jobs_it_has_yet_to_fire(app, as_user, monkeypatch, renewing):
    case = start(as_user("frontdesk"))
    ids = _due_jobs(app, case["id"], 4)
    stolen: list[list[int]] = []

    def slow_fire(session, job_id, worker, runtime):
        clock.advance(timedelta(seconds=10))  # each firing takes 10 s: 40 s for the batch
        stolen.append(leases.claim_due(session, "other:2"))  # another scheduler looks meanwhile
        with session.begin():
            job = session.get(Job, job_id)
            if job.locked_by == worker:
                job.state, job.locked_by, job.locked_until = DONE, None, None
        return DONE

    monkeypatch.setattr(firing, "fire", slow_fire)
    monkeypatch.setattr(firing, "RENEW_EVERY", timedelta(seconds=5) if renewing else timedelta(days=1))
    counts = fire_timers(app)
    assert counts == {DONE: 4}
    if renewing:
        assert stolen == [[], [], [], []]  # renewed every 5 s: nothing was ever free for another
    else:
        # without renewals the last jobs' leases run out while the batch is still being fired
        assert any(stolen), stolen
    assert all(job_id in ids for batch in stolen for job_id in batch)
