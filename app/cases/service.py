"""Cases: start one, act on its tasks, deliver supplements, read them back.

Each public function is one unit of work ending in one commit; a failure anywhere rolls
the whole step back (see cycle.py).
"""
import re
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, lazyload

from app import clock, engine, paging
from app.auth import roles as R
from app.auth.models import Hall
from app.auth.principal import Principal
from app.cases import cycle, delivery_choice, intake, materials, receiving, taskforms, walk_in
from app.cases.cycle import CaseRuntime, RefusedInStep
from app.cases.history import EventLog
from app.cases.materials import attach_upload
from app.cases.models import CLOSED_STATUSES, Case
from app.cases.tasks import COMPLETED, OPEN, Task
from app.catalog.models import ServiceItem
from app.database import unit_of_work
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.parties import service as parties
from app.parties.models import Applicant
from app.processes import service as processes
from app.taskforms.schema import SECRET_FIELDS, describe, validate_submission

CHANNELS = receiving.CHANNELS
CASE_NO_LIKE = re.compile(r"[A-Za-z]{2}[0-9A-Za-z-]*")  # what the start of a case number looks like
SUPPLEMENT_MESSAGE = "supplement"


def start_case(session: Session, principal: Principal, payload: dict, runtime: CaseRuntime) -> Case:
    """Receive an application at a window (收件) and start its process."""
    with unit_of_work(session, keep_loaded=True):  # the answer presents what the step wrote
        hall, proxy_hall, item, guide = intake.receiving(session, principal, payload["hall"], payload["item_code"])
        materials = intake.check_materials(guide, payload.get("materials", []), "materials")
        details = parties.validate_applicant(payload.get("applicant") or {})
        proxy = walk_in.check_proxy(payload.get("proxy"), station=proxy_hall is not None)
        delivery = delivery_choice.check(payload.get("delivery"), details)
        case = receiving.open_case(
            session, receiving.Opening(hall=hall, proxy_hall=proxy_hall, item=item, guide=guide),
            details=details, channel=payload["channel"], materials=materials, data=payload.get("data") or {},
            runtime=runtime, actor=principal.username, created_by_id=principal.user_id, proxy=proxy,
            delivery=delivery)
    return case


def require_worker(principal: Principal, task: Task) -> None:
    """403 unless the user's roles work this task's lane in its hall."""
    if not principal.can_work(task.role, task.hall_id):
        raise PermissionDenied(f"您在“{task.hall.name}”没有“{R.ROLE_LABELS.get(task.role, task.role)}”角色，不能办理此任务")


def _tolerance_guard(case: Case, cleaned: dict) -> None:
    # Art. 13(3): a case accepted under tolerance may be approved only once the listed
    # materials have arrived.
    if cleaned.get("decision") == "approve" and case.tolerated and case.outstanding_materials:
        names = case.guide.material_names()
        missing = "、".join(names.get(c, c) for c in case.outstanding_materials)
        raise Conflict(f"容缺受理的材料尚未补齐（{missing}），补齐前不能作出准予决定",
                       {"decision": [f"容缺材料尚未补齐：{missing}"]},
                       outstanding_materials=list(case.outstanding_materials))


def complete_task(session: Session, principal: Principal, task_id: str, data, runtime: CaseRuntime,
                  expected_revision: int | None = None) -> Case:
    try:
        with unit_of_work(session, keep_loaded=True):
            locked = cycle.lock_case_of_task(session, task_id)
            if locked is None:
                raise NotFound(f"任务 {task_id} 不存在")
            task = locked.open_tasks.get(task_id) or _closed_task(session, task_id)  # read under the case lock
            require_worker(principal, task)
            if task.state != OPEN:
                who = task.completed_by.display_name if task.completed_by else "系统"
                raise Conflict(f"任务“{task.title}”已由 {who} 办结，不能重复提交", task_state=task.state)
            with cycle.engine_step(session, locked, principal.username, runtime, expected_revision,
                                   actor_name=principal.display_name) as step:
                _complete(principal, step, step.open_tasks.get(task_id), data)
    except RefusedInStep as refused:
        # The step is rolled back whole; what the refusal must record is written after it, on its own.
        raise refused.settle(session, principal.username) from None
    return step.case


def _closed_task(session: Session, task_id: str) -> Task:
    task = session.get(Task, task_id, populate_existing=True)
    if task is None:
        raise NotFound(f"任务 {task_id} 不存在")
    return task


