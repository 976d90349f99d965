"""The one published record every channel renders (art. 8): the guide page, the JSON API and
the QR code all start from `public_view`, so they cannot drift apart."""
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy.orm import Session

from app.catalog.models import (
    HANDLING_CHANNELS,
    ITEM_TYPES,
    LEVELS,
    MATERIAL_CATEGORIES,
    MATERIAL_TYPES,
    MEDIA,
    REQUIREMENTS,
    SERVICE_OBJECTS,
    SOURCES,
    GuideVersion,
    ServiceItem,
)

# Other features add their public parts to a guide's record (the FAQ of answered consultations,
# related policies): functions (session, item, base_url) -> dict that the bootstrap lists and
# the faces pass in, so the page and the JSON stay one record while the catalog imports none
# of those features.
PublicExtra = Callable[[Session, ServiceItem, str], dict]


def _label(labels: Mapping[str, str], key: str | None) -> str | None:
    """The label of `key` (None for no value, as for a value without a label)."""
    return labels.get(key) if key is not None else None


def guide_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/guides/{code}"


def file_url(base_url: str, sha256: str | None) -> str | None:
    return f"{base_url.rstrip('/')}/guides/files/{sha256}" if sha256 else None


def _material(m, base_url: str) -> dict:
    return {
        "code": m.code, "name": m.name,
        "category": m.category, "category_label": MATERIAL_CATEGORIES.get(m.category),
        "material_type": m.material_type, "material_type_label": MATERIAL_TYPES.get(m.material_type),
        "copies": m.copies, "paper_spec": m.paper_spec,
        "medium": m.medium, "medium_label": MEDIA.get(m.medium),
        "requirement": m.requirement, "requirement_label": REQUIREMENTS.get(m.requirement),
        "condition": m.condition,
        "source": m.source, "source_label": SOURCES.get(m.source),
        "obtainable_by_sharing": m.source == "sharing",
        "agency_category": m.agency_category, "certificate_code": m.certificate_code,
        "legal_basis": m.legal_basis, "tolerable": m.tolerable, "notes": m.notes,
        "blank_template": file_url(base_url, m.blank_template), "sample": file_url(base_url, m.sample),
    }


def public_view(version: GuideVersion, base_url: str) -> dict:
    item = version.item
    return {
        "item_code": item.code, "base_code": item.base_code,
        "level": item.level, "level_label": LEVELS.get(item.level), "citywide": item.citywide,
        "version": version.version,
        "effective_from": version.effective_from.isoformat() if version.effective_from else None,
        "name": version.name,
        "item_type": version.item_type, "item_type_label": _label(ITEM_TYPES, version.item_type),
        "implementing_body": version.implementing_body,
        "legal_basis": version.legal_basis,
        "service_object": version.service_object, "service_object_label": _label(SERVICE_OBJECTS, version.service_object),
        "acceptance_conditions": version.acceptance_conditions,
        "legal_limit_days": version.legal_limit_days, "promised_limit_days": version.promised_limit_days,
        "fee_charged": version.fee_charged, "fee_standard": version.fee_standard, "fee_basis": version.fee_basis,
        "handling_channels": version.handling_channels,
        "handling_channel_labels": [HANDLING_CHANNELS.get(c, c) for c in version.handling_channels],
        "location": version.location, "hours": version.hours,
        "halls": [{"code": h.code, "name": h.name, "level": h.level} for h in item.halls],
        "result_name": version.result_name, "result_sample": file_url(base_url, version.result_sample),
        "consultation_contact": version.consultation_contact, "complaint_contact": version.complaint_contact,
        "process_description": version.process_description,
        "special_procedures": version.special_procedures,
        "process_key": version.process_key,
        "materials": [_material(m, base_url) for m in version.materials],
        "change_summary": version.change_summary, "legal_change": version.legal_change,
        "guide_url": guide_url(base_url, item.code),
        "qr_url": guide_url(base_url, item.code) + "/qr.png",
    }


def public_record(session: Session, version: GuideVersion, base_url: str, extras: Sequence[PublicExtra]) -> dict:
    """The guide's public record with every extra (what the page and the API show)."""
    view = public_view(version, base_url)
    for extra in extras:
        view.update(extra(session, version.item, base_url))
    return view


def summary(version: GuideVersion, base_url: str) -> dict:
    item = version.item
    return {"item_code": item.code, "base_code": item.base_code, "name": version.name,
            "item_type": version.item_type, "item_type_label": _label(ITEM_TYPES, version.item_type),
            "implementing_body": version.implementing_body, "level": item.level, "citywide": item.citywide,
            "promised_limit_days": version.promised_limit_days, "version": version.version,
            "halls": [h.code for h in item.halls], "guide_url": guide_url(base_url, item.code)}
