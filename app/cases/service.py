"""Cases: start one, act on its tasks, deliver supplements, read them back.

Each public function is one unit of work ending in one commit; a failure anywhere rolls
the whole step back (see cycle.py).
"""
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from app import clock, engine
from app.applicants import service as applicants
from app.applicants.models import Applicant
from app.auth import roles as R
from app.auth.models import Hall
from app.auth.principal import Principal
from app.cases import cycle, intake, taskforms
from app.cases.history import EventLog
from app.cases.models import CLOSED_STATUSES, SUBMITTED, Case
from app.cases.settings import CaseSettings
from app.catalog.models import ServiceItem
from app.database import unit_of_work
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.inbox import service as inbox
from app.inbox.models import COMPLETED, OPEN, Task
from app.processes import service as processes
from app.taskforms.schema import describe, validate_submission

CHANNELS = {"online": "网上申请", "window": "窗口申请"}
SUPPLEMENT_MESSAGE = "supplement"


def _case_no(case: Case) -> str:
    return f"OW{case.created_at.astimezone(clock.LOCAL_TZ):%Y%m%d}{case.id:06d}"


def _application_data(definition, data) -> dict:
    """The application's own fields (e.g. a licence's expiry date for a renewal), checked
    against the process's start form; field errors come back as data.<field>."""
    if not definition.start_form_key:
        if data:
            raise ValidationFailed("该事项无需填写其他申请信息", {"data": ["该事项的流程没有申请表，不接受 data"]})
        return {}
    _, spec = taskforms.form_of(definition, definition.start_form_key)
    try:
        return validate_submission(spec, data, {})
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, {f"data.{k}": v for k, v in exc.errors.items()}) from None


def start_case(session: Session, principal: Principal, payload: dict, settings: CaseSettings) -> Case:
    """Receive an application (收件) and start its process."""
    with unit_of_work(session):
        hall, proxy_hall, item, guide = intake.receiving(session, principal, payload["hall"], payload["item_code"])
        materials = intake.check_materials(guide, payload.get("materials", []), "materials")
        details = applicants.validate_applicant(payload.get("applicant") or {})
        definition = processes.latest_version(session, guide.process_key)
        if definition is None:
            raise ValidationFailed(f"事项“{item.name}”的流程 {guide.process_key} 尚未部署",
                                   {"item_code": [f"流程 {guide.process_key} 尚未部署"]})
        application_data = _application_data(definition, payload.get("data") or {})
        applicant = applicants.find_or_create(session, details)
        now = clock.now()
        case = Case(item_id=item.id, guide_version_id=guide.id, hall_id=hall.id, applicant_id=applicant.id,
                    applicant=details, proxy_hall_id=proxy_hall.id if proxy_hall else None,
                    proxy_by_id=principal.user_id if proxy_hall else None,
                    channel=payload["channel"], materials=materials, definition_id=definition.id,
                    status=SUBMITTED, outstanding_materials=[], tolerated=False, correction_round=0,
                    application_data=application_data,
                    state="", revision=0, created_by_id=principal.user_id, created_at=now, updated_at=now)
        session.add(case)
        session.flush()
        case.case_no = _case_no(case)
        log = EventLog(session, case)
        proxy = f"，由{proxy_hall.name}代办" if proxy_hall else ""
        log.append("case_submitted", principal.username,
                   f"收件：{item.name}（{CHANNELS.get(case.channel, case.channel)}{proxy}），申请人 {details['name']}，"
                   f"依据办事指南第 {guide.version} 版",
                   {"channel": case.channel, "materials": materials, "guide_version": guide.version,
                    "proxy_hall": proxy_hall.code if proxy_hall else None,
                    "process": {"key": definition.key, "version": definition.version}})
        with cycle.first_step(session, case, definition, {
            "case_id": case.id, "case_no": case.case_no, "item_code": item.code,
            "channel": case.channel, "hall": hall.code, "submitted_materials": materials,
            "case_status": SUBMITTED, "correction_round": 0,
            "max_correction_rounds": settings.max_correction_rounds,
            "correction_limit_days": settings.correction_limit_days,
            "tolerance_limit_days": settings.tolerance_limit_days,
            "legal_limit_days": guide.legal_limit_days,
            "promised_limit_days": guide.promised_limit_days,
            **application_data,
        }, principal.username, log):
            pass
    return case


def _tolerance_guard(case: Case, cleaned: dict) -> None:
    # Art. 13(3): a case accepted under tolerance may be approved only once the listed
    # materials have arrived.
    if cleaned.get("decision") == "approve" and case.tolerated and case.outstanding_materials:
        names = case.guide.material_names()
        missing = "、".join(names.get(c, c) for c in case.outstanding_materials)
        raise Conflict(f"容缺受理的材料尚未补齐（{missing}），补齐前不能作出准予决定",
                       {"decision": [f"容缺材料尚未补齐：{missing}"]},
                       outstanding_materials=list(case.outstanding_materials))


def complete_task(session: Session, principal: Principal, task_id: str, data,
                  expected_revision: int | None = None) -> Case:
    with unit_of_work(session):
        task = session.get(Task, task_id)
        if task is None:
            raise NotFound(f"任务 {task_id} 不存在")
        inbox.require_worker(principal, task)
        with cycle.engine_step(session, task.case_id, principal.username, expected_revision) as step:
            _complete(session, principal, step, task, data)
    return step.case


