"""A step that waited for its case's lock works on the rows as they are once it holds it: the
open tasks and live jobs another step changed meanwhile are read after the lock, not as they were
when the waiting statement began (PostgreSQL re-reads only the locked row itself after a wait)."""
import threading
import time
from datetime import timedelta

from sqlalchemy import create_engine, event, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from app import clock
from app.bootstrap import runtime_of
from app.cases import cycle, firing
from app.cases.models import Case, CaseEvent
from app.cases.tasks import Task
from app.extensions import db
from app.timers.leases import claim_due
from app.timers.models import Job
from tests.conftest import Api
from tests.flows import application, fire_timers


def _wait_for_a_lock_wait(app) -> None:
    """Until a session of the app's database waits for a lock (PostgreSQL says so), at most 10 s:
    then the race is real, not two steps one after the other."""
    watcher = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with watcher.connect() as conn:
                if conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                     "AND wait_event_type = 'Lock'")).scalar():
                    return
            time.sleep(0.05)
        raise AssertionError("the second step never waited for the case lock")
    finally:
        watcher.dispose()


def _race(app, first, second):
    """`first` takes the case lock and holds it before committing until `second`, started
    meanwhile, is seen waiting for it. Returns both results."""
    holds, release, box = threading.Event(), threading.Event(), {}

    def hold(session):
        if threading.current_thread() is box.get("first") and not holds.is_set() \
                and any(isinstance(o, Case) for o in session.identity_map.values()):
            holds.set()
            release.wait(15)

    event.listen(Session, "before_commit", hold)
    try:
        one = threading.Thread(target=lambda: box.__setitem__("a", first()))
        box["first"] = one
        one.start()
        assert holds.wait(10)
        two = threading.Thread(target=lambda: box.__setitem__("b", second()))
        two.start()
        try:
            _wait_for_a_lock_wait(app)
        finally:
            release.set()
        one.join(30)
        two.join(30)
    finally:
        event.remove(Session, "before_commit", hold)
    return box["a"], box["b"]


def test_the_rows_read_for_a_step_are_those_committed_while_it_waited(pg):
    case = Api(pg, "frontdesk").post("/api/v1/cases", json=application()).get_json()
    task_id = case["open_tasks"][0]["id"]
    with pg.app_context():
        engine = db.engine
    holder, seen = Session(engine), {}
    cycle.lock_case(holder, case["id"])

    def waiter():
        with Session(engine) as session:
            locked = cycle.lock_case_for_step(session, case["id"])
            seen["tasks"] = {k: t.state for k, t in locked.open_tasks.items()}
            seen["jobs"] = {k: j.state for k, j in locked.jobs.items()}
            session.rollback()

    thread = threading.Thread(target=waiter)
    thread.start()
    _wait_for_a_lock_wait(pg)
    holder.execute(update(Task).where(Task.id == task_id).values(state="completed"))
    holder.execute(update(Job).where(Job.case_id == case["id"]).values(state="done"))
    holder.commit()
    thread.join(10)
    assert seen == {"tasks": {}, "jobs": {}}


def test_a_timer_a_clerks_step_fired_stays_fired_for_the_scheduler_that_waited(pg):
    frontdesk = Api(pg, "frontdesk")
    case = frontdesk.post("/api/v1/cases", json=application()).get_json()
    task_id = case["open_tasks"][0]["id"]
    clock.advance(timedelta(days=2))  # the acceptance deadline has passed
    with pg.app_context():
        leased = claim_due(db.session, "scheduler")
        kinds = {j.id: j.element_id for j in db.session.scalars(select(Job).where(Job.id.in_(leased)))}
        db.session.remove()
    overdue = next(i for i, element in kinds.items() if element == "acceptance_overdue")

    def scheduler():
        with pg.app_context():
            try:
                return firing.fire(db.session, overdue, "scheduler", runtime_of(pg))
            finally:
                db.session.remove()

    clerk, fired = _race(pg, lambda: frontdesk.post(f"/api/v1/tasks/{task_id}/complete",
                                                json={"data": {"outcome": "accept"}}), scheduler)
    assert clerk.status_code == 200, clerk.get_json()
    with pg.app_context():
        job = db.session.get(Job, overdue)
        events = [e for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case["id"],
                                                                        CaseEvent.kind == "timer_fired"))]
        db.session.remove()
    assert job.state == "done" and fired == "done"  # fired once, by the clerk's step
    assert [e.data["job_id"] for e in events].count(overdue) == 1


