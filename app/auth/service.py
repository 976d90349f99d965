"""Users, passwords and API tokens (no Flask here; the API layer passes the secret in), and the
lockout that slows down password guessing."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app import clock, reference
from app.addresses import client_bucket
from app.auth import roles as R
from app.auth.models import Hall, LoginFailure, User, UserRole
from app.auth.principal import Principal
from app.database import locked, unit_of_work
from app.errors import NotAuthenticated, TooManyRequests, ValidationFailed

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


@dataclass(frozen=True)
class LoginRules:
    """How wrong passwords are answered: an account locks after `failures_to_lock` of them within
    `window` (for `lock_for`, or until an administrator unlocks it); one client address may fail
    `failures_per_address` times an hour, whatever the user names it tries."""

    failures_to_lock: int = 5
    window: timedelta = timedelta(minutes=15)
    lock_for: timedelta = timedelta(minutes=15)
    failures_per_address: int = 20


def _locked_message(until: datetime) -> str:
    return (f"密码连续输错次数过多，账号已锁定至 {until.astimezone(clock.LOCAL_TZ):%H:%M}；"
            "请届时再试，或请系统管理员解锁")


def authenticate(session: Session, username: str, password: str, address: str | None = None,
                 rules: LoginRules = LoginRules()) -> User:
    """The user, if the password is right and neither the account nor the client address is
    locked out. A wrong password is recorded (committed even though the request fails); a good
    one clears the account's failures. Attempts on one account take turns (row lock)."""
    now, bucket = clock.now(), client_bucket(address)
    failed_here = session.execute(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.address == bucket, LoginFailure.at > now - timedelta(hours=1))).scalar_one()
    if failed_here >= rules.failures_per_address:
        raise TooManyRequests("本机登录失败次数过多，请一小时后再试", retry_after=3600)
    found = session.scalar(select(User.id).where(User.username == username))
    user = locked(session, User, found) if found is not None else None
    if user is not None and user.locked_until is not None and user.locked_until > now:
        session.rollback()
        raise TooManyRequests(_locked_message(user.locked_until),
                              retry_after=int((user.locked_until - now).total_seconds()) + 1)
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)  # the same work: timing does not tell
        _failed(session, username, bucket, now, None, rules)
    elif not check_password_hash(user.password_hash, password):
        _failed(session, username, bucket, now, user, rules)
    with unit_of_work(session):
        session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))
        if user.locked_until is not None:  # a write to an account moves the reference counter
            user.locked_until = None
    return user


def _failed(session: Session, username: str, bucket: str, now: datetime, user: User | None,
            rules: LoginRules) -> NoReturn:
    with unit_of_work(session):
        session.add(LoginFailure(username=username[:64], address=bucket, at=now))
        session.flush()
        if user is not None:
            recent = session.execute(select(func.count()).select_from(LoginFailure).where(
                LoginFailure.username == user.username, LoginFailure.at > now - rules.window)).scalar_one()
            if recent >= rules.failures_to_lock:
                user.locked_until = now + rules.lock_for
    if user is not None and user.locked_until is not None and user.locked_until > now:
        raise TooManyRequests(_locked_message(user.locked_until), retry_after=int(rules.lock_for.total_seconds()))
    raise NotAuthenticated("用户名或密码错误")


def forget_failures(session: Session, user: User) -> None:
    """Lift a lockout (an administrator's unlock), in the caller's transaction."""
    user.locked_until = None
    session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))


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
    found = principal_by_id(session, payload.get("u"), payload.get("v"))
    if found is None:
        raise NotAuthenticated("令牌已失效，请重新登录")
    return found


# The user and every grant in one statement, run on the connection without the ORM (every API
# call and page makes it; nothing of it is changed in the request).
_GRANTS = (select(User.id, User.username, User.display_name, User.active, User.token_version,
                  UserRole.role, UserRole.hall_id)
           .outerjoin(UserRole, UserRole.user_id == User.id).where(User.id == bindparam("user_id")))


def principal_by_id(session: Session, user_id: object, token_version) -> Principal | None:
    """The active user `user_id` (as a signed token or session carries it) as a Principal, if not
    signed out since `token_version` (from the worker's reference cache: the request's one read of
    the reference counter vouches for it)."""
    if not isinstance(user_id, int):
        return None
    rows = reference.cached(session, ("grants", user_id),
                            lambda s: tuple(s.connection().execute(_GRANTS, {"user_id": user_id}).all()))
    if not rows or not rows[0].active or rows[0].token_version != token_version:
        return None
    first = rows[0]
    return Principal.of_grants(first.id, first.username, first.display_name,
                               ((r.role, r.hall_id) for r in rows if r.role is not None))


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
