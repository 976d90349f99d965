"""Applying online (art. 13): the form a published guide generates, submission into the same
flow as a window case, online supplements, and "my cases" as a citizen reads them."""
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.applicants import identity
from app.applicants.models import ApplicantAccount
from app.calendar import service as calendar
from app.calendar.days import working_days_between
from app.cases import delivery_choice, receiving, walk_in
from app.cases import materials as case_materials
from app.cases import service as cases
from app.cases.cycle import CaseRuntime
from app.cases.history import events
from app.cases.intake import check_materials, handling_halls
from app.cases.models import AWAITING_CORRECTION, STATUS_LABELS, Case, CaseEvent
from app.cases.tasks import OPEN, Task
from app.cases.warnings import current_deadline
from app.catalog import service as catalog
from app.catalog.models import MATERIAL_TYPES, REQUIREMENTS, SPECIAL_PROCEDURE_KINDS
from app.database import unit_of_work
from app.documents import delivery
from app.documents import service as documents
from app.errors import NotFound, ValidationFailed
from app.evaluation.models import Evaluation
from app.files.service import FileStore
from app.settings import WarningThresholds

ONLINE = "online"
# What a citizen is told of each step; internal notes (who clicked what) are not shown.
STEP_LABELS = {"front_desk": "窗口受理审查", "back_office": "审查决定", "pickup_window": "综合窗口出件"}
NOTE_MAX = 500


@dataclass
class Upload:
    filename: str | None
    content: bytes


@dataclass
class Application:
    item_code: str
    hall: str | None = None
    acting_for: str | None = None  # an id number; default: the account's person
    data: dict = field(default_factory=dict)
    on_file: list[str] = field(default_factory=list)  # material codes confirmed as on file
    uploads: dict[str, Upload] = field(default_factory=dict)  # material code -> file
    delivery: dict | None = None  # method, address (delivery_choice.check)
    duplicate_confirmed: bool = False  # the applicant saw their running case of this item and goes on


def actor_of(account: ApplicantAccount) -> str:
    return f"applicant:{account.phone}"


def _running(session: Session, account: ApplicantAccount, applicant, item_id: int) -> tuple[list[Case], int]:
    """(the applicant's own running cases of this item, how many more run under another phone):
    only this account's cases are named (a window case given another number stays with the window)."""
    running = walk_in.open_duplicates(session, applicant.id, item_id)
    ids = {a.id for a in identity.identities(account)}
    mine = [c for c in running if _mine(account, c, ids)]
    return mine, len(running) - len(mine)


def application_form(session: Session, account: ApplicantAccount, item_code: str, acting_for: str | None) -> dict:
    guide = catalog.published_guide(session, item_code)
    applicant = identity.acting_as(account, acting_for)
    earlier = case_materials.on_file(session, applicant.id, guide)
    mine, elsewhere = _running(session, account, applicant, guide.item.id)
    return {
        "duplicates": [{"id": c.id, "case_no": c.case_no, "status_label": STATUS_LABELS.get(c.status, c.status),
                        "created_at": c.created_at.isoformat()} for c in mine],
        "duplicates_elsewhere": elsewhere,
        "fields": receiving.start_fields(session, guide),
        "item_code": guide.item.code, "name": guide.name, "guide_version": guide.version,
        "applicant": {"name": applicant.name, "id_type": applicant.id_type, "id_number": applicant.id_number,
                      "phone": account.phone},
        "acting_options": [{"name": a.name, "id_type": a.id_type, "id_number": a.id_number}
                           for a in identity.identities(account)],
        "halls": [{"code": h.code, "name": h.name} for h in handling_halls(session, guide.item)],
        "citywide": guide.item.citywide,
        "delivery_methods": delivery_choice.METHODS, "local": delivery_choice.LOCAL,
        "materials": [{
            "code": m.code, "name": m.name, "requirement": m.requirement,
            "requirement_label": REQUIREMENTS.get(m.requirement), "condition": m.condition,
            "tolerable": m.tolerable, "category": m.category, "notes": m.notes,
            "shared": not m.asked_of_applicant,
            "on_file": ({"case_no": earlier[m.code].case_id and _case_no(session, earlier[m.code].case_id),
                         "file_name": earlier[m.code].file_name,
                         "provided_at": earlier[m.code].uploaded_at.isoformat()} if m.code in earlier else None),
        } for m in guide.materials],
    }


