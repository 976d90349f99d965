"""The engine step's statement budget on PostgreSQL (issue 15): a task completion, a supplement and a
timer firing each run in at most STEP_BUDGET statements between the case lock and the commit,
with no lazy load and no autoflush inside the step; the whole HTTP request (authentication, the
reference revision, the compact answer) adds at most REQUEST_OVERHEAD more.

Counted on a warm worker (the reference cache filled by an earlier case), as in production.
Run with `-s` to see each action's statements."""
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from app import clock
from app.bootstrap import runtime_of
from app.cases import firing
from app.extensions import db
from app.timers.leases import claim_due
from tests.conftest import START, Api
from tests.flows import complete, pickup_code, start

STEP_BUDGET = 12
# the reference revision (the caller's grants are cached under it; the answer presents what the step left)
REQUEST_OVERHEAD = 1


class Recorder:
    def __init__(self):
        self.statements: list[str] = []
        self.lock_at: int | None = None
        self.commit_at: int | None = None
        self.lazy_in_step: list[str] = []

    @property
    def step(self) -> list[str]:
        assert self.lock_at is not None and self.commit_at is not None, self.statements
        return self.statements[self.lock_at:self.commit_at]

    def report(self, name: str) -> None:
        print(f"\n{name}: {len(self.step)} in the step, {len(self.statements)} in all")
        for n, sql in enumerate(self.statements):
            mark = "*" if self.lock_at is not None and self.lock_at <= n < (self.commit_at or 0) else " "
            print(f"  {mark} {sql}")


@contextmanager
def recording(app):
    rec = Recorder()
    with app.app_context():
        engine = db.engine

    def on_execute(conn, cursor, statement, params, context, executemany):
        if rec.lock_at is None and "FOR UPDATE" in statement and 'FROM "case"' in statement:
            rec.lock_at = len(rec.statements)
        rec.statements.append(" ".join(statement.split())[:140])

    def on_commit(conn):
        if rec.lock_at is not None and rec.commit_at is None:
            rec.commit_at = len(rec.statements)

    def on_orm(state):
        loading = state.is_relationship_load or state.is_column_load
        if loading and rec.lock_at is not None and rec.commit_at is None:
            rec.lazy_in_step.append(str(state.statement).split("\n")[0][:120])

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    event.listen(Session, "do_orm_execute", on_orm)
    try:
        yield rec
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)
        event.remove(Session, "do_orm_execute", on_orm)


def _post(app, api: Api, path: str, json: dict) -> tuple[dict, Recorder]:
    headers = {"Authorization": f"Bearer {api.token()}"}  # the token is made before counting
    with recording(app) as rec:
        response = api.client.post(path, json=json, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json(), rec


def _within_budget(rec: Recorder, name: str) -> None:
    rec.report(name)
    assert not rec.lazy_in_step, f"{name}: lazy loads inside the step: {rec.lazy_in_step}"
    assert len(rec.step) <= STEP_BUDGET, f"{name}: {len(rec.step)} statements in the step"
    assert len(rec.statements) <= STEP_BUDGET + REQUEST_OVERHEAD, f"{name}: {len(rec.statements)} in the request"


def _warm(frontdesk, backoffice, pickup):
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    case = complete(backoffice, case, "back_office_review", {"decision": "approve"})
    complete(pickup, case, "window_delivery", {"delivery_method": "window_pickup"})


def test_task_completions_stay_within_the_budget(pg):
    frontdesk, backoffice, pickup = Api(pg, "frontdesk"), Api(pg, "backoffice"), Api(pg, "pickup")
    _warm(frontdesk, backoffice, pickup)
    case = start(frontdesk)
    steps = [(frontdesk, "front_desk_acceptance", {"outcome": "accept"}),
             (backoffice, "back_office_review", {"decision": "approve"}),
             (pickup, "window_delivery", {"delivery_method": "window_pickup"})]
    for api, name, data in steps:
        if name == "window_delivery":
            data = {**data, "pickup_code": pickup_code(pg, case)}
        task = next(t for t in case["open_tasks"] if t["name"] == name)
        case, rec = _post(pg, api, f"/api/v1/tasks/{task['id']}/complete", {"data": data})
        _within_budget(rec, name)
        assert "events" not in case  # the answer is compact: the history is one GET away
    assert case["status"] == "completed"


def test_a_supplement_stays_within_the_budget(pg):
    frontdesk, backoffice, pickup = Api(pg, "frontdesk"), Api(pg, "backoffice"), Api(pg, "pickup")
    _warm(frontdesk, backoffice, pickup)
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    assert case["status"] == "awaiting_correction"
    case, rec = _post(pg, frontdesk, f"/api/v1/cases/{case['id']}/supplements", {"materials": ["PMT"]})
    _within_budget(rec, "supplement")
    assert case["status"] == "submitted"


def test_a_timer_firing_stays_within_the_budget(pg):
    frontdesk, backoffice, pickup = Api(pg, "frontdesk"), Api(pg, "backoffice"), Api(pg, "pickup")
    _warm(frontdesk, backoffice, pickup)
    case = start(frontdesk)
    complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    clock.freeze(START + timedelta(days=60))  # long past the correction deadline
    runtime = runtime_of(pg)
    with pg.app_context():
        session = db.session
        jobs = claim_due(session, "budget-test")
        assert jobs, "the correction deadline is due"
        with recording(pg) as rec:
            states = [firing.fire(session, job_id, "budget-test", runtime) for job_id in jobs[:1]]
        db.session.remove()
    assert states == ["done"]
    _within_budget(rec, "timer")
    assert len(rec.statements) <= STEP_BUDGET  # no request around it
