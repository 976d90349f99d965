"""Administering staff accounts: create, grant and revoke roles per hall, (de)activate, contact
details. Deactivating or changing roles revokes the user's tokens and page sessions
(token_version). Each public function is one unit of work."""
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import roles as R
from app.auth import service as auth
from app.auth.models import Hall, User, UserRole
from app.database import unit_of_work
from app.errors import Conflict, NotFound, ValidationFailed
from app.parties.service import PHONE, normalise_phone

USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{2,63}$")
MIN_PASSWORD = 10


def get(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在")
    return user


def display_names(session: Session, usernames) -> dict[str, str]:
    """Login name -> the name people see (pages show people by name, never by login)."""
    wanted = [u for u in usernames if u]
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.display_name).where(User.username.in_(wanted)))
    return {username: name for username, name in rows}


def list_all(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def _grant_of(session: Session, role: str, hall_code: str | None) -> tuple[str, Hall | None]:
    if role not in R.ALL_ROLES:
        raise ValidationFailed(f"未知角色 {role}", {"role": ["必须是以下之一：" + "、".join(sorted(R.ALL_ROLES))]})
    if role in R.HALL_ROLES:
        hall = session.scalar(select(Hall).where(Hall.code == (hall_code or "")))
        if hall is None:
            raise ValidationFailed(f"{R.ROLE_LABELS[role]}须指定所在大厅", {"hall": ["请选择大厅"]})
        return role, hall
    return role, None


def create(session: Session, username: str, display_name: str, password: str, role: str,
           hall_code: str | None) -> User:
    errors = {}
    if not USERNAME.match(username or ""):
        errors["username"] = ["3–64 位小写字母、数字、点、横线或下划线，以字母开头"]
    if not (display_name or "").strip():
        errors["display_name"] = ["必填项"]
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = [f"至少 {MIN_PASSWORD} 位"]
    if errors:
        raise ValidationFailed("用户信息有误", errors)
    with unit_of_work(session):
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict(f"用户名 {username} 已存在", {"username": ["已存在"]})
        user = auth.create_user(session, username, password, display_name.strip(),
                                [_grant_of(session, role, hall_code)])
        session.flush()
    return user


ACTIONS = ("grant", "revoke", "activate", "deactivate", "unlock")


def change(session: Session, username: str, action: str, by_id: int, *, role: str = "",
           hall_code: str | None = None, grant_id: int = 0) -> User:
    """One of ACTIONS on a user, by the administrator `by_id` (who cannot take away their own
    administrator role or account)."""
    with unit_of_work(session):
        user, by = get(session, username), session.get(User, by_id)
        if action == "grant":
            _grant(session, user, role, hall_code)
        elif action == "revoke":
            _revoke(user, grant_id, by)
        elif action in ("activate", "deactivate"):
            _set_active(user, action == "activate", by)
        elif action == "unlock":
            auth.forget_failures(session, user)
        else:
            raise ValidationFailed(f"未知操作 {action}", {"action": ["必须是以下之一：" + "、".join(ACTIONS)]})
    return user


def _grant(session: Session, user: User, role: str, hall_code: str | None) -> User:
    role, hall = _grant_of(session, role, hall_code)
    if any(g.role == role and g.hall_id == (hall.id if hall else None) for g in user.roles):
        raise Conflict("该用户已有此角色")
    user.roles.append(UserRole(role=role, hall_id=hall.id if hall else None))
    user.token_version += 1
    return user


def _revoke(user: User, grant_id: int, by: User | None) -> User:
    found = next((g for g in user.roles if g.id == grant_id), None)
    if found is None:
        raise NotFound("角色不存在")
    if by is not None and by.id == user.id and found.role == R.ADMIN:
        raise Conflict("不能撤销自己的系统管理员角色")
    user.roles.remove(found)
    user.token_version += 1
    return user


def set_contact(session: Session, username: str, email: str | None, phone: str | None) -> User:
    """Where the user is told of their own deadlines (policy publication); both optional."""
    email, phone = (email or "").strip() or None, normalise_phone(phone)
    errors = {}
    if email and (len(email) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
        errors["email"] = ["电子邮箱格式不正确"]
    if phone and not PHONE.match(phone):
        errors["phone"] = ["电话号码格式不正确"]
    if errors:
        raise ValidationFailed("联系方式有误", errors)
    with unit_of_work(session):
        user = get(session, username)
        user.email, user.phone = email, phone
    return user


def _set_active(user: User, active: bool, by: User | None) -> User:
    if by is not None and by.id == user.id and not active:
        raise Conflict("不能停用自己的账号")
    user.active = active
    user.token_version += 1
    return user
