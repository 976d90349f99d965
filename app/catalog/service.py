"""Reading the published catalogue: what every channel shows (art. 8) and what cases run on."""
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.auth.models import Hall
from app.catalog.models import PUBLISHED, GuideMaterial, GuideVersion, ServiceItem, service_item_hall
from app.errors import NotFound
from app.files import service as files
from app.files.models import StoredFile


def published_guide(session: Session, code: str) -> GuideVersion:
    """The published version of an item's guide; unknown and unpublished items are both 404."""
    version = session.scalar(select(GuideVersion).join(ServiceItem, GuideVersion.item_id == ServiceItem.id)
                             .where(ServiceItem.code == code, GuideVersion.status == PUBLISHED))
    if version is None:
        raise NotFound(f"事项 {code} 不存在或尚未发布办事指南")
    return version


def search_published(session: Session, *, q: str | None = None, item_type: str | None = None,
                     implementing_body: str | None = None, hall: str | None = None,
                     page: int = 1, per_page: int = 50) -> tuple[list[GuideVersion], int]:
    stmt = (select(GuideVersion).join(ServiceItem, GuideVersion.item_id == ServiceItem.id)
            .where(GuideVersion.status == PUBLISHED))
    if q and q.strip():
        q = q.strip()  # autoescape: % and _ typed by a citizen are searched for, not wildcards
        stmt = stmt.where(or_(*(column.contains(q, autoescape=True) for column in (
            ServiceItem.name, ServiceItem.code, ServiceItem.base_code, ServiceItem.implementing_body))))
    if item_type:
        stmt = stmt.where(ServiceItem.item_type == item_type)
    if implementing_body:
        stmt = stmt.where(ServiceItem.implementing_body == implementing_body)
    if hall:
        offered = (select(service_item_hall.c.service_item_id).join(Hall, Hall.id == service_item_hall.c.hall_id)
                   .where(Hall.code == hall))
        stmt = stmt.where(or_(ServiceItem.id.in_(offered), ServiceItem.citywide.is_(True)))
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = session.scalars(stmt.order_by(ServiceItem.item_type, ServiceItem.code)
                           .limit(per_page).offset((page - 1) * per_page))
    return list(rows), total


def items_of_hall(session: Session, hall: Hall) -> list[GuideVersion]:
    """Published items a hall receives: its own and the citywide ones; a community station
    receives (by proxy) what the halls above it handle."""
    ids: list[int] = []
    current: Hall | None = hall
    while current is not None:
        ids.append(current.id)
        current = session.get(Hall, current.parent_id) if (current.level == "community" and current.parent_id) else None
    offered = select(service_item_hall.c.service_item_id).where(service_item_hall.c.hall_id.in_(ids))
    return list(session.scalars(select(GuideVersion).join(ServiceItem, GuideVersion.item_id == ServiceItem.id).where(
        GuideVersion.status == PUBLISHED, or_(ServiceItem.id.in_(offered), ServiceItem.citywide.is_(True)))
        .order_by(ServiceItem.code)))


def departments(session: Session) -> list[str]:
    return list(session.scalars(select(ServiceItem.implementing_body).join(
        GuideVersion, GuideVersion.item_id == ServiceItem.id).where(
        GuideVersion.status == PUBLISHED, ServiceItem.implementing_body.is_not(None))
        .distinct().order_by(ServiceItem.implementing_body)))


def material_options(guide: GuideVersion) -> list[dict]:
    """Materials a clerk may ask for, as form options ({label, value}) for checklists: what the
    government obtains by sharing is never asked of the applicant (art. 7(5))."""
    return [{"label": m.name, "value": m.code} for m in guide.materials if m.asked_of_applicant]


def item_choices(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every item, for filter lists."""
    return [(code, name) for code, name in session.execute(select(ServiceItem.code, ServiceItem.name)
                                                           .order_by(ServiceItem.code))]


def public_file(session: Session, sha256: str) -> StoredFile:
    """A blank form or sample of a published guide. Other stored files (applicants' materials)
    are never reachable this way: 404."""
    published = select(GuideVersion.id).where(GuideVersion.status == PUBLISHED)
    used = (session.scalar(select(GuideMaterial.id).where(GuideMaterial.guide_id.in_(published),
                                                          (GuideMaterial.blank_template == sha256)
                                                          | (GuideMaterial.sample == sha256)).limit(1))
            or session.scalar(select(GuideVersion.id).where(GuideVersion.status == PUBLISHED,
                                                            GuideVersion.result_sample == sha256).limit(1)))
    if not used:
        raise NotFound("文件不存在")
    return files.get(session, sha256)
