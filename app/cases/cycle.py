"""One engine step = one transaction (DESIGN.md).

`engine_step(...)` locks the case row (SELECT … FOR UPDATE on PostgreSQL; SQLite write
transactions are serialized by BEGIN IMMEDIATE), checks the revision, deserializes with the
cached spec and runs the caller's action with the working-day calendar in scope. On leaving
it syncs task/job/case/event rows from the engine, runs the after-step hooks, serializes and
bumps the revision — unless the caller set `step.save = False` or raised. The caller commits
inside `unit_of_work`, which rolls everything back on any error; the in-memory workflow is then
simply dropped. The step carries the installation's settings and hooks (below), so the
features that plug into it need no globals.

The statement budget (tests/concurrency/test_pg_step_budget.py): a step locks its case, then reads
it with its open tasks and live jobs in one statement (on SQLite the read is the lock); reference data (hall, item,
guide, process version, calendar) comes from the worker's cache (app.reference) and resolves
from the identity map; nothing autoflushes inside the step, so its rows go out together at
the commit (one INSERT per table).
"""
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple, Protocol

from sqlalchemy import Select, bindparam, event, select
from sqlalchemy.orm import Session, joinedload, lazyload, selectinload, undefer

from app import clock, engine, reference
from app.auth.models import Hall
from app.calendar import service as calendar
from app.calendar.days import WorkingCalendar
from app.cases.history import EventLog
from app.cases.models import Case
from app.cases.sync import sync_from_engine
from app.cases.tasks import OPEN, Task
from app.catalog.models import GuideVersion, ServiceItem
from app.connections import sent_with_next, settle_sent
from app.engine.deadlines import calendar_context
from app.engine.scripting import script_limits
from app.errors import Conflict, DomainError, NotFound
from app.processes import service as processes
from app.processes.models import ProcessDefinition
from app.settings import Settings
from app.timers import models as J

# --- how features take part in a step --------------------------------------------------
# The bootstrap builds one StepHooks (documents issued at a decision, the pickup code and its
# check, the messages to the applicant) and hands it, with the settings, to every service that
# runs a step: the case core imports none of those features. CaseRuntime is what such a
# service needs of the app's runtime.

BeforeComplete = Callable[["Step", Task, dict], None]
AfterStep = Callable[["Step", str], None]


@dataclass(frozen=True)
class StepHooks:
    # Called with (step, task, cleaned form data) before a task is completed; may refuse.
    before_complete: tuple[BeforeComplete, ...] = ()
    # Called with (step, actor) after the step is synced and before it is stored.
    after_step: tuple[AfterStep, ...] = ()


class CaseRuntime(Protocol):
    """What a service that runs engine steps needs of the app's runtime."""

    @property
    def settings(self) -> Settings: ...

    @property
    def hooks(self) -> StepHooks: ...


class RefusedInStep(DomainError):
    """A refusal (raised by a before-complete hook) whose consequence must outlive the step: the
    step is rolled back whole, then `settle` runs in a transaction of its own (e.g. counting a
    wrong pickup code, which a rollback must not undo) and returns the error for the user."""

    def settle(self, session: Session, actor: str) -> DomainError:
        raise NotImplementedError  # each refusal says what it records


@dataclass
class Step:
    session: Session
    case: Case
    instance: engine.ProcessInstance
    log: EventLog
    settings: Settings
    hooks: StepHooks
    calendar: WorkingCalendar  # the holidays as stored now and the installation's end of day
    deadlines: list = field(default_factory=list)  # DeadlineRecords computed in this step
    save: bool = True
    status_changes: list = field(default_factory=list)  # (old, new) statuses of this step
    open_tasks: dict[str, Task] = field(default_factory=dict)  # the case's open task rows, read under the lock
    had_timers: bool = True  # whether the stored instance waited on timers (else it has no jobs to read)
    actor_name: str | None = None  # who acts, as people read it (documents name the clerk)
    answers: dict = field(default_factory=dict)  # BPMN element -> what its task was answered with in this step
    actor: str = "system"  # who acts, as the history records it
    _jobs: dict | None = None

    def jobs(self) -> dict:
        """The case's live jobs (pending, failed, suspended) by engine task id, read once; none
        when neither the stored nor the running instance has a timer."""
        if self._jobs is None:
            if not (self.had_timers or self.instance.pending_timer_ids()):
                self._jobs = {}
            else:
                self._jobs = {j.engine_task_id: j for j in self.session.scalars(_LIVE_JOBS, {"case_id": self.case.id})}
        return self._jobs


# The statements every step runs, built once: building a select with its options costs about as
# much as running it.
_LIVE = (J.PENDING, J.FAILED, J.SUSPENDED)
_LIVE_JOBS = (select(J.Job).where(J.Job.case_id == bindparam("case_id"), J.Job.state.in_(_LIVE))
              .execution_options(populate_existing=True))
