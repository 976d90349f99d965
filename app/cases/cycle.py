"""One engine step = one transaction (DESIGN.md).

`engine_step(...)` locks the case row (SELECT … FOR UPDATE on PostgreSQL; SQLite write
transactions are serialized by BEGIN IMMEDIATE), checks the revision, deserializes with the
cached spec and runs the caller's action with the working-day calendar in scope. On leaving
it syncs task/job/case/event rows from the engine, runs the after-step hooks, serializes and
bumps the revision — unless the caller set `step.save = False` or raised. The caller commits
inside `unit_of_work`, which rolls everything back on any error; the in-memory workflow is then
simply dropped. The step carries the installation's settings and hooks (below), so the
features that plug into it need no globals.
"""
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload, undefer

from app import clock, engine
from app.calendar import service as calendar
from app.calendar.days import WorkingCalendar
from app.cases.history import EventLog
from app.cases.models import Case
from app.cases.sync import sync_from_engine
from app.cases.tasks import Task
from app.engine.deadlines import calendar_context
from app.engine.scripting import script_limits
from app.errors import Conflict, DomainError, NotFound
from app.processes import service as processes
from app.settings import Settings

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


def lock_case(session: Session, case_id: int) -> Case:
    stmt = (select(Case).where(Case.id == case_id).options(lazyload("*"), undefer(Case.state))
            .execution_options(populate_existing=True))
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update(of=Case)
    case = session.scalar(stmt)
    if case is None:
        raise NotFound(f"办件 {case_id} 不存在")
    return case


def working_calendar(session: Session, settings: Settings) -> WorkingCalendar:
    """The calendar as stored now, with the installation's end of a deadline day."""
    return calendar.working(session, settings.end_of_day)


@contextmanager
def engine_step(session: Session, case_id: int, actor: str, runtime: CaseRuntime,
                expected_revision: int | None = None):
    case = lock_case(session, case_id)
    if expected_revision is not None and case.revision != expected_revision:
        raise Conflict(f"办件已更新（当前版本 {case.revision}，请求基于 {expected_revision}），请刷新后重试",
                       revision=case.revision)
    working = working_calendar(session, runtime.settings)
    # every script and expression of the step shares one wall-clock budget (and the limits)
    with calendar_context(working) as records, script_limits(runtime.settings.scripts):
        instance = engine.ProcessInstance.load(processes.loaded(case.definition), case.state)
        # A deadline that passed wins over whatever comes now: fire what is due before acting
        # (if that takes away the task a clerk wanted to complete, the clerk gets a 409).
        instance.fire_due_timers()
        step = Step(session, case, instance, EventLog(session, case), runtime.settings, runtime.hooks, working, records)
        yield step
        if step.save:
            close_step(step, actor)


@contextmanager
def first_step(session: Session, case: Case, definition, data: dict, actor: str, log: EventLog,
               runtime: CaseRuntime):
    """Start a new case's instance (the case row is new, so nothing to lock)."""
    working = working_calendar(session, runtime.settings)
    with calendar_context(working) as records, script_limits(runtime.settings.scripts):
        instance = engine.ProcessInstance.start(processes.loaded(definition), data)
        step = Step(session, case, instance, log, runtime.settings, runtime.hooks, working, records)
        yield step
        close_step(step, actor)


def close_step(step: Step, actor: str) -> None:
    sync_from_engine(step, actor)
    for hook in step.hooks.after_step:
        hook(step, actor)
    step.case.state = step.instance.dump(step.settings.scripts.state_bytes)  # over it the step fails
    step.case.updated_at = clock.now()
    step.case.revision = (step.case.revision or 0) + 1
