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
from app.cases import receiving
from app.cases import service as cases
from app.cases.history import events
from app.cases.intake import check_materials
from app.cases.models import AWAITING_CORRECTION, STATUS_LABELS, Case
from app.cases.settings import CaseSettings
from app.cases.warnings import current_deadline
from app.catalog import service as catalog
from app.catalog.models import REQUIREMENTS
from app.database import unit_of_work
from app.errors import ValidationFailed
from app.files import materials as case_materials
from app.files.models import MATERIAL_SOURCES
from app.files.service import FileStore
from app.inbox.models import OPEN, Task
from app.processes import service as processes

ONLINE = "online"
# What a citizen is told of each step; internal notes (who clicked what) are not shown.
STEP_LABELS = {"front_desk": "窗口受理审查", "back_office": "审查决定", "pickup_window": "综合窗口出件"}
CITIZEN_EVENTS = {"case_submitted", "status_changed", "supplement_received", "special_procedure_started",
                  "special_procedure_ended"}


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


def actor_of(account: ApplicantAccount) -> str:
    return f"applicant:{account.phone}"


def _halls(item, guide) -> list:
    """The halls an online case may go to, the district centre first (the default)."""
    rank = {"district": 0, "street": 1}
    return sorted((h for h in item.halls if h.level in rank), key=lambda h: (rank[h.level], h.code))


def _start_fields(session: Session, guide) -> list[dict]:
    """The process's own application fields (its start form), for the page to render."""
    definition = processes.latest_version(session, guide.process_key)
    if definition is None or not definition.start_form_key:
        return []
    form = (definition.forms or {}).get(definition.start_form_key) or {}
    out = []
    for comp in form.get("components", []):
        if not comp.get("key"):
            continue
        out.append({"key": comp["key"], "label": comp.get("label") or comp["key"], "type": comp.get("type"),
                    "subtype": comp.get("subtype"), "description": comp.get("description"),
                    "required": bool((comp.get("validate") or {}).get("required")),
                    "options": comp.get("values") or []})
    return out