def _complete(session: Session, principal: Principal, step, task: Task, data) -> None:
    session.refresh(task)  # re-read under the case lock
    if task.state != OPEN:
        who = task.completed_by.display_name if task.completed_by else "系统"
        raise Conflict(f"任务“{task.title}”已由 {who} 办结，不能重复提交", task_state=task.state)
    if task.assignee_id not in (None, principal.user_id):
        raise Conflict(f"任务“{task.title}”已由 {task.assignee.display_name} 认领，请先由其释放或转办")
    case = step.case
    _, spec = taskforms.form_of(case.definition, task.form_key)
    intake.check_requested(case.guide, data)
    context = taskforms.context_of(step.instance, task, case.guide)
    cleaned = validate_submission(spec, data, context)
    _tolerance_guard(case, cleaned)
    step.instance.complete_user_task(task.id, cleaned)
    now = clock.now()
    task.state, task.completed_at, task.completed_by_id = COMPLETED, now, principal.user_id
    task.assignee_id, task.data = principal.user_id, cleaned
    step.log.append("task_completed", principal.username,
                    f"{principal.display_name} 办理“{task.title}”：{describe(spec, cleaned, context) or '已提交'}",
                    {"task_id": task.id, "element_id": task.spec_id, "data": cleaned})


def deliver_supplement(session: Session, principal: Principal, case_id: int, materials, note: str | None,
                       expected_revision: int | None = None) -> Case:
    """Record materials the applicant supplied (补正) and hand them to the waiting flow."""
    with unit_of_work(session):
        case = session.get(Case, case_id)
        if case is None or not (principal.is_admin or case.hall_id in principal.staff_halls()):
            raise NotFound(f"办件 {case_id} 不存在")
        if not (principal.is_admin or case.hall_id in principal.halls_for(*R.INTAKE_ROLES)):
            raise PermissionDenied("只有本大厅的受理人员可以登记补正材料")
        with cycle.engine_step(session, case_id, principal.username, expected_revision) as step:
            case = step.case
            if case.closed:
                raise Conflict("办件已结束，不能再补正")
            # the step has just fired a passed deadline; say so rather than "nothing awaited"
            if case.supplement_due_at and case.supplement_due_at <= clock.now():
                due = case.supplement_due_at.astimezone(clock.LOCAL_TZ)
                raise Conflict(f"补正期限已于 {due:%Y-%m-%d %H:%M} 届满，不能再接收补正材料；系统将按逾期处理")
            if SUPPLEMENT_MESSAGE not in step.instance.snapshot_waiting_messages():
                raise Conflict("本办件当前没有待补正的材料")
            materials = intake.check_materials(case.guide, materials, "materials")
            if not materials:
                raise ValidationFailed("请列出补交的材料", {"materials": ["至少补交一项材料"]})
            still_missing = [c for c in case.outstanding_materials if c not in materials]
            if case.tolerated and still_missing:
                names = case.guide.material_names()
                listed = "、".join(names.get(c, c) for c in still_missing)
                raise ValidationFailed(f"容缺材料须一次补齐，仍缺：{listed}", {"materials": [f"仍缺少：{listed}"]})
            case.materials = sorted(set(case.materials) | set(materials))
            step.log.append("supplement_received", principal.username,
                            f"收到补正材料：{'、'.join(materials)}" + (f"（{note}）" if note else ""),
                            {"materials": materials, "note": note})
            step.instance.deliver_message(SUPPLEMENT_MESSAGE, {"supplied_materials": materials,
                                                               "supplement_note": note or ""})
    return step.case


# --- reading -----------------------------------------------------------------------------

def _can_view(principal: Principal, case: Case) -> bool:
    # The community station that submitted a case by proxy follows it too (art. 20).
    return principal.can_view_hall(case.hall_id) or (
        case.proxy_hall_id is not None and principal.can_view_hall(case.proxy_hall_id))


def visible_case(session: Session, principal: Principal, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None or not _can_view(principal, case):
        raise NotFound(f"办件 {case_id} 不存在")
    return case


def open_tasks(session: Session, case_id: int) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.case_id == case_id, Task.state == OPEN)
                                .order_by(Task.created_at)))


def task_form(task: Task) -> tuple[dict | None, dict]:
    """The task's form and the data the form viewer needs (the answer, once completed)."""
    if not task.form_key:
        return None, {}
    case = task.case
    form, spec = taskforms.form_of(case.definition, task.form_key)
    if task.state != OPEN:
        return form, task.data or {}
    instance = engine.ProcessInstance.load(processes.loaded(case.definition), case.state)
    return form, taskforms.initial_data(spec, taskforms.context_of(instance, task, case.guide))


def search_cases(session: Session, principal: Principal, *, status=None, item_code=None, hall=None,
                 case_no=None, id_number=None, open_only=False, page=1, per_page=20):
    stmt = select(Case)
    if not principal.is_admin:
        halls = principal.staff_halls()
        if not halls:
            raise PermissionDenied("您没有任何大厅的办件查看权限")
        stmt = stmt.where(or_(Case.hall_id.in_(halls), Case.proxy_hall_id.in_(halls)))
    if status:
        stmt = stmt.where(Case.status == status)
    if open_only:
        stmt = stmt.where(Case.status.notin_(CLOSED_STATUSES))
    if item_code:
        stmt = stmt.join(ServiceItem, Case.item_id == ServiceItem.id).where(ServiceItem.code == item_code)
    if hall:
        stmt = stmt.join(Hall, Case.hall_id == Hall.id).where(Hall.code == hall)
    if case_no:
        stmt = stmt.where(Case.case_no == case_no)
    if id_number:
        stmt = stmt.join(Applicant, Case.applicant_id == Applicant.id).where(Applicant.id_number == id_number)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.scalars(stmt.order_by(Case.created_at.desc(), Case.id.desc())
                           .options(selectinload(Case.definition), selectinload(Case.guide))
                           .limit(per_page).offset((page - 1) * per_page))
    return list(rows), total
