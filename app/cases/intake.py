"""What a case may be started for and asked of (art. 5, 7(5), 13, 19–20, 24).

Only a published item offered at the hall (or citywide) is received; a community station
submits by proxy to the nearest hall above it that handles the item; clerks may ask only for
materials of the case's own guide version, never for one the government obtains by sharing,
and tolerance acceptance may defer only materials the guide marks tolerable.
"""
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app import reference
from app.auth import roles as R
from app.auth.models import Hall
from app.auth.principal import Principal
from app.cases import cycle
from app.catalog.models import PUBLISHED, GuideVersion, ServiceItem
from app.errors import PermissionDenied, ValidationFailed


def _offers(item: ServiceItem, hall: Hall) -> bool:
    return item.citywide or hall.id in {h.id for h in item.halls}


def handling_halls(session: Session, item: ServiceItem) -> list[Hall]:
    """Halls that may handle the item (its own, or every district and street hall when it is
    citywide), the district centre first."""
    rank = {"district": 0, "street": 1}
    halls = session.scalars(select(Hall).where(Hall.level.in_(rank))) if item.citywide else item.halls
    return sorted((h for h in halls if h.level in rank and _offers(item, h)), key=lambda h: (rank[h.level], h.code))


def _by_code(session: Session, model, code: str, *options, shape: str = ""):
    """The hall or item with this code, from the worker's cache (None if there is none)."""
    ident = reference.cached(session, (model.__name__, "code", code),
                             lambda s: s.scalar(select(model.id).where(model.code == code)))
    return None if ident is None else reference.entity(session, model, ident, *options, shape=shape)


def _published_guide(session: Session, item: ServiceItem) -> GuideVersion | None:
    ident = reference.cached(session, ("published guide", item.id), lambda s: s.scalar(
        select(GuideVersion.id).where(GuideVersion.item_id == item.id, GuideVersion.status == PUBLISHED)))
    return None if ident is None else cycle.guide_for_step(session, ident)


def receiving(session: Session, principal: Principal, hall_code: str, item_code: str):
    """(handling hall, proxy station or None, item, published guide) for a new application; the
    catalogue is read from the worker's cache (app.reference)."""
    hall = _by_code(session, Hall, hall_code)
    if hall is None:
        raise ValidationFailed(f"大厅 {hall_code} 不存在", {"hall": [f"大厅 {hall_code} 不存在"]})
    if not principal.may(hall.id, *R.INTAKE_ROLES):
        raise PermissionDenied(f"您不是“{hall.name}”的受理人员，不能在该大厅收件")
    item = _by_code(session, ServiceItem, item_code, selectinload(ServiceItem.halls), shape="with halls")
    if item is None:
        raise ValidationFailed(f"事项 {item_code} 不在事项目录中", {"item_code": [f"事项 {item_code} 不在事项目录中"]})
    guide = _published_guide(session, item)
    if guide is None:
        raise ValidationFailed(f"事项“{item.name}”尚未发布办事指南，不能受理",
                               {"item_code": ["事项尚未发布办事指南（第五条：只办理目录内已公布的事项）"]})
    if hall.level != "community":
        if not _offers(item, hall):
            raise ValidationFailed(f"“{hall.name}”不办理事项“{item.name}”", {"item_code": [f"“{hall.name}”不办理该事项"]})
        return hall, None, item, guide
    # 代办: the community station hands the application to the first hall above it that handles
    # the item (a citywide item: the station's own street centre).
    above = session.get(Hall, hall.parent_id) if hall.parent_id else None
    while above is not None:
        if _offers(item, above):
            return above, hall, item, guide
        above = session.get(Hall, above.parent_id) if above.parent_id else None
    raise ValidationFailed(f"“{hall.name}”的上级大厅均不办理事项“{item.name}”，无法代办",
                           {"item_code": ["上级大厅均不办理该事项，无法代办"]})


def check_materials(guide: GuideVersion, codes, field: str) -> list[str]:
    """Material codes handed in: a list of distinct codes of this guide version."""
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise ValidationFailed("材料必须是材料编码的数组", {field: ["必须是材料编码（文本）的数组"]})
    known = set(guide.material_codes())
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationFailed(f"材料编码不属于本办件的办事指南（第 {guide.version} 版）：{', '.join(unknown)}",
                               {field: [f"不属于“{guide.name}”第 {guide.version} 版办事指南的材料：{', '.join(unknown)}"]})
    if len(set(codes)) != len(codes):
        raise ValidationFailed("材料编码重复", {field: ["材料编码重复"]})
    return codes