def _complete(principal: Principal, step, task: Task | None, data) -> None:
    if task is None or task.state != OPEN:  # a deadline that fired as the step began took it away
        raise Conflict("任务已因期限届满转入下一环节，请刷新后查看", task_state="cancelled")
    if task.assignee_id not in (None, principal.user_id):
        raise Conflict(f"任务“{task.title}”已由 {task.assignee.display_name} 认领，请先由其释放或转办")
    case = step.case
    _distinct_signer(step.session, principal, case, task)
    _, spec = taskforms.form_of(case.definition, task.form_key)
    data, notes = intake.split_material_notes(data)
    intake.check_requested(case.guide, data)
    context = taskforms.context_of(step.instance, task, case.guide)
    cleaned = validate_submission(spec, data, context)
    if notes is not None and (kept := intake.check_material_notes(case.guide, cleaned, notes)):
        cleaned[intake.NOTES_FIELD] = kept
    _tolerance_guard(case, cleaned)
    for hook in step.hooks.before_complete:  # e.g. the pickup code at the window (documents.delivery)
        hook(step, task, cleaned)
    step.instance.complete_user_task(task.id, cleaned)
    now = clock.now()
    task.state, task.completed_at, task.completed_by_id = COMPLETED, now, principal.user_id
    task.assignee_id, task.data = principal.user_id, cleaned
    step.answers[task.spec_id] = cleaned
    step.log.append("task_completed", principal.username,
                    f"{principal.display_name} 办理“{task.title}”：{describe(spec, cleaned, context) or '已提交'}"
                    f"{_notes_said(case, cleaned)}",
                    {"task_id": task.id, "element_id": task.spec_id,
                     "data": {k: ("******" if k in SECRET_FIELDS else v) for k, v in cleaned.items()}})


def _distinct_signer(session: Session, principal: Principal, case: Case, task: Task) -> None:
    """会签: a person who completed one task of the task's joint-sign group in this case does not
    complete another (each department's opinion comes from its own signer)."""
    metas = case.definition.user_tasks or {}
    group = (metas.get(task.spec_id) or {}).get("joint_sign")
    if not group:
        return
    siblings = {spec for spec, meta in metas.items() if meta.get("joint_sign") == group and spec != task.spec_id}
    signed = session.scalar(select(Task.title).where(Task.case_id == case.id, Task.spec_id.in_(siblings),
                                                     Task.state == COMPLETED, Task.completed_by_id == principal.user_id)
                            .limit(1)) if siblings else None
    if signed:
        raise Conflict(f"“{task.title}”与“{signed}”为会签，须由不同人员办理；您已办理“{signed}”，请由其他同事办理",
                       joint_sign=group)


def _notes_said(case: Case, cleaned: dict) -> str:
    notes = cleaned.get(intake.NOTES_FIELD) or {}
    names = case.guide.material_names()
    return "".join(f"；{names.get(code, code)}：{text}" for code, text in notes.items())


def receives_paper(principal: Principal, case: Case) -> bool:
    """Whether this clerk may take the materials a case is waiting for at the window."""
    return (not case.closed and bool(case.outstanding_materials)
            and principal.may(case.hall_id, *R.INTAKE_ROLES))


def deliver_supplement(session: Session, principal: Principal, case_id: int, materials, note: str | None,
                       runtime: CaseRuntime, expected_revision: int | None = None,
                       scans: dict | None = None) -> Case:
    """Record materials the applicant brought to the window (补正) and hand them to the flow;
    `scans` (material code -> object with filename and content) are stored with the case."""
    with unit_of_work(session, keep_loaded=True):
        locked = cycle.lock_case_for_step(session, case_id)
        if not principal.can_view_hall(locked.case.hall_id):
            raise NotFound(f"办件 {case_id} 不存在")
        if not principal.may(locked.case.hall_id, *R.INTAKE_ROLES):
            raise PermissionDenied("只有本大厅的受理人员可以登记补正材料")
        scans = scans or {}
        unticked = [code for code in scans if code not in (materials or [])]
        if unticked:
            names = locked.case.guide.material_names()
            listed = "、".join(names.get(c, c) for c in unticked)
            raise ValidationFailed(f"上传了{listed}的扫描件，请同时勾选该材料",
                                   {f"materials.{c}": ["上传扫描件的材料须同时勾选"] for c in unticked})
        store, by = runtime.settings.store, principal.username

        def attach(found: Case, codes: list[str]) -> None:
            for code in codes:
                if code in scans:
                    attach_upload(session, store, found, code, scans[code].content,
                                  scans[code].filename, by, field=f"materials.{code}")

        return supplement_step(session, locked, principal.username, materials, note, runtime, expected_revision,
                               attach=attach if scans else None, actor_name=principal.display_name)