_OPEN_TASKS = (select(Task).where(Task.case_id == bindparam("case_id"), Task.state == OPEN)
               .options(lazyload("*")).execution_options(populate_existing=True))


def _case_lock(owner, for_step: bool = False) -> dict[bool, Select]:
    """Reading the case whose id `owner` gives: {row lock or not: statement}; for a step, with its
    open tasks and live jobs joined in (the lock is on the case row only)."""
    stmt = select(Case).where(Case.id == owner).options(lazyload("*"), undefer(Case.state))
    if for_step:
        stmt = stmt.options(joinedload(Case.tasks.and_(Task.state == OPEN)).lazyload("*"),
                            joinedload(Case.jobs.and_(J.Job.state.in_(_LIVE))).lazyload("*"))
    stmt = stmt.execution_options(populate_existing=True)
    return {False: stmt, True: stmt.with_for_update(of=Case)}


_BY_TASK = select(Task.case_id).where(Task.id == bindparam("ident")).scalar_subquery()
_BY_JOB = select(J.Job.case_id).where(J.Job.id == bindparam("ident")).scalar_subquery()
_LOCK_CASE = {
    "case": _case_lock(bindparam("ident")),
    "case+step": _case_lock(bindparam("ident"), for_step=True),
    "task+step": _case_lock(_BY_TASK, for_step=True),
    "job+step": _case_lock(_BY_JOB, for_step=True),
}
# PostgreSQL: after waiting for a row lock, a statement sees the locked row as now committed but the
# rows it joined as they were when it began. A step's read with its tasks and jobs joined therefore
# takes the lock first (this statement) and reads in a statement of its own, which sees it all as
# of the lock; the two go to the server together (one round trip). SQLite's writers start
# serialized, so one statement reads it right there.
_LOCK_ONLY = {
    "case+step": select(Case.id).where(Case.id == bindparam("ident")).with_for_update(),
    "task+step": select(Case.id).where(Case.id == _BY_TASK).with_for_update(),
    "job+step": select(Case.id).where(Case.id == _BY_JOB).with_for_update(),
}


class Locked(NamedTuple):
    """A case locked for a step, with the rows the step syncs, read under that lock."""

    case: Case
    open_tasks: dict[str, Task]
    jobs: dict[str, J.Job]  # live jobs by engine task id


def _locked_case(session: Session, by: str, ident) -> Case | None:
    """The case (by its id, or that of its task or job) locked and read (SQLite serializes writers
    by BEGIN IMMEDIATE instead), with its reference data from the cache."""
    reference.revision(session)  # read once per request, before the lock (it is not the step's)
    locking = session.get_bind().dialect.name != "sqlite"
    if locking and by in _LOCK_ONLY:
        connection = session.connection()
        with sent_with_next(connection):  # its result is not read: the read below says all
            connection.execute(_LOCK_ONLY[by], {"ident": ident})
        try:  # under the lock now: this read sees the rows as committed when it was granted
            case = session.execute(_LOCK_CASE[by][False], {"ident": ident}).unique().scalar_one_or_none()
        finally:
            settle_sent(connection)  # (had the read failed before it was sent)
    else:
        case = session.execute(_LOCK_CASE[by][locking], {"ident": ident}).unique().scalar_one_or_none()
    if case is not None:
        attach_reference(session, case)
    return case


def _locked_for_step(session: Session, by: str, ident) -> Locked | None:
    case = _locked_case(session, by, ident)
    if case is None:
        return None
    return Locked(case, {t.id: t for t in case.tasks}, {j.engine_task_id: j for j in case.jobs})


def lock_case(session: Session, case_id: int) -> Case:
    case = _locked_case(session, "case", case_id)
    if case is None:
        raise NotFound(f"办件 {case_id} 不存在")
    return case


def lock_case_for_step(session: Session, case_id: int) -> Locked:
    locked = _locked_for_step(session, "case+step", case_id)
    if locked is None:
        raise NotFound(f"办件 {case_id} 不存在")
    return locked


def lock_case_of_task(session: Session, task_id: str) -> Locked | None:
    """The case of a task, locked, with its open tasks and live jobs (None if no such task)."""
    return _locked_for_step(session, "task+step", task_id)


def lock_case_of_job(session: Session, job_id: int) -> Locked | None:
    return _locked_for_step(session, "job+step", job_id)


def attach_reference(session: Session, case: Case) -> None:
    """Put the case's hall, item, guide version (with its materials) and process version into
    the session from the worker's cache, so `case.guide` and the rest need no SQL."""
    reference.entity(session, ProcessDefinition, case.definition_id)
    guide_for_step(session, case.guide_version_id)
    reference.entity(session, Hall, case.hall_id)
    if case.proxy_hall_id is not None:
        reference.entity(session, Hall, case.proxy_hall_id)


