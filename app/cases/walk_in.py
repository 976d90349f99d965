"""收件登记: receiving a visitor at the window without an appointment (art. 13, 19–20).

The front desk (or a chief representative, or a community station's proxy clerk) picks one of
the hall's published items, identifies the applicant by ID card number or USCC (an applicant on
file fills in, and files they gave this hall before are offered again), ticks the paper handed
over and scans what it wants on file, and may record who files it for the applicant (代办).
An open case of the same applicant for the same item is shown first and must be confirmed.
Missing materials do not stop receiving: the acceptance step decides on correction or 容缺.
"""
import re
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.auth import halls as hall_access
from app.auth import roles as R
from app.auth.models import Hall
from app.auth.principal import Principal
from app.cases import delivery_choice, intake, receiving
from app.cases import materials as case_materials
from app.cases.cycle import CaseRuntime
from app.cases.models import CLOSED_STATUSES, STATUS_LABELS, Case, CaseMaterial
from app.catalog.models import PUBLISHED, REQUIREMENTS, GuideVersion, ServiceItem
from app.database import unit_of_work
from app.errors import PermissionDenied, ValidationFailed
from app.parties import service as parties
from app.parties.idnumbers import id_card_problem, normalise, uscc_problem
from app.parties.models import Applicant

WINDOW = "window"
_ID_CARD_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
PROXY_RELATIONS = receiving.PROXY_RELATIONS


@dataclass
class Scan:
    """A material's scan (or photo) taken at the window."""
    filename: str | None
    content: bytes


@dataclass
class WalkIn:
    hall: str
    item_code: str
    applicant: dict  # name, id_number, phone (id_type follows from the number)
    proxy: dict | None = None  # name, id_number, relation
    data: dict = field(default_factory=dict)  # the start form's fields
    handed_in: list[str] = field(default_factory=list)  # paper materials ticked as received
    scans: dict[str, Scan] = field(default_factory=dict)
    on_file: list[str] = field(default_factory=list)  # codes whose earlier file is reused
    duplicate_confirmed: bool = False
    delivery: dict | None = None  # method, address (delivery_choice.check)


def intake_halls(session: Session, principal: Principal) -> list[Hall]:
    """Where this clerk may receive: their front-desk and chief-representative halls, community
    stations included (those file for the hall above them)."""
    return hall_access.halls_of(session, principal, *R.INTAKE_ROLES, admin_everywhere=False)


def _handling(session: Session, hall: Hall) -> list[Hall]:
    """The hall itself, or for a community station the halls above it (it files by proxy)."""
    if hall.level != "community":
        return [hall]
    chain, above = [], session.get(Hall, hall.parent_id) if hall.parent_id else None
    while above is not None:
        chain.append(above)
        above = session.get(Hall, above.parent_id) if above.parent_id else None
    return chain


def offered_items(session: Session, hall: Hall) -> list[tuple[str, str]]:
    """(code, name) of the published items this hall receives, by code."""
    ids = {h.id for h in _handling(session, hall)}
    items = session.scalars(select(ServiceItem).join(GuideVersion, GuideVersion.item_id == ServiceItem.id)
                            .where(GuideVersion.status == PUBLISHED).order_by(ServiceItem.code))
    return [(i.code, i.name) for i in items if i.citywide or ids & {h.id for h in i.halls}]


ID_TYPES = {"id_card": "居民身份证", "uscc": "统一社会信用代码"}


def id_type_of(number: str, claimed: str | None = None) -> str | None:
    """id_card or uscc for a number whose check digit holds, else None. A number shaped like an
    ID card is taken as one unless the clerk said it is a USCC (some USCCs are all digits, and a
    mistyped ID card can pass the USCC check)."""
    if claimed == "uscc" or (claimed is None and not _ID_CARD_SHAPE.match(number)):
        return "uscc" if uscc_problem(number) is None else None
    return "id_card" if _ID_CARD_SHAPE.match(number) and id_card_problem(number) is None else None


def _claimed_type(number: str, claimed: str | None = None) -> str:
    """What the number claims to be, so a wrong check digit is reported for the right kind."""
    if claimed in ID_TYPES:
        return claimed
    return "id_card" if _ID_CARD_SHAPE.match(number) else "uscc"


def _check_number(number: str, claimed: str | None) -> str:
    kind = _claimed_type(number, claimed)
    if id_type_of(number, kind) is None:
        problem = id_card_problem(number) if kind == "id_card" else uscc_problem(number)
        raise ValidationFailed(f"申请人证件号码无效：{problem}", {"id_number": [f"不是有效的{ID_TYPES[kind]}：{problem}"]})
    return kind


