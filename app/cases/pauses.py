"""Special procedures (特别程序: hearing, inspection, expert review…): the clock pauses.

Only a case under review can enter one. While it runs, the case's working-day timers are
suspended (the engine's waiting timers are parked out of reach, so no step fires them; new
ones are parked as they appear) and no deadline warns. Timers on fixed dates (a licence's
expiry) keep running: a hearing does not extend a licence. When it ends, every working-day
deadline moves by the working days it lasted (for one that appeared meanwhile, since it
appeared): timers, open tasks' due dates, the decision and legal limits. The history records
both ends with the reason.
"""
from datetime import date, datetime

from sqlalchemy.orm import Session

from app import clock
from app.auth import roles as R
from app.auth.principal import Principal
from app.calendar.days import WorkingCalendar, working_days_between
from app.cases import cycle, reschedule
from app.cases.cycle import CaseRuntime
from app.cases.models import UNDER_REVIEW, Case
from app.cases.tasks import OPEN
from app.catalog.models import SPECIAL_PROCEDURE_KINDS
from app.database import unit_of_work
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.timers.models import OUT_OF_REACH, PENDING, SUSPENDED

KINDS = SPECIAL_PROCEDURE_KINDS
DECIDING_ROLES = (R.BACK_OFFICE, R.CHIEF_REPRESENTATIVE)


def _authorize(session: Session, principal: Principal, case_id: int):
    case = session.get(Case, case_id)
    if case is None or not principal.can_view_hall(case.hall_id):
        raise NotFound(f"办件 {case_id} 不存在")
    if not may_decide(principal, case):
        raise PermissionDenied("只有本大厅的审批人员（后台或首席代表）可以启动或结束特别程序")


def may_decide(principal: Principal, case: Case) -> bool:
    """The back office and chief representatives of the case's hall (and administrators)."""
    return principal.may(case.hall_id, *DECIDING_ROLES)


def startable_kinds(case: Case) -> dict[str, str]:
    """The special procedures that may stop this case's clock (those its guide announces and
    does not count in the legal limit), labelled in Chinese; the guide's own name follows when
    it says it differently."""
    kinds = {}
    for listed in case.guide.special_procedures or []:
        kind, name = listed.get("kind"), (listed.get("name") or "").strip()
        if kind in KINDS and not listed.get("counted_in_legal_limit"):
            kinds[kind] = KINDS[kind] if not name or name == KINDS[kind] else f"{KINDS[kind]}（{name}）"
    return kinds


def _listed_in_guide(case: Case, kind: str) -> None:
    """Only the special procedures the case's guide announces may stop its clock (art. 5-6:
    the applicant was told the limits and what may extend them)."""
    listed = {p["kind"]: p for p in case.guide.special_procedures or []}
    if kind not in listed:
        names = "、".join(p["name"] for p in listed.values()) or "无"
        raise ValidationFailed(f"办事指南（第 {case.guide.version} 版）未列明特别程序“{KINDS[kind]}”",
                               {"kind": [f"本事项办事指南列明的特别程序：{names}"]})
    if listed[kind].get("counted_in_legal_limit"):
        raise ValidationFailed(f"“{listed[kind]['name']}”计入法定办结时限，不暂停计时",
                               {"kind": ["办事指南规定该特别程序计入办结时限"]})


def start(session: Session, principal: Principal, case_id: int, kind: str, reason: str, runtime: CaseRuntime):
    if kind not in KINDS:
        raise ValidationFailed(f"未知的特别程序 {kind}", {"kind": ["必须是以下之一：" + "、".join(KINDS)]})
    if not (reason or "").strip():
        raise ValidationFailed("请说明启动特别程序的理由", {"reason": ["必填项"]})
    with unit_of_work(session):
        _authorize(session, principal, case_id)
        with cycle.engine_step(session, case_id, principal.username, runtime) as step:
            case = step.case
            if case.special_procedure:
                raise Conflict(f"办件正在进行特别程序：{case.special_procedure['label']}")
            if case.status != UNDER_REVIEW:
                raise Conflict("只有审查中的办件可以启动特别程序")
            _listed_in_guide(case, kind)
            for job in [j for j in step.jobs().values() if j.state == PENDING and j.due_rule is not None]:
                step.instance.set_timer_due(job.engine_task_id, OUT_OF_REACH)
                job.state, job.locked_by, job.locked_until = SUSPENDED, None, None
            case.special_procedure = {"kind": kind, "label": KINDS[kind], "reason": reason.strip(),
                                      "started_at": clock.now().isoformat(), "started_by": principal.username}
            step.log.append("special_procedure_started", principal.username,
                            f"启动特别程序：{KINDS[kind]}（{reason.strip()}），期间不计入办理时限",
                            {"kind": kind, "reason": reason.strip()})
    return step.case


def end(session: Session, principal: Principal, case_id: int, note: str | None, runtime: CaseRuntime):
    with unit_of_work(session):
        _authorize(session, principal, case_id)
        with cycle.engine_step(session, case_id, principal.username, runtime) as step:
            case = step.case
            if not case.special_procedure:
                raise Conflict("办件当前没有进行中的特别程序")
            working = step.calendar
            began = datetime.fromisoformat(case.special_procedure["started_at"]).astimezone(clock.LOCAL_TZ).date()
            paused = max(0, working_days_between(began, clock.today(), working.data))
            changes = _move_deadlines(step, began, working)
            procedure = case.special_procedure
            case.special_procedure, case.paused_days = None, (case.paused_days or 0) + paused
            step.log.append("special_procedure_ended", principal.username,
                            f"特别程序结束：{procedure['label']}，不计时 {paused} 个工作日"
                            + (f"（{note.strip()}）" if note and note.strip() else "")
                            + ("；" + "；".join(changes) if changes else ""),
                            {"kind": procedure["kind"], "paused_working_days": paused, "note": note, "changes": changes})
    return step.case


def _paused_since(since: datetime, began: date, data) -> int:
    """Working days a deadline created at `since` waited: from the later of its creation and
    the procedure's start, until today."""
    start = max(began, since.astimezone(clock.LOCAL_TZ).date())
    return max(0, working_days_between(start, clock.today(), data))


def _move_deadlines(step, began: date, working: WorkingCalendar) -> list[str]:
    data = working.data
    case, changes = step.case, []
    for job in [j for j in step.jobs().values() if j.state == SUSPENDED]:
        rule = {**job.due_rule, "days": job.due_rule["days"] + _paused_since(job.created_at, began, data)}
        job.state, job.locked_by, job.locked_until = PENDING, None, None
        changes.append(reschedule.timer(step, job, rule, working))
    for task in [t for t in step.open_tasks.values() if t.state == OPEN and t.due_rule is not None]:
        rule = {**task.due_rule, "days": task.due_rule["days"] + _paused_since(task.created_at, began, data)}
        changes.append(reschedule.task(task, rule, working))
    paused = max(0, working_days_between(began, clock.today(), data))
    rules = dict(case.deadline_rules or {})
    for kind in ("decision", "legal"):
        if kind in rules:
            rules[kind] = {**rules[kind], "days": rules[kind]["days"] + paused}
    case.deadline_rules = rules
    return [c for c in changes if c] + reschedule.case_deadlines(case)