def supplement_step(session: Session, case: Case | cycle.Locked | int, actor: str, materials, note: str | None,
                    runtime: CaseRuntime, expected_revision: int | None = None, attach=None,
                    actor_name: str | None = None) -> Case:
    """The supplement itself, inside the caller's unit of work: the same message whether it
    came to the window or online. `attach(case, codes)` stores uploaded files first."""
    with cycle.engine_step(session, case, actor, runtime, expected_revision, actor_name=actor_name) as step:
        found = step.case
        if found.closed:
            raise Conflict("办件已结束，不能再补正")
        # the step has just fired a passed deadline; say so rather than "nothing awaited"
        if found.supplement_due_at and found.supplement_due_at <= clock.now():
            due = found.supplement_due_at.astimezone(clock.LOCAL_TZ)
            raise Conflict(f"补正期限已于 {due:%Y-%m-%d %H:%M} 届满，不能再接收补正材料；系统将按逾期处理")
        if SUPPLEMENT_MESSAGE not in step.instance.snapshot_waiting_messages():
            raise Conflict("本办件当前没有待补正的材料")
        materials = intake.check_materials(found.guide, materials, "materials")
        if not materials:
            raise ValidationFailed("请列出补交的材料", {"materials": ["至少补交一项材料"]})
        still_missing = [c for c in found.outstanding_materials if c not in materials]
        if found.tolerated and still_missing:
            names = found.guide.material_names()
            listed = "、".join(names.get(c, c) for c in still_missing)
            raise ValidationFailed(f"容缺材料须一次补齐，仍缺：{listed}", {"materials": [f"仍缺少：{listed}"]})
        if attach is not None:
            attach(found, materials)
        found.materials = sorted(set(found.materials) | set(materials))
        names = found.guide.material_names()
        step.log.append("supplement_received", actor,
                        f"收到补正材料：{'、'.join(names.get(c, c) for c in materials)}" + (f"（{note}）" if note else ""),
                        {"materials": materials, "note": note})
        step.instance.deliver_message(SUPPLEMENT_MESSAGE, {"supplied_materials": materials,
                                                           "supplement_note": note or ""})
    return step.case


# --- reading -----------------------------------------------------------------------------

def can_view(principal: Principal, case: Case) -> bool:
    # The community station that submitted a case by proxy follows it too (art. 20).
    return principal.can_view_hall(case.hall_id) or (
        case.proxy_hall_id is not None and principal.can_view_hall(case.proxy_hall_id))


def visible_case(session: Session, principal: Principal, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None or not can_view(principal, case):
        raise NotFound(f"办件 {case_id} 不存在")
    return case


def current_open_tasks(session: Session, case: Case) -> list[Task]:
    """The case's open tasks, oldest first: those a step of this session just left (no query), or read."""
    left = cycle.open_tasks_after_step(session, case)
    return left if left is not None else open_tasks(session, case.id)


def open_tasks(session: Session, case_id: int) -> list[Task]:
    # its case, hall and assignee come from the identity map where the case's reading put them
    return list(session.scalars(select(Task).where(Task.case_id == case_id, Task.state == OPEN)
                                .options(lazyload("*")).order_by(Task.created_at)))


def tasks_of(session: Session, case_id: int) -> list[Task]:
    """Every task of the case, oldest first."""
    return list(session.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.created_at)))


def completed_steps(session: Session, case_id: int) -> list[str]:
    """The BPMN ids of the steps completed so far (green on the diagram)."""
    return sorted(set(session.scalars(select(Task.spec_id).where(Task.case_id == case_id, Task.state == COMPLETED))))


