"""Races on one case over real HTTP against PostgreSQL: many clerks completing the same
task, many first applications of the same applicant, a timer against a clerk."""
import threading
import time
from collections import Counter
from datetime import timedelta
from functools import partial

from sqlalchemy import select

from app import clock
from app.cases import history
from app.cases.models import Case, CaseEvent
from app.cases.tasks import COMPLETED, OPEN, Task
from app.extensions import db
from app.parties.models import Applicant
from app.timers.models import CANCELLED, DONE, Job
from tests.concurrency.harness import Client, assert_error_body, body_of, in_threads, person, race_to_complete
from tests.flows import application, fire_timers

CONTENDERS = 16
ESCALATION = "acceptance_overdue"


def _start(client: Client, **overrides) -> dict:
    response = client.post("/api/v1/cases", json=application(**overrides))
    assert response.status_code == 201, body_of(response)
    return response.json()


def _only_open_task(case: dict, name: str) -> str:
    assert [t["name"] for t in case["open_tasks"]] == [name], case["open_tasks"]
    return case["open_tasks"][0]["id"]


def _rows(app, case_id: int):
    with app.app_context():
        try:
            session = db.session
            tasks = list(session.scalars(select(Task).where(Task.case_id == case_id)))
            events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                          .order_by(CaseEvent.seq)))
            all_jobs = list(session.scalars(select(Job).where(Job.case_id == case_id)))
            # the front desk always acts within its working day: its escalation timer is cancelled
            escalations = [j for j in all_jobs if j.element_id == ESCALATION]
            assert all(j.state == CANCELLED for j in escalations), [(j.element_id, j.state) for j in escalations]
            jobs = [j for j in all_jobs if j.element_id != ESCALATION]
            case = session.get(Case, case_id)
            intact = history.verify(session, case_id)
            session.expunge_all()
            return case, tasks, events, jobs, intact
        finally:
            db.session.remove()


def test_sixteen_clerks_complete_one_task_exactly_one_wins(pg, pg_url):
    clients = in_threads([partial(Client, pg_url, "frontdesk") for _ in range(CONTENDERS)])
    try:
        for _ in range(3):  # three fresh cases: the race is cheap, and one round can be lucky
            case = _start(clients[0])
            task_id = _only_open_task(case, "front_desk_acceptance")
            winner = race_to_complete(clients, task_id, {"outcome": "accept"})
            assert winner["status"] == "under_review"
            assert winner["revision"] == case["revision"] + 1

            detail = clients[0].get(f"/api/v1/cases/{case['id']}")
            assert detail.status_code == 200, body_of(detail)
            detail = detail.json()
            assert detail["status"] == "under_review"
            assert detail["history_intact"] is True
            assert [t["name"] for t in detail["open_tasks"]] == ["back_office_review"]
            assert detail["revision"] == winner["revision"]

            stored, tasks, events, jobs, intact = _rows(pg, case["id"])
            assert stored.status == "under_review" and intact
            front = [t for t in tasks if t.spec_id == "front_desk_acceptance"]
            assert [(t.id, t.state) for t in front] == [(task_id, COMPLETED)]
            assert front[0].data["outcome"] == "accept" and front[0].completed_at is not None
            review = [t for t in tasks if t.spec_id == "back_office_review"]
            assert [t.state for t in review] == [OPEN]
            assert len(tasks) == 2
            assert [e.seq for e in events] == list(range(1, len(events) + 1))
            completed = [e for e in events if e.kind == "task_completed"]
            assert [e.data["task_id"] for e in completed] == [task_id]
            assert sum(1 for e in events if e.kind == "task_created"
                       and e.data["element_id"] == "back_office_review") == 1
            assert jobs == []
    finally:
        for client in clients:
            client.close()


def test_first_applications_of_one_new_applicant_all_received(pg, pg_url):
    """Clerks at several windows receive applications of the same new applicant at the same
    moment: every application is received (201), and the applicant exists once."""
    applicant = person(4242)
    clients = in_threads([partial(Client, pg_url, "frontdesk") for _ in range(8)])
    try:
        for _ in range(2):  # first as a new applicant, then as an existing one
            barrier = threading.Barrier(len(clients), timeout=30)

            def receive(client: Client, barrier=barrier):
                barrier.wait()
                return client.post("/api/v1/cases", json=application(applicant=applicant))

            responses = in_threads([partial(receive, c) for c in clients])
            assert all(r.status_code < 500 for r in responses), [body_of(r) for r in responses]
            assert [r.status_code for r in responses] == [201] * len(clients), \
                [(r.status_code, body_of(r).get("message") if r.status_code != 201 else None) for r in responses]
        with pg.app_context():
            try:
                ids = list(db.session.scalars(select(Applicant.id)
                                              .where(Applicant.id_number == applicant["id_number"])))
                assert len(ids) == 1
                owners = set(db.session.scalars(select(Case.applicant_id)))
                assert owners == set(ids)
            finally:
                db.session.remove()
    finally:
        for client in clients:
            client.close()