def my_hall(session: Session, principal: Principal, hall_code: str) -> Hall:
    """One of the halls this clerk receives at (an administrator's rights elsewhere do not count)."""
    hall = next((h for h in intake_halls(session, principal) if h.code == hall_code), None)
    if hall is None:
        raise PermissionDenied("您不是该大厅的受理人员，不能在该大厅收件")
    return hall


def check_proxy(proxy: dict | None, station: bool, field_prefix: str = "proxy") -> dict | None:
    """The 代办 person, normalised, or None; errors name `proxy.<field>`. A community station's
    own proxy clerk (`station`: the case is filed through a station) is known by their account,
    so only they may leave the ID number out."""
    if not proxy:
        return None
    errors: dict[str, list[str]] = {}
    name = (proxy.get("name") or "").strip()
    if not name:
        errors[f"{field_prefix}.name"] = ["请填写代办人姓名"]
    elif len(name) > 50:
        errors[f"{field_prefix}.name"] = ["代办人姓名不能超过 50 个字"]
    relation = proxy.get("relation") or ""
    if relation not in PROXY_RELATIONS:
        errors[f"{field_prefix}.relation"] = ["请选择代办人与申请人的关系：" + "、".join(PROXY_RELATIONS.values())]
    number = normalise(proxy.get("id_number")) or None
    if number is None and not (station and relation == "community_worker"):
        errors[f"{field_prefix}.id_number"] = ["请填写代办人的居民身份证号码"]
    elif number is not None and (problem := id_card_problem(number)):
        errors[f"{field_prefix}.id_number"] = [f"代办人的居民身份证号码无效：{problem}"]
    if errors:
        raise ValidationFailed("代办人信息有误：" + "；".join(v[0] for v in errors.values()), errors)
    return {"name": name, "id_number": number, "relation": relation}


def _on_file_here(session: Session, principal: Principal, applicant: Applicant, guide) -> dict[str, CaseMaterial]:
    """Files this applicant gave the clerk's halls before that this guide asks for again (a clerk
    sees only files of their own halls' cases, as on the dossier)."""
    return case_materials.on_file(session, applicant.id, guide, halls=set(principal.staff_halls()))


def _known_here(session: Session, principal: Principal, applicant: Applicant) -> bool:
    """Contact details of an applicant on file go only to staff whose halls handled them."""
    halls = principal.staff_halls()
    return session.scalar(select(Case.id).where(Case.applicant_id == applicant.id,
                                                or_(Case.hall_id.in_(halls), Case.proxy_hall_id.in_(halls)))
                          .limit(1)) is not None


def open_duplicates(session: Session, applicant_id: int, item_id: int) -> list[Case]:
    """The applicant's cases of this item still running."""
    return list(session.scalars(select(Case).where(Case.applicant_id == applicant_id, Case.item_id == item_id,
                                                   Case.status.not_in(CLOSED_STATUSES))
                                .order_by(Case.created_at, Case.id)))


def _duplicates(session: Session, principal: Principal, number: str, item_id: int) -> tuple[list[Case], int]:
    """(open cases of this applicant and item at the clerk's halls, how many elsewhere): another
    hall's case is counted, never named."""
    found = session.scalar(select(Applicant.id).where(Applicant.id_number == number)) if number else None
    if found is None:
        return [], 0
    mine = principal.staff_halls()
    running = open_duplicates(session, found, item_id)
    here = [c for c in running if c.hall_id in mine or c.proxy_hall_id in mine]
    return here, len(running) - len(here)


def duplicate_text(here: list[Case], elsewhere: int, elsewhere_words: str = "其他大厅 {n} 件") -> str:
    """The running cases named (case number and status), and how many more run out of sight."""
    parts = ["、".join(f"{c.case_no}（{STATUS_LABELS.get(c.status, c.status)}）" for c in here)] if here else []
    if elsewhere:
        parts.append(elsewhere_words.format(n=elsewhere))
    return "；".join(parts)