def _case_no(session: Session, case_id: int) -> str | None:
    return session.scalar(select(Case.case_no).where(Case.id == case_id))


def _check_choices(guide, application: Application, earlier: dict) -> None:
    errors: dict[str, list[str]] = {}
    codes = set(guide.material_codes())
    by_code = {m.code: m for m in guide.materials}
    for code in application.uploads:
        if code not in codes:
            errors[f"files.{code}"] = ["不属于该事项的材料"]
        elif not by_code[code].asked_of_applicant:
            errors[f"files.{code}"] = [f"“{by_code[code].name}”由部门共享获取，无需上传"]
    for code in application.on_file:
        if code not in codes:
            errors.setdefault("on_file", []).append(f"{code} 不属于该事项的材料")
        elif code not in earlier and code not in application.uploads:
            errors.setdefault("on_file", []).append(f"“{by_code[code].name}”没有可复用的已提交材料，请上传")
    if errors:
        raise ValidationFailed("材料有误：" + "；".join(v[0] for v in errors.values()), errors)


def submit(session: Session, account: ApplicantAccount, application: Application, runtime: CaseRuntime) -> Case:
    store = runtime.settings.store
    with unit_of_work(session):
        guide = catalog.published_guide(session, application.item_code)
        item = guide.item
        applicant = identity.acting_as(account, application.acting_for)
        halls = handling_halls(session, item)
        wanted = application.hall or (halls[0].code if halls else None)
        hall = next((h for h in halls if h.code == wanted), None)
        if hall is None:
            offered = "、".join(h.code for h in halls)
            raise ValidationFailed("请选择办理大厅", {"hall": [f"必须是办理该事项的大厅之一：{offered}"]})
        if not application.duplicate_confirmed and any(running := _running(session, account, applicant, item.id)):
            listed = walk_in.duplicate_text(*running, elsewhere_words="另有 {n} 件在窗口办理")
            raise walk_in.DuplicateApplication(
                f"您已有同一事项的在办件：{listed}。如确需再次申请，请勾选“确认不是重复申请”后提交",
                {"confirm_duplicate": [f"已有在办件：{listed}"]})
        earlier = case_materials.on_file(session, applicant.id, guide)
        _check_choices(guide, application, earlier)
        missing = [m for m in guide.materials if m.asked_of_applicant and m.requirement == "required"
                   and not m.tolerable and m.code not in application.uploads
                   and not (m.code in application.on_file and m.code in earlier)]
        if missing:
            raise ValidationFailed("缺少必要材料：" + "、".join(m.name or m.code for m in missing),
                                   {f"files.{m.code}": [f"请上传“{m.name}”"] for m in missing})
        provided = [m.code for m in guide.materials if m.code in application.uploads
                    or (m.code in application.on_file and m.code in earlier)]
        by = actor_of(account)

        def attach(case: Case) -> None:
            for m in guide.materials:
                if not m.asked_of_applicant:
                    case_materials.attach_shared(session, case, m.code, by)
                elif m.code in application.uploads:
                    upload = application.uploads[m.code]
                    case_materials.attach_upload(session, store, case, m.code, upload.content, upload.filename, by)
                elif m.code in provided:
                    case_materials.attach_on_file(session, case, m.code, earlier[m.code], by)

        details = {"id_type": applicant.id_type, "id_number": applicant.id_number, "name": applicant.name,
                   "phone": account.phone, "email": applicant.email}
        chosen = delivery_choice.check(application.delivery, details)
        return receiving.open_case(session, receiving.Opening(hall=hall, proxy_hall=None, item=item, guide=guide),
                                   details=details, channel=ONLINE, materials=provided, data=application.data,
                                   runtime=runtime, actor=by, created_by_id=None, attach=attach, delivery=chosen)


