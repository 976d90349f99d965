"""Test runs of drafts (试运行), for designers: start a sandbox case of the draft as saved, act as
each lane, answer as the applicant, move the run's clock by working days, start over. The run is
kept with the draft; its recorded path is replayed by the deploy check (app.processes.drafts)."""
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from app import clock
from app.auth.principal import Principal
from app.database import locked, unit_of_work
from app.errors import DomainError, NotFound
from app.processes import drafts, sandbox
from app.processes import service as processes
from app.processes.models import DraftTestRun, ProcessDraft
from app.settings import Settings


def _run_of(session: Session, draft_id: int) -> DraftTestRun | None:
    return session.scalar(select(DraftTestRun).where(DraftTestRun.draft_id == draft_id)
                          .options(undefer(DraftTestRun.state)))


def current(session: Session, principal: Principal, draft_id: int, settings: Settings):
    """(run, view) of the draft's test run, or (None, None). A run whose draft was saved since
    shows as it stood while the draft still parses the same way; otherwise as stale."""
    draft = drafts.get(session, principal, draft_id)
    run = _run_of(session, draft.id)
    if run is None:
        return None, None
    try:
        draftee = sandbox.prepare(bytes(draft.bpmn_xml), draft.forms or {}, processes.DeployLimits.of(settings))
    except DomainError:  # the draft as saved now has findings: the run cannot be shown on it
        draftee = None
    return run, sandbox.view(run, draftee)


def start(session: Session, principal: Principal, draft_id: int, settings: Settings, *, data: dict,
          materials: list[str], promised_limit_days: int, legal_limit_days: int) -> DraftTestRun:
    """A new run of the draft as saved (replacing the last one), started at the real now."""
    draft = drafts.get(session, principal, draft_id)
    context = sandbox.env(session, settings)
    draftee = sandbox.prepare(bytes(draft.bpmn_xml), draft.forms or {}, processes.DeployLimits.of(settings))
    start_data = sandbox.start_data(draftee, context, data, materials, promised_limit_days, legal_limit_days)
    with unit_of_work(session, keep_loaded=True):
        row = locked(session, ProcessDraft, draft.id)
        if row is None:
            raise NotFound("草稿不存在")
        old = _run_of(session, draft.id)
        if old is not None:
            session.delete(old)
            session.flush()
        run = DraftTestRun(draft_id=draft.id, draft_revision=draft.revision, started_by_id=principal.user_id,
                           started_at=clock.now(), sandbox_now=clock.now(), start_data=start_data, steps=[],
                           outcome="running")
        sandbox.begin(run, draftee, context)
        session.add(run)
    return run


def _act(session: Session, principal: Principal, draft_id: int, settings: Settings, action) -> DraftTestRun:
    """One action on the run, under the run's row lock: two tabs never both move one run."""
    draft = drafts.get(session, principal, draft_id)
    context = sandbox.env(session, settings)
    with unit_of_work(session, keep_loaded=True):
        found = _run_of(session, draft.id)
        run = locked(session, DraftTestRun, found.id) if found is not None else None
        if run is None:
            raise NotFound("草稿还没有试运行")
        session.refresh(run, ["state"])
        draftee = sandbox.prepare(bytes(draft.bpmn_xml), draft.forms or {}, processes.DeployLimits.of(settings))
        action(run, draftee, context)
    return run


def complete(session, principal, draft_id: int, settings: Settings, task_id: str, data) -> DraftTestRun:
    return _act(session, principal, draft_id, settings,
                lambda run, d, e: sandbox.complete(run, d, e, task_id, data))


def supplement(session, principal, draft_id: int, settings: Settings, materials: list[str], note: str) -> DraftTestRun:
    return _act(session, principal, draft_id, settings,
                lambda run, d, e: sandbox.supplement(run, d, e, materials, note))


def advance(session, principal, draft_id: int, settings: Settings, workdays: int | None,
            next_timer: bool) -> DraftTestRun:
    return _act(session, principal, draft_id, settings,
                lambda run, d, e: sandbox.advance(run, d, e, workdays, next_timer))


def discard(session: Session, principal: Principal, draft_id: int) -> None:
    draft = drafts.get(session, principal, draft_id)
    with unit_of_work(session):
        run = _run_of(session, draft.id)
        if run is not None:
            session.delete(run)