def form(session: Session, principal: Principal, hall_code: str, item_code: str, id_number: str | None,
         id_type: str | None = None) -> dict:
    """What the intake page shows for this hall, item and (optionally) applicant."""
    here = my_hall(session, principal, hall_code)
    _, _, item, guide = intake.receiving(session, principal, hall_code, item_code)
    number = normalise(id_number)
    kind = _check_number(number, id_type) if number else None
    applicant = None
    if number:
        found = session.scalar(select(Applicant).where(Applicant.id_number == number))
        applicant = found if found is not None and _known_here(session, principal, found) else None
    earlier = _on_file_here(session, principal, applicant, guide) if applicant else {}
    duplicates, elsewhere = _duplicates(session, principal, number, item.id)
    return {
        "hall": {"code": here.code, "name": here.name, "proxy_station": here.level == "community"},
        "item": {"code": item.code, "name": item.name}, "guide_version": guide.version,
        "fields": receiving.start_fields(session, guide),
        "id_number": number, "id_type": kind, "id_types": ID_TYPES,
        "applicant": ({"name": applicant.name, "phone": applicant.phone} if applicant else None),
        "duplicates": [{"id": c.id, "case_no": c.case_no, "status_label": STATUS_LABELS.get(c.status, c.status),
                        "created_at": c.created_at} for c in duplicates],
        "duplicates_elsewhere": elsewhere,
        "materials": [{
            "code": m.code, "name": m.name, "requirement": m.requirement,
            "requirement_label": REQUIREMENTS.get(m.requirement), "condition": m.condition,
            "tolerable": m.tolerable, "shared": not m.asked_of_applicant, "copies": m.copies,
            "on_file": ({"case_no": earlier[m.code].case.case_no, "file_name": earlier[m.code].file_name}
                        if m.code in earlier else None),
        } for m in guide.materials],
        "relations": PROXY_RELATIONS,
        "delivery_methods": delivery_choice.METHODS, "local": delivery_choice.LOCAL,
    }


def _check_materials(guide, walk_in: WalkIn, earlier: dict) -> list[str]:
    """The codes received (paper ticked, scanned or reused), in the guide's order."""
    codes = set(guide.material_codes())
    by_code = {m.code: m for m in guide.materials}
    errors: dict[str, list[str]] = {}
    for code in [*walk_in.handed_in, *walk_in.scans, *walk_in.on_file]:
        if code not in codes:
            errors[f"materials.{code}"] = ["不属于该事项办事指南的材料"]
        elif not by_code[code].asked_of_applicant:
            errors[f"materials.{code}"] = [f"“{by_code[code].name}”由部门共享获取，无需申请人提交"]
    for code in walk_in.on_file:
        if code in codes and code not in earlier:
            errors[f"materials.{code}"] = [f"“{by_code[code].name}”没有可复用的已提交材料，请收取纸质材料或扫描"]
    if errors:
        raise ValidationFailed("材料有误：" + "；".join(v[0] for v in errors.values()), errors)
    received = set(walk_in.handed_in) | set(walk_in.scans) | set(walk_in.on_file)
    return [m.code for m in guide.materials if m.code in received]


class DuplicateApplication(ValidationFailed):
    """The applicant already has this item running; the page asks the clerk to confirm."""


def receive(session: Session, principal: Principal, walk_in: WalkIn, runtime: CaseRuntime) -> Case:
    """Receive the walk-in: the case is created and its first task opened (one unit of work)."""
    with unit_of_work(session, keep_loaded=True):
        my_hall(session, principal, walk_in.hall)
        hall, proxy_hall, item, guide = intake.receiving(session, principal, walk_in.hall, walk_in.item_code)
        number = normalise(walk_in.applicant.get("id_number"))
        kind = _check_number(number, walk_in.applicant.get("id_type")) if number else "id_card"
        details = parties.validate_applicant({**walk_in.applicant, "id_number": number, "id_type": kind})
        proxy = check_proxy(walk_in.proxy, station=proxy_hall is not None)
        delivery = delivery_choice.check(walk_in.delivery, details)
        found = session.scalar(select(Applicant).where(Applicant.id_number == details["id_number"]))
        earlier = _on_file_here(session, principal, found, guide) if found is not None else {}
        received = _check_materials(guide, walk_in, earlier)
        if not walk_in.duplicate_confirmed:
            here, elsewhere = _duplicates(session, principal, details["id_number"], item.id)
            if here or elsewhere:
                listed = duplicate_text(here, elsewhere)
                raise DuplicateApplication(
                    f"申请人已有同一事项的在办件：{listed}。确认不是重复申请后，勾选“确认仍要收件”再提交",
                    {"confirm_duplicate": [f"已有在办件 {listed}"]})
        store, by = runtime.settings.store, principal.username

        def attach(case: Case) -> None:
            for m in guide.materials:
                if not m.asked_of_applicant:
                    case_materials.attach_shared(session, case, m.code, by)
                elif m.code in walk_in.scans:
                    scan = walk_in.scans[m.code]
                    case_materials.attach_upload(session, store, case, m.code, scan.content, scan.filename, by,
                                                 field=f"materials.{m.code}")
                elif m.code in walk_in.on_file:
                    case_materials.attach_on_file(session, case, m.code, earlier[m.code], by)

        return receiving.open_case(
            session, receiving.Opening(hall=hall, proxy_hall=proxy_hall, item=item, guide=guide),
            details=details, channel=WINDOW, materials=received, data=walk_in.data, runtime=runtime,
            actor=principal.username, created_by_id=principal.user_id, attach=attach, proxy=proxy,
            delivery=delivery)
