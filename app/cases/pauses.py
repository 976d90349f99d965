"""Special procedures (特别程序: hearing, inspection, expert review…): the clock pauses.

While one runs, the case's timers are suspended (the engine's waiting timers are pushed out
of reach, so no step can fire them) and no deadline warns. When it ends, every deadline of
the case moves by the working days the procedure took: timers, open tasks' due dates and the
decision and legal limits. The history records both ends with the reason.
"""
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.auth import roles as R
from app.auth.principal import Principal
from app.calendar import service as calendar
from app.calendar.days import add_working_days, deadline, end_of, working_days_between
from app.cases import cycle
from app.cases.models import Case
from app.database import unit_of_work
from app.engine.deadlines import DeadlineRecord
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.inbox.models import OPEN, Task
from app.timers.models import PENDING, SUSPENDED, Job

KINDS = {
    "hearing": "听证", "inspection": "现场勘查", "expert_review": "专家评审",
    "testing": "检验、检测、鉴定", "announcement": "公示", "other": "其他法定特别程序",
}
DECIDING_ROLES = (R.BACK_OFFICE, R.CHIEF_REPRESENTATIVE)
OUT_OF_REACH = datetime(9999, 12, 31, tzinfo=clock.LOCAL_TZ)


def _authorize(session: Session, principal: Principal, case_id: int):
    case = session.get(Case, case_id)
    if case is None or not principal.can_view_hall(case.hall_id):
        raise NotFound(f"办件 {case_id} 不存在")
    if not (principal.is_admin or case.hall_id in principal.halls_for(*DECIDING_ROLES)):
        raise PermissionDenied("只有本大厅的审批人员（后台或首席代表）可以启动或结束特别程序")


def _local(when: datetime) -> str:
    return f"{when.astimezone(clock.LOCAL_TZ):%Y-%m-%d}"


def start(session: Session, principal: Principal, case_id: int, kind: str, reason: str):
    if kind not in KINDS:
        raise ValidationFailed(f"未知的特别程序 {kind}", {"kind": ["必须是以下之一：" + "、".join(KINDS)]})
    if not (reason or "").strip():
        raise ValidationFailed("请说明启动特别程序的理由", {"reason": ["必填项"]})
    with unit_of_work(session):
        _authorize(session, principal, case_id)
        with cycle.engine_step(session, case_id, principal.username) as step:
            case = step.case
            if case.closed:
                raise Conflict("办件已结束")
            if case.special_procedure:
                raise Conflict(f"办件正在进行特别程序：{case.special_procedure['label']}")
            for job in session.scalars(select(Job).where(Job.case_id == case.id, Job.state == PENDING)):
                step.instance.set_timer_due(job.engine_task_id, OUT_OF_REACH)
                job.state = SUSPENDED
            case.special_procedure = {"kind": kind, "label": KINDS[kind], "reason": reason.strip(),
                                      "started_at": clock.now().isoformat(), "started_by": principal.username}
            step.log.append("special_procedure_started", principal.username,
                            f"启动特别程序：{KINDS[kind]}（{reason.strip()}），期间不计入办理时限",
                            {"kind": kind, "reason": reason.strip()})
    return step.case


def end(session: Session, principal: Principal, case_id: int, note: str | None):
    with unit_of_work(session):
        _authorize(session, principal, case_id)
        with cycle.engine_step(session, case_id, principal.username) as step:
            case = step.case
            if not case.special_procedure:
                raise Conflict("办件当前没有进行中的特别程序")
            data = calendar.current(session)
            began = datetime.fromisoformat(case.special_procedure["started_at"]).astimezone(clock.LOCAL_TZ).date()
            paused = max(0, working_days_between(began, clock.today(), data))
            changes = _move_deadlines(step, paused, data)
            procedure = case.special_procedure
            case.special_procedure, case.paused_days = None, (case.paused_days or 0) + paused
            step.log.append("special_procedure_ended", principal.username,
                            f"特别程序结束：{procedure['label']}，不计时 {paused} 个工作日"
                            + (f"（{note.strip()}）" if note and note.strip() else "")
                            + ("；" + "；".join(changes) if changes else ""),
                            {"kind": procedure["kind"], "paused_working_days": paused, "note": note, "changes": changes})
    return step.case


def _shifted(due: datetime, rule: dict | None, paused: int, data) -> tuple[datetime, dict | None, bool]:
    """A deadline `paused` working days later, by its rule when it has one."""
    if rule:
        moved = {"start": rule["start"], "days": rule["days"] + paused}
        when, provisional = deadline(date.fromisoformat(moved["start"]), moved["days"], data, clock.LOCAL_TZ)
        return when, moved, provisional
    answer = add_working_days(due.astimezone(clock.LOCAL_TZ).date(), paused, data)
    return end_of(answer.day, clock.LOCAL_TZ, due.astimezone(clock.LOCAL_TZ).timetz().replace(tzinfo=None)), None, \
        answer.provisional


def _move_deadlines(step, paused: int, data) -> list[str]:
    session, case, changes = step.session, step.case, []
    for job in session.scalars(select(Job).where(Job.case_id == case.id, Job.state == SUSPENDED)):
        when, rule, provisional = _shifted(job.due_at, job.due_rule, paused, data)
        job.state = PENDING
        if step.instance.set_timer_due(job.engine_task_id, when):
            rule = rule or {"start": _local(when), "days": 0}
            step.deadlines.append(DeadlineRecord(job.engine_task_id, date.fromisoformat(rule["start"]),
                                                 rule["days"], when, provisional))
            if paused:
                changes.append(f"期限 {_local(job.due_at)} → {_local(when)}")
    for task in session.scalars(select(Task).where(Task.case_id == case.id, Task.state == OPEN,
                                                   Task.due_at.is_not(None))):
        when, rule, provisional = _shifted(task.due_at, task.due_rule, paused, data)
        if paused and when != task.due_at:
            changes.append(f"“{task.title}”办理期限 {_local(task.due_at)} → {_local(when)}")
        task.due_at, task.due_rule, task.due_provisional = when, rule or task.due_rule, provisional
    for attr, label in (("acceptance_due", "受理期限"), ("decision_due", "承诺办结期限"), ("legal_due", "法定办结期限")):
        due = getattr(case, attr)
        if due is None or (attr == "acceptance_due" and case.accepted_at is not None):
            continue
        when, _, _ = _shifted(due, None, paused, data)
        if when != due:
            changes.append(f"{label} {_local(due)} → {_local(when)}")
            setattr(case, attr, when)
    return changes
