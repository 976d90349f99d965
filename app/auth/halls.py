"""Halls in a tree (art. 19–21): the district centre, street centres, community stations."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.hallnames import PARENT_LEVEL, name_problem
from app.auth.models import Hall
from app.auth.principal import Principal
from app.database import unit_of_work
from app.errors import Conflict, NotFound, ValidationFailed


def get(session: Session, code: str) -> Hall:
    hall = session.scalar(select(Hall).where(Hall.code == code))
    if hall is None:
        raise NotFound(f"大厅 {code} 不存在")
    return hall


def all_halls(session: Session) -> list[Hall]:
    return list(session.scalars(select(Hall).order_by(Hall.code)))


def halls_of(session: Session, principal: Principal, *roles: str, receiving_only: bool = False,
             admin_everywhere: bool = True) -> list[Hall]:
    """The halls where the user holds one of `roles` (every hall for an administrator, unless
    `admin_everywhere` is off); `receiving_only` leaves out community stations (they receive
    nothing themselves)."""
    stmt = select(Hall).order_by(Hall.code)
    if receiving_only:
        stmt = stmt.where(Hall.level != "community")
    if not (principal.is_admin and admin_everywhere):
        stmt = stmt.where(Hall.id.in_(principal.halls_for(*roles) or {-1}))
    return list(session.scalars(stmt))


def create(session: Session, code: str, name: str, level: str, parent_code: str | None) -> Hall:
    """A new hall under its parent (one unit of work)."""
    if level not in PARENT_LEVEL:
        raise ValidationFailed(f"未知的大厅层级 {level}", {"level": ["必须是以下之一：" + "、".join(PARENT_LEVEL)]})
    errors = {}
    problem = name_problem(level, name.strip())
    if problem:
        errors["name"] = [problem]
    parent = None
    wanted = PARENT_LEVEL[level]
    if wanted is None and parent_code:
        errors["parent"] = ["区政务服务中心没有上级大厅"]
    elif wanted is not None:
        parent = session.scalar(select(Hall).where(Hall.code == parent_code)) if parent_code else None
        if parent is None:
            errors["parent"] = [f"须指定上级大厅（{'区政务服务中心' if wanted == 'district' else '街道便民服务中心'}）"]
        elif parent.level != wanted:
            errors["parent"] = [f"上级大厅“{parent.name}”的层级不对：应为{wanted}，实为{parent.level}"]
    if errors:
        raise ValidationFailed("大厅信息有误：" + "；".join(v[0] for v in errors.values()), errors)
    with unit_of_work(session):
        if session.scalar(select(Hall.id).where(Hall.code == code)) is not None:
            raise Conflict(f"大厅编码 {code} 已存在", {"code": ["编码已存在"]})
        hall = Hall(code=code, name=name.strip(), level=level, parent_id=parent.id if parent else None)
        session.add(hall)
        session.flush()
    return hall


def tree(session: Session) -> list[dict]:
    """Every hall as nested dicts, the district centres at the top."""
    halls = list(session.scalars(select(Hall).order_by(Hall.code)))
    children: dict[int, list[dict]] = {h.id: [] for h in halls}
    nodes = {h.id: {"code": h.code, "name": h.name, "level": h.level, "children": children[h.id]} for h in halls}
    roots: list[dict] = []
    for h in halls:
        (children[h.parent_id] if h.parent_id is not None and h.parent_id in children else roots).append(nodes[h.id])
    return roots
