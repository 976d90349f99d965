"""One engine step = one transaction (DESIGN.md).

open_step: lock the case row (SELECT … FOR UPDATE on PostgreSQL; SQLite transactions are
already serialized by BEGIN IMMEDIATE), check the revision, deserialize with the cached spec.
close_step: sync task/job/case/event rows from the engine, serialize, bump the revision.
The caller commits inside `unit_of_work`, which rolls everything back on any error — the
in-memory workflow is then simply dropped.
"""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload, undefer

from app import clock, engine
from app.cases.history import EventLog
from app.cases.models import Case
from app.cases.sync import sync_from_engine
from app.errors import Conflict, NotFound
from app.processes import service as processes


@dataclass
class Step:
    session: Session
    case: Case
    instance: engine.ProcessInstance
    log: EventLog


def lock_case(session: Session, case_id: int) -> Case:
    stmt = (select(Case).where(Case.id == case_id).options(lazyload("*"), undefer(Case.state))
            .execution_options(populate_existing=True))
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update(of=Case)
    case = session.scalar(stmt)
    if case is None:
        raise NotFound(f"办件 {case_id} 不存在")
    return case


def open_step(session: Session, case_id: int, expected_revision: int | None = None) -> Step:
    case = lock_case(session, case_id)
    if expected_revision is not None and case.revision != expected_revision:
        raise Conflict(f"办件已更新（当前版本 {case.revision}，请求基于 {expected_revision}），请刷新后重试",
                       revision=case.revision)
    loaded = processes.loaded(case.definition)
    instance = engine.ProcessInstance.load(loaded, case.state)
    return Step(session, case, instance, EventLog(session, case))


def close_step(step: Step, actor: str) -> None:
    sync_from_engine(step, actor)
    step.case.state = step.instance.dump()
    step.case.updated_at = clock.now()
    step.case.revision = (step.case.revision or 0) + 1
