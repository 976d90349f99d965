"""Reading the catalogue of service items."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Hall
from app.catalog.models import ItemMaterial, ServiceItem
from app.errors import NotFound


def list_items(session: Session) -> list[ServiceItem]:
    return list(session.scalars(select(ServiceItem).order_by(ServiceItem.code)))


def get_item(session: Session, code: str) -> ServiceItem:
    item = session.scalar(select(ServiceItem).where(ServiceItem.code == code))
    if item is None:
        raise NotFound(f"事项 {code} 不存在")
    return item


def material_options(item: ServiceItem) -> list[dict]:
    """Materials as form options ({label, value}) for checklists."""
    return [{"label": m.name, "value": m.code} for m in item.materials]


def upsert_item(session: Session, *, code: str, name: str, process_key: str, legal_limit_days: int,
                promised_limit_days: int, halls: list[Hall], materials: list[tuple[str, str]],
                item_type: str = "licence") -> ServiceItem:
    """Create or update an item (used by the demo seed; the catalogue issue brings the editor)."""
    item = session.scalar(select(ServiceItem).where(ServiceItem.code == code))
    if item is None:
        item = ServiceItem(code=code)
        session.add(item)
    item.name, item.process_key, item.item_type = name, process_key, item_type
    item.legal_limit_days, item.promised_limit_days = legal_limit_days, promised_limit_days
    item.halls = list(halls)
    existing = {m.code: m for m in item.materials}
    item.materials = []
    for position, (mcode, mname) in enumerate(materials):
        material = existing.get(mcode) or ItemMaterial(code=mcode)
        material.name, material.position = mname, position
        item.materials.append(material)
    return item