def check_requested(guide: GuideVersion, data) -> None:
    """A correction or tolerance notice lists only what the guide lets the clerk ask for."""
    if not isinstance(data, dict) or data.get("outcome") not in ("correct", "tolerate"):
        return
    codes = data.get("missing_materials")
    if not isinstance(codes, list):
        return  # the form's own validation names the field
    check_materials(guide, [c for c in codes if isinstance(c, str)], "missing_materials")
    by_code = {m.code: m for m in guide.materials}
    shared = [by_code[c] for c in codes if c in by_code and not by_code[c].asked_of_applicant]
    if shared:
        names = "、".join(m.name or m.code for m in shared)
        raise ValidationFailed(f"{names}由部门共享获取，不得要求申请人补正",
                               {"missing_materials": [f"{names}可通过共享获取，不得要求申请人提交（第七条第五项）"]})
    if data["outcome"] == "tolerate":
        firm = [by_code[c] for c in codes if c in by_code and not by_code[c].tolerable]
        if firm:
            names = "、".join(m.name or m.code for m in firm)
            raise ValidationFailed(f"{names}不属于办事指南中可容缺的材料，不能容缺受理",
                                   {"missing_materials": [f"不可容缺的材料：{names}；请选择补齐补正或不予受理"]})


REASON_MAX = 2000  # the acceptance form's own limit: the notice carries the words whole


def notice_reason(answers: dict) -> str | None:
    """The clerk's own words on a correction or tolerance notice (the acceptance form's `reason`),
    from what the step's tasks were answered with, whatever the task's BPMN id: art. 13(2) wants
    everything to correct told at once, the clerk's explanation included."""
    for data in answers.values():
        if isinstance(data, dict) and data.get("outcome") in ("correct", "tolerate"):
            reason = data.get("reason")
            return (reason.strip()[:REASON_MAX] or None) if isinstance(reason, str) else None
    return None


NOTES_FIELD = "material_notes"  # a platform field beside the form's own: {material code: the clerk's words}
MATERIAL_NOTE_MAX = 200


def split_material_notes(data) -> tuple[object, object]:
    """(the form's own answers, the per-material notes) of a submission: the notes are not a
    field of any form, they travel beside the `missing_materials` checklist."""
    if not isinstance(data, dict) or NOTES_FIELD not in data:
        return data, None
    rest = dict(data)
    return rest, rest.pop(NOTES_FIELD)


def check_material_notes(guide: GuideVersion, cleaned: dict, notes) -> dict[str, str]:
    """What the clerk says about each material asked for (art. 13(2): everything to correct, told
    at once): only about materials ticked on this notice, each at most MATERIAL_NOTE_MAX characters;
    empty notes are dropped."""
    if notes is None:
        return {}
    if not isinstance(notes, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in notes.items()):
        raise ValidationFailed("材料说明格式不正确", {NOTES_FIELD: ["必须是“材料编码: 说明文字”的对象"]})
    asked = cleaned.get("missing_materials") if cleaned.get("outcome") in ("correct", "tolerate") else None
    asked = asked if isinstance(asked, list) else []
    names = guide.material_names()
    kept: dict[str, str] = {}
    for code, text in notes.items():
        text = text.strip()
        if not text:
            continue
        if code not in asked:
            raise ValidationFailed(f"材料说明只能写给本次要求补齐补正的材料：{names.get(code, code)}",
                                   {NOTES_FIELD: [f"“{names.get(code, code)}”不在本次要求补齐补正的材料中"]})
        if len(text) > MATERIAL_NOTE_MAX:
            raise ValidationFailed(f"“{names.get(code, code)}”的说明过长",
                                   {NOTES_FIELD: [f"“{names.get(code, code)}”的说明不能超过 {MATERIAL_NOTE_MAX} 个字"]})
        kept[code] = text
    return {code: kept[code] for code in asked if code in kept}  # in the notice's order


def notice_material_notes(answers: dict) -> dict[str, str]:
    """The clerk's words per material on the step's correction or tolerance notice."""
    for data in answers.values():
        if isinstance(data, dict) and data.get("outcome") in ("correct", "tolerate"):
            notes = data.get(NOTES_FIELD)
            return dict(notes) if isinstance(notes, dict) else {}
    return {}
