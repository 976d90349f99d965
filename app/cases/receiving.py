"""Opening a case: the one way an application becomes a case, at a window or online."""
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app import clock
from app.auth.models import Hall
from app.cases import cycle, delivery_choice, taskforms
from app.cases.cycle import CaseRuntime
from app.cases.history import GENESIS, EventLog
from app.cases.models import SUBMITTED, Case
from app.catalog.models import GuideVersion, ServiceItem
from app.errors import ValidationFailed
from app.parties import service as parties
from app.processes import service as processes
from app.taskforms.schema import validate_submission

CHANNELS = {"online": "网上申请", "window": "窗口申请"}
# 代办: who may file an application for the applicant, as the window records it.
PROXY_RELATIONS = {"family": "亲属", "colleague": "本单位工作人员", "entrusted": "受托人",
                   "community_worker": "社区代办员（帮办代办）"}


@dataclass
class Opening:
    """Where and under what the case opens (see intake.receiving)."""
    hall: Hall
    proxy_hall: Hall | None  # the community station receiving it for `hall` (proxy), if any
    item: ServiceItem
    guide: GuideVersion


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


def start_fields(session: Session, guide: GuideVersion) -> list[dict]:
    """The process's own application fields (its start form), for a page to render."""
    definition = processes.latest_version(session, guide.process_key) if guide.process_key else None
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


def open_case(session: Session, opening: Opening, *, details: dict, channel: str, materials: list[str], data: dict,
              runtime: CaseRuntime, actor: str, created_by_id: int | None,
              attach: Callable[[Case], None] | None = None, proxy: dict | None = None,
              delivery: tuple[str | None, dict | None] = (None, None)) -> Case:
    """Create the case and take its first engine step, inside the caller's unit of work.
    `attach` adds rows that need the case's id (uploaded materials) before the step runs;
    `proxy` is the person filing it for the applicant (name, id_number, relation; checked);
    `delivery` the (method, mailing address) the applicant chose (delivery_choice.check)."""
    hall, proxy_hall, item, guide = opening.hall, opening.proxy_hall, opening.item, opening.guide
    definition = processes.latest_for_cases(session, guide.process_key) if guide.process_key is not None else None
    if definition is None:
        raise ValidationFailed(f"事项“{item.name}”的流程 {guide.process_key} 尚未部署",
                               {"item_code": [f"流程 {guide.process_key} 尚未部署"]})
    application_data = _application_data(definition, data)
    applicant = parties.find_or_create(session, details)
    now = clock.now()
    case = Case(item_id=item.id, guide_version_id=guide.id, hall_id=hall.id, applicant_id=applicant.id,
                applicant=details, applicant_name=details.get("name"), proxy_hall_id=proxy_hall.id if proxy_hall else None,
                proxy_by_id=created_by_id if proxy_hall else None,
                proxy_name=proxy["name"] if proxy else None, proxy_id_number=proxy.get("id_number") if proxy else None,
                proxy_relation=proxy["relation"] if proxy else None,
                delivery_choice=delivery[0], mail_address=delivery[1],
                channel=channel, materials=materials, definition_id=definition.id,
                status=SUBMITTED, outstanding_materials=[], tolerated=False, correction_round=0,
                application_data=application_data,
                state="", revision=0, history_seq=0, history_head=GENESIS, created_by_id=created_by_id,
                created_at=now, updated_at=now)
    session.add(case)
    session.flush()
    case.case_no = _case_no(case)
    if attach is not None:
        attach(case)
    log = EventLog(session, case)
    station = f"，由{proxy_hall.name}代办" if proxy_hall else ""
    person = f"，{PROXY_RELATIONS[proxy['relation']]} {proxy['name']} 代为申请" if proxy else ""
    chosen = f"；送达方式：{delivery_choice.describe(*delivery)}" if delivery[0] else ""
    log.append("case_submitted", actor,
               f"收件：{item.name}（{CHANNELS.get(channel, channel)}{station}），申请人 {details['name']}{person}，"
               f"依据办事指南第 {guide.version} 版{chosen}",
               {"channel": channel, "materials": materials, "guide_version": guide.version,
                "proxy_hall": proxy_hall.code if proxy_hall else None,
                "proxy": {"name": proxy["name"], "relation": proxy["relation"]} if proxy else None,
                "delivery_choice": delivery[0],
                "process": {"key": definition.key, "version": definition.version}})
    rules = runtime.settings.cases
    with cycle.first_step(session, case, definition, {
        "case_id": case.id, "case_no": case.case_no, "item_code": item.code,
        "channel": channel, "hall": hall.code, "submitted_materials": materials,
        "case_status": SUBMITTED, "correction_round": 0,
        "max_correction_rounds": rules.max_correction_rounds,
        "correction_limit_days": rules.correction_limit_days,
        "tolerance_limit_days": rules.tolerance_limit_days,
        "legal_limit_days": guide.legal_limit_days,
        "promised_limit_days": guide.promised_limit_days,
        **application_data,
    }, actor, log, runtime):
        pass
    return case