def test_a_supplement_that_waited_does_not_cancel_a_task_completed_meanwhile(pg):
    frontdesk, supervisor = Api(pg, "frontdesk"), Api(pg, "supervisor")
    case = frontdesk.post("/api/v1/cases", json=application()).get_json()
    clock.advance(timedelta(days=2))
    fire_timers(pg)  # the acceptance is overdue: a supervisor's escalation task is open
    tasks = {t["name"]: t["id"] for t in frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()["open_tasks"]}
    corrected = frontdesk.post(f"/api/v1/tasks/{tasks['front_desk_acceptance']}/complete",
                               json={"data": {"outcome": "correct", "missing_materials": ["SQS"]}})
    assert corrected.status_code == 200, corrected.get_json()
    escalation = tasks["acceptance_escalation"]
    urged, supplied = _race(
        pg,
        lambda: supervisor.post(f"/api/v1/tasks/{escalation}/complete", json={"data": {"action": "urged"}}),
        lambda: frontdesk.post(f"/api/v1/cases/{case['id']}/supplements", json={"materials": ["SQS"]}))
    assert (urged.status_code, supplied.status_code) == (200, 200), (urged.get_json(), supplied.get_json())
    with pg.app_context():
        assert db.session.get(Task, escalation).state == "completed"
        cancelled = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case["id"],
                                                               CaseEvent.kind == "task_cancelled")).all()
        assert all(e.data["task_id"] != escalation for e in cancelled)
        db.session.remove()


def test_two_steps_racing_leave_one_job_per_timer(pg):
    frontdesk, supervisor = Api(pg, "frontdesk"), Api(pg, "supervisor")
    case = frontdesk.post("/api/v1/cases", json=application()).get_json()
    clock.advance(timedelta(days=2))
    fire_timers(pg)
    tasks = {t["name"]: t["id"] for t in frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()["open_tasks"]}
    corrected, urged = _race(
        pg,
        lambda: frontdesk.post(f"/api/v1/tasks/{tasks['front_desk_acceptance']}/complete",
                               json={"data": {"outcome": "correct", "missing_materials": ["SQS"]}}),
        lambda: supervisor.post(f"/api/v1/tasks/{tasks['acceptance_escalation']}/complete",
                                json={"data": {"action": "urged"}}))
    assert corrected.status_code == 200, corrected.get_json()
    with pg.app_context():
        jobs = [(j.element_id, j.state) for j in db.session.scalars(select(Job).where(Job.case_id == case["id"]))]
        db.session.remove()
    assert jobs.count(("correction_deadline", "pending")) == 1, jobs


def test_two_administrators_on_one_incident_one_resolves_the_other_is_told(pg):
    from app.cases import incidents
    from app.errors import Conflict

    case = Api(pg, "frontdesk").post("/api/v1/cases", json=application()).get_json()
    with pg.app_context():
        engine = db.engine
    with Session(engine) as session:
        job_id = session.scalars(select(Job.id).where(Job.case_id == case["id"], Job.state == "pending")).first()
        session.execute(update(Job).where(Job.id == job_id).values(state="failed"))
        session.commit()

    def resolve():
        with Session(engine) as session:
            return incidents.resolve(session, job_id, "电话联系申请人后已处理", "admin1").state

    def retry():
        with Session(engine) as session:
            try:
                return incidents.retry(session, job_id, "admin2").state
            except Conflict as refused:
                return refused.message

    resolved, retried = _race(pg, resolve, retry)
    with Session(engine) as session:
        state = session.scalar(select(Job.state).where(Job.id == job_id))
        kinds = [e.kind for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case["id"]))]
    assert (resolved, state) == ("resolved", "resolved")
    assert "已处理" in retried and "incident_retried" not in kinds