def guide_for_step(session: Session, guide_id: int) -> GuideVersion | None:
    """A guide version with its materials, its item and the item's halls, from the worker's cache."""
    return reference.entity(session, GuideVersion, guide_id, *_guide_options(), shape="for a step")


@cache
def _guide_options() -> tuple:
    # built once (at first use, the mappers configured): building them cost ~1 % of an action,
    # and they are only used when the cache misses
    return (selectinload(GuideVersion.materials), joinedload(GuideVersion.item).selectinload(ServiceItem.halls))


def load_open_tasks(session: Session, case_id: int) -> dict[str, Task]:
    """The case's open tasks as they are now (read under the case lock)."""
    rows = session.scalars(_OPEN_TASKS, {"case_id": case_id})
    return {t.id: t for t in rows}


def working_calendar(session: Session, settings: Settings) -> WorkingCalendar:
    """The calendar as stored now, with the installation's end of a deadline day."""
    return calendar.working(session, settings.end_of_day)


@contextmanager
def engine_step(session: Session, case: Case | Locked | int, actor: str, runtime: CaseRuntime,
                expected_revision: int | None = None, actor_name: str | None = None):
    """`case`: its id, the case already locked by `lock_case`, or what one of the other lock
    functions read (the case with its open tasks and live jobs)."""
    if isinstance(case, int):
        case = lock_case_for_step(session, case)
    open_tasks: dict[str, Task] | None = None
    jobs: dict | None = None
    if isinstance(case, Locked):
        case, open_tasks, jobs = case
    if expected_revision is not None and case.revision != expected_revision:
        raise Conflict(f"办件已更新（当前版本 {case.revision}，请求基于 {expected_revision}），请刷新后重试",
                       revision=case.revision)
    working = working_calendar(session, runtime.settings)
    open_tasks = load_open_tasks(session, case.id) if open_tasks is None else open_tasks
    # every script and expression of the step shares one wall-clock budget (and the limits);
    # nothing flushes before the step is complete: its rows go out together at the commit
    with calendar_context(working) as records, script_limits(runtime.settings.scripts), session.no_autoflush:
        instance = engine.ProcessInstance.load(processes.loaded(case.definition), case.state)
        had_timers = bool(instance.pending_timer_ids())
        # A deadline that passed wins over whatever comes now: fire what is due before acting
        # (if that takes away the task a clerk wanted to complete, the clerk gets a 409).
        instance.fire_due_timers()
        step = Step(session, case, instance, EventLog(session, case), runtime.settings, runtime.hooks, working, records,
                    open_tasks=open_tasks, had_timers=had_timers, actor_name=actor_name, actor=actor)
        step._jobs = jobs
        yield step
        if step.save:
            close_step(step, actor)


@contextmanager
def first_step(session: Session, case: Case, definition, data: dict, actor: str, log: EventLog,
               runtime: CaseRuntime, actor_name: str | None = None):
    """Start a new case's instance (the case row is new, so nothing to lock)."""
    working = working_calendar(session, runtime.settings)
    with calendar_context(working) as records, script_limits(runtime.settings.scripts), session.no_autoflush:
        instance = engine.ProcessInstance.start(processes.loaded(definition), data)
        step = Step(session, case, instance, log, runtime.settings, runtime.hooks, working, records,
                    had_timers=False, actor_name=actor_name, actor=actor)
        step._jobs = {}
        yield step
        close_step(step, actor)


def close_step(step: Step, actor: str) -> None:
    sync_from_engine(step, actor)
    for hook in step.hooks.after_step:
        hook(step, actor)
    step.case.state = step.instance.dump(step.settings.scripts.state_bytes)  # over it the step fails
    step.case.updated_at = clock.now()
    step.case.revision = (step.case.revision or 0) + 1
    still_open = sorted((t for t in step.open_tasks.values() if t.state == OPEN), key=lambda t: t.created_at)
    step.session.info.setdefault(_OPEN_AFTER_STEP, {})[step.case.id] = (step.case.revision, still_open)


# The open tasks a step leaves, by case, for the answer to the action: the rows were read under the
# case lock and written by the step, so presenting them needs no query after the commit. Valid for
# the revision the step stored; a rollback forgets them all.
_OPEN_AFTER_STEP = "open_tasks_after_step"


def open_tasks_after_step(session: Session, case: Case) -> list[Task] | None:
    """The case's open tasks as this session's last step on it left them (None: not known here)."""
    revision, rows = session.info.get(_OPEN_AFTER_STEP, {}).get(case.id, (None, None))
    return rows if revision is not None and revision == case.revision else None


@event.listens_for(Session, "after_rollback")
def _forget_open_tasks(session: Session) -> None:
    session.info.pop(_OPEN_AFTER_STEP, None)
