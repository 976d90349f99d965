"""Users, passwords and API tokens (no Flask here; the API layer passes the secret in)."""
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app import clock
from app.auth import roles as R
from app.auth.models import Hall, User, UserRole
from app.auth.principal import Principal
from app.database import unit_of_work
from app.errors import NotAuthenticated, ValidationFailed

_TOKEN_SALT = "onewindow-api-token"
# A hash to compare against when the user does not exist, so timing does not tell.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class ClockSigner(TimestampSigner):
    """Token timestamps come from app.clock, like every other time in the platform."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_TOKEN_SALT, signer=ClockSigner)


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        raise NotAuthenticated("用户名或密码错误")
    if not check_password_hash(user.password_hash, password):
        raise NotAuthenticated("用户名或密码错误")
    return user


def user_by_id(session: Session, user_id: object) -> User | None:
    return session.get(User, user_id) if isinstance(user_id, int) else None


def sign_out_everywhere(session: Session, user_id: int) -> None:
    """Move the user's token version on: every session cookie and API token issued before stops
    working."""
    with unit_of_work(session):
        user = session.get(User, user_id)
        if user is not None:
            user.token_version += 1


def issue_token(user: User, secret: str) -> str:
    return _serializer(secret).dumps({"u": user.id, "v": user.token_version})


def principal_from_token(session: Session, token: str, secret: str, max_age: int) -> Principal:
    try:
        payload = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired:
        raise NotAuthenticated("令牌已过期，请重新登录") from None
    except BadSignature:
        raise NotAuthenticated("令牌无效") from None
    user = session.get(User, payload.get("u"))
    if user is None or not user.active or user.token_version != payload.get("v"):
        raise NotAuthenticated("令牌已失效，请重新登录")
    return Principal.of(user)


def create_user(session: Session, username: str, password: str, display_name: str,
                grants: list[tuple[str, Hall | None]]) -> User:
    """Create a user with (role, hall) grants; hall roles need a hall, global roles none."""
    for role, hall in grants:
        if role not in R.ALL_ROLES:
            raise ValidationFailed(f"未知角色 {role}", {"roles": [f"未知角色 {role}"]})
        if (role in R.HALL_ROLES) != (hall is not None):
            raise ValidationFailed(f"角色 {role} 的大厅设置不正确", {"roles": [f"角色 {role} 的大厅设置不正确"]})
    user = User(username=username, display_name=display_name, password_hash=hash_password(password),
                active=True, token_version=1, created_at=clock.now())
    user.roles = [UserRole(role=role, hall_id=hall.id if hall else None) for role, hall in grants]
    session.add(user)
    return user
