"""Scheduler processes on PostgreSQL: several at once never fire a timer twice, and one that
was stopped fires everything that fell due meanwhile as soon as it starts again."""
import ast
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, insert, select

from app import clock
from app.cases.history import GENESIS
from app.cases.models import Case, CaseEvent
from app.extensions import db
from app.timers.models import DONE, PENDING, Job
from tests.conftest import Api
from tests.flows import application, person_applicant
from tests.timing import deploy_short_timer

ROOT = Path(__file__).resolve().parents[2]
TIMERS = 2000


def _env(app) -> dict:
    with app.app_context():
        database = db.engine.url.render_as_string(hide_password=False)
    return {**os.environ, "ONEWINDOW_ENV": "production", "DATABASE_URL": database,
            "SECRET_KEY": app.config["SECRET_KEY"], "PUBLIC_BASE_URL": "https://zwfw.example.cn",
            "LOG_LEVEL": "WARNING", "SCHEDULER_ENABLED": "0"}


def _flask(app, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=_env(app),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _start_short_cases(app, count: int, wait_for: str) -> list[int]:
    frontdesk = Api(app, "frontdesk")
    ids = []
    for n in range(count):
        body = application(item_code="TEST-SHORT-TIMER", materials=["SQS"], applicant=person_applicant(n),
                           data={"wait_for": wait_for})
        response = frontdesk.post("/api/v1/cases", json=body)
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    return ids


def _clone(app, case_id: int, copies: int) -> None:
    """Copies of a waiting case (state, job) — thousands of due timers without thousands of steps."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        job = db.session.scalar(select(Job).where(Job.case_id == case_id, Job.state == PENDING))
        columns = {c.key: getattr(case, c.key) for c in Case.__table__.columns if c.key not in ("id", "case_no")}
        # copies without the original's history: their chains start empty
        rows = [{**columns, "case_no": f"{case.case_no}-{n}", "history_seq": 0, "history_head": GENESIS}
                for n in range(copies)]
        new_ids = db.session.scalars(insert(Case).returning(Case.id), rows).all()
        job_columns = {c.key: getattr(job, c.key) for c in Job.__table__.columns if c.key not in ("id", "case_id")}
        db.session.execute(insert(Job), [{**job_columns, "case_id": new_id} for new_id in new_ids])
        db.session.commit()
        db.session.remove()


def _wait_all_done(app, expected: int, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while True:
        with app.app_context():
            done = db.session.scalar(select(func.count()).select_from(Job).where(Job.state == DONE))
            db.session.remove()
        if done >= expected or time.monotonic() > deadline:
            return done
        time.sleep(0.2)


def test_two_scheduler_processes_fire_two_thousand_timers_exactly_once(pg):
    clock.reset()
    deploy_short_timer(pg, Api(pg, "designer"))
    [first] = _start_short_cases(pg, 1, "PT1S")
    _clone(pg, first, TIMERS - 1)
    time.sleep(1.2)  # every timer is due now
    workers = [_flask(pg, "timers", "fire") for _ in range(2)]
    outputs = [w.communicate(timeout=600)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    fired = [ast.literal_eval(out.strip().splitlines()[-1]).get("done", 0) for out in outputs]
    assert sum(fired) == TIMERS, outputs
    with pg.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job).where(Job.state == DONE)) == TIMERS
        per_case = db.session.execute(select(CaseEvent.case_id, func.count()).where(CaseEvent.kind == "timer_fired")
                                      .group_by(CaseEvent.case_id)).all()
        assert len(per_case) == TIMERS and {n for _, n in per_case} == {1}
        statuses = db.session.execute(select(Case.status, func.count()).group_by(Case.status)).all()
        assert dict(statuses) == {"completed": TIMERS}
        db.session.remove()
    print(f"timers fired per scheduler process: {fired}")


def test_a_stopped_scheduler_fires_what_fell_due_when_it_starts_again(pg):
    clock.reset()
    deploy_short_timer(pg, Api(pg, "designer"))
    _start_short_cases(pg, 20, "PT1S")   # no scheduler runs while these fall due
    time.sleep(1.5)
    scheduler = _flask(pg, "scheduler", "run")
    try:
        assert _wait_all_done(pg, 20, 30) == 20
        # while it runs, a new timer from another process (this one) wakes it through NOTIFY
        [late] = _start_short_cases(pg, 1, "PT1S")
        assert _wait_all_done(pg, 21, 10) == 21
        with pg.app_context():
            fired = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == late, CaseEvent.kind == "timer_fired"))
            lateness = (fired.at - datetime.fromisoformat(fired.data["due_at"])).total_seconds()
            db.session.remove()
        assert lateness < 2.0, lateness  # the 60 s sweep is not what fired it
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=10)
