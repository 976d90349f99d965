"""The scheduler fires timers on time (a date job for the earliest due time, woken by commits),
not on the next sweep."""
import time
from datetime import datetime

from sqlalchemy import select

from app import clock
from app.bootstrap import scheduler_for
from app.cases.models import CaseEvent
from app.extensions import db
from tests.flows import application, person_applicant
from tests.timing import deploy_short_timer


def test_timers_fire_on_time_without_waiting_for_the_sweep(app, as_user):
    clock.reset()  # real time: APScheduler waits for it
    app.config["SCHEDULER_SWEEP_SECONDS"] = 3600  # the sweep must not be what fires them
    item = deploy_short_timer(app, as_user("designer"))
    scheduler = scheduler_for(app).start()
    try:
        frontdesk = as_user("frontdesk")
        created = []
        for n, seconds in enumerate((1.0, 1.5, 2.0)):
            body = application(item_code=item, materials=["SQS"], applicant=person_applicant(n),
                               data={"wait_for": f"PT{seconds}S"})
            response = frontdesk.post("/api/v1/cases", json=body)
            assert response.status_code == 201, response.get_json()
            created.append(response.get_json())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            statuses = [frontdesk.get(f"/api/v1/cases/{c['id']}").get_json()["status"] for c in created]
            if statuses == ["completed"] * 3:
                break
            time.sleep(0.1)
        assert statuses == ["completed"] * 3
        with app.app_context():
            lateness = []
            for case in created:
                fired = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case["id"],
                                                                  CaseEvent.kind == "timer_fired"))
                due = datetime.fromisoformat(fired.data["due_at"])
                lateness.append((fired.at - due).total_seconds())
            db.session.remove()
        assert all(0 <= late < 0.5 for late in lateness), lateness  # woken at the due time, not by a sweep
    finally:
        scheduler.stop()
        app.config["SCHEDULER_SWEEP_SECONDS"] = 60


def test_a_wake_up_comes_with_the_outer_commit_not_with_a_savepoint(app):
    """A timer written inside a savepoint (a nested step) wakes this process's scheduler only
    when the whole transaction commits: before that, nothing is due for anyone else."""
    from datetime import timedelta

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from app.timers import wakeup

    scheduler = scheduler_for(app)
    seen: list = []
    scheduler.notify = seen.append  # record the wake-ups instead of scheduling them
    event.listen(Session, "after_commit", scheduler._committed)
    try:
        with app.app_context():
            session = db.session()
            due = clock.now() + timedelta(hours=1)
            with session.begin_nested():
                wakeup.announce(session, due)
            assert seen == []  # the savepoint was released, the transaction is still open
            session.commit()
            assert seen == [due]
            session.commit()  # the next transaction announces nothing
            assert seen == [due]
            db.session.remove()
    finally:
        event.remove(Session, "after_commit", scheduler._committed)