def task_form(task: Task) -> tuple[dict | None, dict]:
    """The task's form and the data the form viewer needs (the answer, once completed)."""
    if not task.form_key:
        return None, {}
    case = task.case
    form, spec = taskforms.form_of(case.definition, task.form_key)
    if task.state != OPEN:
        return form, task.data or {}
    instance = engine.ProcessInstance.load(processes.loaded(case.definition), case.state)
    data = taskforms.initial_data(spec, taskforms.context_of(instance, task, case.guide))
    if case.delivery_choice and "delivery_method" in spec.fields:  # what the applicant chose, preselected
        data["delivery_method"] = case.delivery_choice
    return form, data


def search_cases(session: Session, principal: Principal, *, status=None, item_code=None, hall=None,
                 case_no=None, id_number=None, open_only=False, page=1, per_page=20,
                 cursor: str | None = None, q: str | None = None, condition=None) -> paging.Page:
    """Cases of the user's halls, newest first; keyset pages with `cursor` (see paging). `q`
    finds a case by the start of its number, any part of the applicant's name or of the item's;
    `condition` is one more clause on Case (a deadline colour of `overdue`)."""
    stmt = select(Case)
    if condition is not None:
        stmt = stmt.where(condition)
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
    if q and q.strip():
        stmt = stmt.where(_matching(session, q.strip()))
    # hall, item, guide and process version come from the worker's cache, not a query per page
    stmt = stmt.options(lazyload(Case.item), lazyload(Case.hall), lazyload(Case.guide), lazyload(Case.definition))
    keys = [Case.created_at, Case.id]
    if cursor or page == 1:
        found = paging.keyset_page(session, stmt, keys, descending=True, cursor=cursor, per_page=per_page,
                                   kinds=[datetime, int])
    else:
        total, capped = paging.capped_count(session, stmt)
        rows = list(session.scalars(stmt.order_by(Case.created_at.desc(), Case.id.desc())
                                    .limit(per_page).offset((page - 1) * per_page)))
        found = paging.Page(rows, total, capped, None)
    attached: set[tuple] = set()
    for case in found.rows:
        key = (case.definition_id, case.guide_version_id, case.hall_id, case.proxy_hall_id)
        if key not in attached:
            attached.add(key)
            cycle.attach_reference(session, case)
    return found


def _matching(session: Session, q: str):
    """Number prefix (ix_case_case_no_prefix), any part of the applicant's name (a trigram index
    on PostgreSQL), or the item's name. The items are looked up first (a small table), so the
    planner sees plain conditions it can estimate and choose indexes for."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    clauses = [Case.applicant_name.ilike(f"%{escaped}%", escape="\\")]
    if CASE_NO_LIKE.fullmatch(q):
        clauses.append(Case.case_no.like(f"{escaped.upper()}%", escape="\\"))
    items = list(session.scalars(select(ServiceItem.id).where(ServiceItem.name.ilike(f"%{escaped}%", escape="\\"))))
    if items:
        clauses.append(Case.item_id.in_(items))
    return or_(*clauses)


def add_material_file(session: Session, principal: Principal, case_id: int, code: str, content: bytes,
                      name: str | None, store) -> Case:
    """A clerk scans a paper material of a window case into it (same checks as online)."""
    with unit_of_work(session):
        case = visible_case(session, principal, case_id)
        if not (principal.may(case.hall_id, *R.INTAKE_ROLES) or principal.may(case.proxy_hall_id, *R.INTAKE_ROLES)):
            raise PermissionDenied("只有受理人员可以上传办件材料")
        case = cycle.lock_case(session, case.id)  # read again under the lock: a step may have closed it
        if case.closed:
            raise Conflict("办件已结束，不能再上传材料")
        row = materials.attach_upload(session, store, case, code, content, name, principal.username, field="file")
        EventLog(session, case).append("material_uploaded", principal.username,
                                       f"{principal.display_name} 上传材料“{row.material_name}”（{row.file_name}）",
                                       {"material_code": code, "sha256": row.file.sha256 if row.file else None})
    return case


def can_open_files(principal: Principal, case: Case) -> bool:
    """Only the staff of the case's hall open its files (and the applicant, on their side)."""
    return principal.works_in(case.hall_id)


def download_material(session: Session, principal: Principal, case_id: int, material_id: int, store):
    with unit_of_work(session):
        case = session.get(Case, case_id)
        if case is None or not can_open_files(principal, case):
            raise NotFound("文件不存在")
        return materials.download(session, store, case, material_id, principal.username, principal.display_name)