def application_form(session: Session, account: ApplicantAccount, item_code: str, acting_for: str | None) -> dict:
    guide = catalog.published_guide(session, item_code)
    applicant = identity.acting_as(account, acting_for)
    earlier = case_materials.on_file(session, applicant.id, guide)
    return {
        "fields": _start_fields(session, guide),
        "item_code": guide.item.code, "name": guide.name, "guide_version": guide.version,
        "applicant": {"name": applicant.name, "id_type": applicant.id_type, "id_number": applicant.id_number,
                      "phone": account.phone},
        "acting_options": [{"name": a.name, "id_type": a.id_type, "id_number": a.id_number}
                           for a in identity.identities(account)],
        "halls": [{"code": h.code, "name": h.name} for h in _halls(guide.item, guide)],
        "citywide": guide.item.citywide,
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


def submit(session: Session, account: ApplicantAccount, application: Application, store: FileStore,
           settings: CaseSettings) -> Case:
    with unit_of_work(session):
        guide = catalog.published_guide(session, application.item_code)
        item = guide.item
        applicant = identity.acting_as(account, application.acting_for)
        halls = _halls(item, guide)
        wanted = application.hall or (halls[0].code if halls else None)
        hall = next((h for h in halls if h.code == wanted), None)
        if hall is None:
            offered = "、".join(h.code for h in halls)
            raise ValidationFailed("请选择办理大厅", {"hall": [f"必须是办理该事项的大厅之一：{offered}"]})
        earlier = case_materials.on_file(session, applicant.id, guide)
        unknown = sorted((set(application.uploads) | set(application.on_file)) - set(guide.material_codes()))
        if unknown:
            raise ValidationFailed("材料不属于该事项", {f"files.{c}": ["不属于该事项的材料"] for c in unknown})
        missing = [m for m in guide.materials if m.asked_of_applicant and m.requirement == "required"
                   and not m.tolerable and m.code not in application.uploads
                   and not (m.code in application.on_file and m.code in earlier)]
        if missing:
            raise ValidationFailed("缺少必要材料：" + "、".join(m.name for m in missing),
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
        return receiving.open_case(session, receiving.Opening(hall=hall, proxy_hall=None, item=item, guide=guide),
                                   details=details, channel=ONLINE, materials=provided, data=application.data,
                                   settings=settings, actor=by, created_by_id=None, attach=attach)


def own_case(session: Session, account: ApplicantAccount, case_id: int) -> Case:
    case = session.get(Case, case_id)
    identity.require_own(account, {a.id for a in identity.identities(account)}, case)
    return case


def my_cases(session: Session, account: ApplicantAccount) -> list[Case]:
    ids = [a.id for a in identity.identities(account)]
    if not ids:
        return []
    return list(session.scalars(select(Case).where(Case.applicant_id.in_(ids))
                                .order_by(Case.created_at.desc(), Case.id.desc())))


def notice(session: Session, case: Case) -> dict | None:
    """The correction or tolerance notice the applicant must answer, if any."""
    if not case.outstanding_materials or case.closed or case.supplement_due_at is None:
        return None
    by_code = {m.code: m for m in case.guide.materials}
    today = clock.today()
    due_day = case.supplement_due_at.astimezone(clock.LOCAL_TZ).date()
    return {
        "kind": "correction" if case.status == AWAITING_CORRECTION else "tolerance",
        "title": "补齐补正通知" if case.status == AWAITING_CORRECTION else "容缺受理通知",
        "due_at": case.supplement_due_at.isoformat(),
        "working_days_left": max(0, working_days_between(today, due_day, calendar.current(session))),
        "materials": [{"code": c, "name": by_code[c].name if c in by_code else c,
                       "requirement": (by_code[c].notes if c in by_code else None)} for c in case.outstanding_materials],
    }


def current_step(session: Session, case: Case) -> str:
    if case.closed:
        return STATUS_LABELS.get(case.status, case.status)
    if case.special_procedure:
        return f"特别程序：{case.special_procedure['label']}（不计入办理时限）"
    roles = [r for r in session.scalars(select(Task.role).where(Task.case_id == case.id, Task.state == OPEN))]
    steps = [STEP_LABELS[r] for r in roles if r in STEP_LABELS]
    return "、".join(dict.fromkeys(steps)) or STATUS_LABELS.get(case.status, case.status)


def citizen_history(session: Session, case: Case) -> list[dict]:
    out = []
    for event in events(session, case.id):
        if event.kind not in CITIZEN_EVENTS:
            continue
        message = event.message
        if event.kind == "case_submitted":
            message = f"提交申请：{case.item.name}（{receiving.CHANNELS.get(case.channel, case.channel)}）"
        out.append({"at": event.at.isoformat(), "kind": event.kind, "message": message})
    return out


def present(session: Session, case: Case, detail: bool = False) -> dict:
    deadline = current_deadline(case, calendar.current(session))
    if deadline:
        deadline = {**deadline, "due_at": deadline["due_at"].isoformat()}
    out = {
        "id": case.id, "case_no": case.case_no, "item": {"code": case.item.code, "name": case.item.name},
        "guide_version": case.guide.version, "hall": {"code": case.hall.code, "name": case.hall.name},
        "channel": case.channel, "applicant": {"name": case.applicant["name"], "id_number": case.applicant["id_number"]},
        "status": case.status, "status_label": STATUS_LABELS.get(case.status, case.status),
        "status_reason": case.status_reason, "current_step": current_step(session, case),
        "deadline": deadline, "notice": notice(session, case),
        "created_at": case.created_at.isoformat(), "closed_at": case.closed_at.isoformat() if case.closed_at else None,
    }
    if detail:
        out["materials"] = [{"id": m.id, "code": m.material_code, "name": m.material_name, "source": m.source,
                             "source_label": MATERIAL_SOURCES[m.source], "file_name": m.file_name,
                             "uploaded_at": m.uploaded_at.isoformat()}
                            for m in case_materials.of_case(session, case.id)]
        out["history"] = citizen_history(session, case)
    return out


def supplement(session: Session, account: ApplicantAccount, case_id: int, uploads: dict[str, Upload],
               note: str | None, store: FileStore) -> Case:
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

        return cases.supplement_step(session, case.id, by, list(uploads), note, attach=attach)


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