def test_timer_racing_a_clerk_has_one_winner(pg, pg_url):
    """A correction deadline has passed and the sweep fires while the clerk registers the
    supplement: either the supplement wins (case back at acceptance, timer job cancelled) or
    the timer does (case not accepted, supplement refused with 409) — never both, never a 500.
    Twenty rounds with fresh cases; every round is checked, failures are reported together."""
    outcomes, failures = Counter(), []
    for round_no in range(20):
        clerk = Client(pg_url, "frontdesk")
        try:
            case = _start(clerk)
            task_id = _only_open_task(case, "front_desk_acceptance")
            response = clerk.post(f"/api/v1/tasks/{task_id}/complete",
                                  json={"data": {"outcome": "correct", "missing_materials": ["PMT"]}})
            assert response.status_code == 200, body_of(response)
            assert response.json()["status"] == "awaiting_correction"
            clock.advance(timedelta(days=8))  # past the 5-working-day correction deadline (Mon 7 Dec)
            clerk.login()  # tokens are dated by the same clock: the old one has expired

            barrier = threading.Barrier(2, timeout=30)
            # stagger the two a little either way so both orders get their chance
            skew = ((round_no % 5) - 2) * 0.004

            def supplement(barrier=barrier, skew=skew, clerk=clerk, case=case):
                barrier.wait()
                if skew > 0:
                    time.sleep(skew)
                return clerk.post(f"/api/v1/cases/{case['id']}/supplements", json={"materials": ["PMT"]})

            def timer(barrier=barrier, skew=skew):
                barrier.wait()
                if skew < 0:
                    time.sleep(-skew)
                return fire_timers(pg)

            response, fired = in_threads([supplement, timer])
            try:
                outcomes[_check_race_outcome(pg, clerk, case["id"], response, fired)] += 1
            except AssertionError as exc:
                outcomes["inconsistent"] += 1
                failures.append(f"round {round_no}: supplement {response.status_code}, timers {fired}: {exc}")
        finally:
            clerk.close()
    print(f"timer race outcomes: {dict(outcomes)}")
    assert not failures, f"{len(failures)} of 20 rounds inconsistent ({dict(outcomes)}):\n" + "\n".join(failures)


def _check_race_outcome(app, clerk: Client, case_id: int, response, fired: dict) -> str:
    assert response.status_code in (200, 409), (response.status_code, body_of(response))
    detail = clerk.get(f"/api/v1/cases/{case_id}")
    assert detail.status_code == 200, body_of(detail)
    detail = detail.json()
    assert detail["history_intact"] is True
    stored, tasks, events, jobs, intact = _rows(app, case_id)
    assert intact
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    kinds = [e.kind for e in events]
    assert len(jobs) == 1, [(j.element_id, j.state) for j in jobs]  # the correction deadline
    job = jobs[0]
    summary = (f"status={detail['status']!r} reason={detail['status_reason']!r} "
               f"open_tasks={[t['name'] for t in detail['open_tasks']]} job={job.state} events={kinds[3:]}")

    if response.status_code == 200:
        assert fired in ({}, {CANCELLED: 1}), f"supplement won but the timer reports {fired}; {summary}"
        assert detail["status"] == "submitted" and stored.status == "submitted", f"supplement won; {summary}"
        assert detail["closed_at"] is None, summary
        assert [t["name"] for t in detail["open_tasks"]] == ["front_desk_acceptance"], summary
        assert sorted((t.spec_id, t.state) for t in tasks) == [
            ("front_desk_acceptance", COMPLETED), ("front_desk_acceptance", OPEN)], summary
        assert job.state == CANCELLED, summary
        assert kinds.count("supplement_received") == 1 and "timer_fired" not in kinds, summary
        return "supplement"
    assert_error_body(response, 409)
    assert fired == {DONE: 1}, f"timer won but reports {fired}; {summary}"
    assert detail["status"] == "not_accepted" and stored.status == "not_accepted", summary
    assert "逾期" in detail["status_reason"], summary
    assert detail["open_tasks"] == [] and detail["closed_at"] is not None, summary
    assert [(t.spec_id, t.state) for t in tasks] == [("front_desk_acceptance", COMPLETED)], summary
    assert job.state == DONE, summary
    assert kinds.count("timer_fired") == 1 and "supplement_received" not in kinds, summary
    assert kinds.count("case_closed") == 1, summary
    return "timer"