def _mine(account: ApplicantAccount, case: Case | None, ids: set[int]) -> bool:
    # The applicant's own cases made with this phone: a window case given another number
    # stays with the window (defence in depth behind the identity rules).
    return case is not None and case.applicant_id in ids and (case.applicant or {}).get("phone") == account.phone


def own_case(session: Session, account: ApplicantAccount, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None or not _mine(account, case, {a.id for a in identity.identities(account)}):
        raise NotFound("办件不存在")
    return case


def my_cases(session: Session, account: ApplicantAccount, page: int = 1, per_page: int = 50) -> list[Case]:
    ids = {a.id for a in identity.identities(account)}
    if not ids:
        return []
    rows = session.scalars(select(Case).where(Case.applicant_id.in_(ids))
                           .order_by(Case.created_at.desc(), Case.id.desc()))
    mine = [c for c in rows if _mine(account, c, ids)]
    return mine[(page - 1) * per_page: page * per_page]


def notice(session: Session, case: Case) -> dict | None:
    """The correction or tolerance notice the applicant must answer, if any."""
    if not case.outstanding_materials or case.closed or case.supplement_due_at is None:
        return None
    by_code = {m.code: m for m in case.guide.materials}
    reason, notes = documents.notice_said(session, case.id)
    today = clock.today()
    due_day = case.supplement_due_at.astimezone(clock.LOCAL_TZ).date()
    return {
        "kind": "correction" if case.status == AWAITING_CORRECTION else "tolerance",
        "title": "补齐补正通知" if case.status == AWAITING_CORRECTION else "容缺受理通知",
        "due_at": case.supplement_due_at.isoformat(),
        "working_days_left": max(0, working_days_between(today, due_day, calendar.current(session))),
        "materials": [_asked(by_code.get(c), c, notes.get(c)) for c in case.outstanding_materials],
        "reason": reason,
    }


def _asked(material, code: str, note: str | None) -> dict:
    """A material asked for, with what the clerk found wrong with it (note)."""
    if material is None:
        return {"code": code, "name": code, "requirement": None, "note": note}
    parts = [f"{MATERIAL_TYPES.get(material.material_type, '')}{material.copies} 份", material.condition, material.notes]
    return {"code": code, "name": material.name, "requirement": "；".join(p for p in parts if p), "note": note}


def current_step(session: Session, case: Case) -> str:
    if case.closed:
        return STATUS_LABELS.get(case.status, case.status)
    if case.special_procedure:
        return f"特别程序：{case.special_procedure['label']}（不计入办理时限）"
    roles = [r for r in session.scalars(select(Task.role).where(Task.case_id == case.id, Task.state == OPEN))]
    steps = [STEP_LABELS[r] for r in roles if r in STEP_LABELS]
    return "、".join(dict.fromkeys(steps)) or STATUS_LABELS.get(case.status, case.status)


def _citizen_message(case: Case, event: CaseEvent) -> str | None:
    """What the applicant is told of an event, written from its structured data: staff's
    free-text notes and names never reach the applicant."""
    data = event.data or {}
    if event.kind == "case_submitted":
        return f"提交申请：{case.item.name}（{receiving.CHANNELS.get(case.channel, case.channel)}）"
    if event.kind == "status_changed":
        to = data.get("to")
        label = STATUS_LABELS.get(to, to) if isinstance(to, str) else to
        return f"办件状态：{label}"
    if event.kind == "supplement_received":
        names = case.guide.material_names()
        return "收到补正材料：" + "、".join(names.get(c, c) for c in data.get("materials", []))
    if event.kind == "special_procedure_started":
        kind = data.get("kind")
        named = SPECIAL_PROCEDURE_KINDS.get(kind, "特别程序") if isinstance(kind, str) else "特别程序"
        return f"进入特别程序：{named}（期间不计入办理时限）"
    if event.kind == "special_procedure_ended":
        return f"特别程序结束，不计时 {data.get('paused_working_days', 0)} 个工作日"
    return None


def citizen_history(session: Session, case: Case) -> list[dict]:
    out = []
    for event in events(session, case.id):
        message = _citizen_message(case, event)
        if message:
            out.append({"at": event.at.isoformat(), "kind": event.kind, "message": message})
    return out


def present(session: Session, case: Case, thresholds: WarningThresholds, detail: bool = False) -> dict:
    deadline = current_deadline(case, calendar.current(session), thresholds)
    if deadline:  # the staff's warning colour is theirs; the applicant gets the date and days left
        deadline = {"kind": deadline["kind"], "due_at": deadline["due_at"].isoformat(),
                    "working_days_left": deadline["working_days_left"]}
    out = {
        "id": case.id, "case_no": case.case_no, "item": {"code": case.item.code, "name": case.item.name},
        "guide_version": case.guide.version, "hall": {"code": case.hall.code, "name": case.hall.name},
        "channel": case.channel, "applicant": {"name": case.applicant["name"], "id_number": case.applicant["id_number"]},
        "status": case.status, "status_label": STATUS_LABELS.get(case.status, case.status),
        "status_reason": case.status_reason, "current_step": current_step(session, case),
        "deadline": deadline, "notice": notice(session, case),
        "created_at": case.created_at.isoformat(), "closed_at": case.closed_at.isoformat() if case.closed_at else None,
    }
    out["delivery"] = _delivery(case)
    if detail:
        out["materials"] = [case_materials.describe(m) for m in case_materials.of_case(session, case.id)]
        out["history"] = citizen_history(session, case)
        out["rated"] = session.scalar(select(Evaluation.id).where(Evaluation.case_id == case.id,
                                                                  Evaluation.visit == "")) is not None
        out["documents"] = [{"id": d.id, "document_no": d.document_no, "title": d.title,
                             "signed_at": d.signed_at.isoformat() if d.signed_at else None,
                             "ready": documents.state_of(d) == documents.READY}
                            for d in documents.of_case(session, case.id)]
    return out


def _delivery(case: Case) -> dict:
    """How the result reaches the applicant: the pickup code while the result waits (also when
    mail was chosen: an applicant who comes to the window after all needs it), the carrier and
    tracking number, the download link."""
    suspended = delivery.pickup_suspended(case)  # the old code no longer works at the window
    method = case.delivery_method or case.delivery_choice
    return {
        "pickup_code": case.pickup_code if case.status == "awaiting_delivery" and not suspended else None,
        "pickup_suspended": suspended,
        "method": case.delivery_method, "tracking_no": case.tracking_no,
        "carrier_label": delivery_choice.CARRIERS.get(case.carrier or "", "快递"),
        "choice_label": delivery_choice.describe(method, case.mail_address if method == "mail" else None),
        "e_delivery_url": f"/deliver/{case.e_delivery_token}" if case.e_delivery_token else None,
    }


def supplement(session: Session, account: ApplicantAccount, case_id: int, uploads: dict[str, Upload],
               note: str | None, runtime: CaseRuntime) -> Case:
    store = runtime.settings.store
    if note and len(note) > NOTE_MAX:
        raise ValidationFailed("说明过长", {"note": [f"不超过 {NOTE_MAX} 个字符"]})
    """Answer a correction or tolerance notice online: the files, then the same message the
    front desk sends when materials are brought to the window."""
    with unit_of_work(session):
        case = own_case(session, account, case_id)
        if not uploads:
            raise ValidationFailed("请上传补正材料", {"files": ["至少上传一项材料"]})
        check_materials(case.guide, list(uploads), "files")
        by = actor_of(account)

        def attach(locked: Case, codes: list[str]) -> None:
            for code in codes:
                upload = uploads[code]
                case_materials.attach_upload(session, store, locked, code, upload.content, upload.filename, by)

        return cases.supplement_step(session, case.id, by, list(uploads), note, runtime, attach=attach)


def download(session: Session, account: ApplicantAccount, case_id: int, material_id: int, store: FileStore):
    case = own_case(session, account, case_id)
    with unit_of_work(session):
        row, content = case_materials.download(session, store, case, material_id, actor_of(account), "申请人")
    return row, content


def profile_of(account: ApplicantAccount) -> dict:
    person = account.person
    return {"phone": account.phone,
            "person": {"name": person.name, "id_number": person.id_number} if person else None,
            "companies": [{"name": c.name, "uscc": c.id_number} for c in account.companies]}
