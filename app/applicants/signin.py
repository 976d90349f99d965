"""Applicant sign-in by mobile phone and a one-time code (6 digits, 5 minutes, 5 tries).

Codes are kept only as an HMAC; requests are rate-limited per phone and per client address
from the rows themselves, so every web worker enforces the same limits.
"""
import hashlib
import hmac
import math
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from app import clock
from app.addresses import client_bucket
from app.applicants.models import ApplicantAccount, ApplicantSession, SignInCode
from app.auth.service import ClockSigner
from app.database import commit, unit_of_work
from app.errors import NotAuthenticated, TooManyRequests, ValidationFailed
from app.notify.channels import SmsChannel

MOBILE = re.compile(r"^1[3-9][0-9]{9}$")  # ASCII digits only: "１３…" is not another phone
_TOKEN_SALT = "onewindow-applicant-token"


@dataclass(frozen=True)
class SignInRules:
    code_ttl: timedelta = timedelta(minutes=5)
    max_attempts: int = 5
    resend_after: timedelta = timedelta(seconds=60)
    per_phone_per_hour: int = 5
    per_address_per_hour: int = 20


def _check_phone(phone: str) -> str:
    phone = unicodedata.normalize("NFKC", phone or "").strip()
    if not MOBILE.match(phone):
        raise ValidationFailed("手机号码格式不正确", {"phone": ["请输入 11 位手机号码"]})
    return phone


def _digest(secret: str, phone: str, code: str) -> str:
    return hmac.new(secret.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _serialise(session: Session, *keys: str) -> None:
    """Requests for one phone (or from one address) take turns, so parallel requests cannot all
    pass the rate check. SQLite: the write transaction (BEGIN IMMEDIATE) already does this."""
    if session.get_bind().dialect.name == "postgresql":
        for key in keys:  # always phone first, then address: no lock cycles
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"sign-in:{key}"})


def request_code(session: Session, phone: str, address: str, secret: str, sms: SmsChannel,
                 rules: SignInRules = SignInRules()) -> Callable[[], None]:
    """Record a new code; returns the sender, to call once the transaction has committed
    (no text goes out for a request that did not count)."""
    phone, address = _check_phone(phone), client_bucket(address)
    _serialise(session, phone, address)
    now = clock.now()
    hour_ago = now - timedelta(hours=1)
    session.execute(delete(SignInCode).where(SignInCode.created_at < now - timedelta(days=1)))
    last = session.scalar(select(SignInCode).where(SignInCode.phone == phone).order_by(SignInCode.created_at.desc())
                          .limit(1))
    if last is not None and now - last.created_at < rules.resend_after:
        wait = max(1, math.ceil((rules.resend_after - (now - last.created_at)).total_seconds()))
        raise TooManyRequests(f"验证码已发送，请 {wait} 秒后再试", retry_after=wait)
    sent_to_phone = session.execute(select(func.count()).where(SignInCode.phone == phone,
                                                               SignInCode.created_at > hour_ago)).scalar_one()
    sent_from_address = session.execute(select(func.count()).where(SignInCode.address == address,
                                                                   SignInCode.created_at > hour_ago)).scalar_one()
    if sent_to_phone >= rules.per_phone_per_hour or sent_from_address >= rules.per_address_per_hour:
        raise TooManyRequests("获取验证码过于频繁，请一小时后再试", retry_after=3600)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    row = SignInCode(phone=phone, address=address[:64], code_hash=_digest(secret, phone, code), created_at=now,
                     expires_at=now + rules.code_ttl, attempts=0)
    session.add(row)
    session.flush()
    minutes = int(rules.code_ttl.total_seconds() // 60)
    return lambda: sms.send_sms(phone, "sign_in_code", {"code": code, "minutes": minutes})


def verify_code(session: Session, phone: str, code: str, secret: str,
                rules: SignInRules = SignInRules()) -> ApplicantAccount:
    """The account of `phone` (created on first sign-in) if `code` is its latest code.
    Wrong tries count against the code whether the caller commits or not (see the API)."""
    phone = _check_phone(phone)
    code = (code or "").strip()
    if not re.fullmatch(r"[0-9]{6}", code):
        raise ValidationFailed("请输入 6 位数字验证码", {"code": ["请输入 6 位数字验证码"]})
    now = clock.now()
    row = session.scalar(select(SignInCode).where(SignInCode.phone == phone).order_by(SignInCode.created_at.desc())
                         .limit(1).with_for_update(of=SignInCode))
    if row is None:
        raise ValidationFailed("请先获取验证码", {"code": ["请先获取验证码"]})
    if row.used_at is not None:
        raise ValidationFailed("验证码已使用，请重新获取", {"code": ["验证码已使用，请重新获取"]})
    if row.expires_at <= now:
        raise ValidationFailed("验证码已过期，请重新获取", {"code": ["验证码已过期，请重新获取"]})
    if row.attempts >= rules.max_attempts:
        raise ValidationFailed("验证码错误次数过多，请重新获取", {"code": ["错误次数过多，请重新获取"]})
    if not hmac.compare_digest(row.code_hash, _digest(secret, phone, code)):
        # One atomic increment per wrong try, whatever else runs at the same time.
        session.execute(update(SignInCode).where(SignInCode.id == row.id)
                        .values(attempts=SignInCode.attempts + 1))
        session.refresh(row)
        left = max(0, rules.max_attempts - row.attempts)
        raise ValidationFailed("验证码不正确" + (f"，还可尝试 {left} 次" if left else "，请重新获取"),
                               {"code": ["验证码不正确"]}, attempts_left=left)
    row.used_at = now
    account = session.scalar(select(ApplicantAccount).where(ApplicantAccount.phone == phone))
    if account is None:
        account = ApplicantAccount(phone=phone, token_version=1, created_at=now)
        session.add(account)
    account.last_sign_in_at = now
    session.flush()
    return account


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_TOKEN_SALT, signer=ClockSigner)


SESSIONS_KEPT = timedelta(days=7)  # ended or expired sessions are forgotten after this


def open_session(session: Session, account: ApplicantAccount, channel: str) -> str:
    """A new server-side session of `account` (in the caller's transaction); returns its key."""
    now = clock.now()
    session.execute(delete(ApplicantSession).where(ApplicantSession.created_at < now - SESSIONS_KEPT))
    key = secrets.token_urlsafe(32)
    session.add(ApplicantSession(key=key, account_id=account.id, channel=channel, created_at=now))
    return key


def _live(session: Session, account_id: object, version: object, key: object) -> ApplicantAccount | None:
    """The account, if the session `key` is its own and still open and the account was not signed
    out everywhere since (token_version)."""
    if not (isinstance(account_id, int) and isinstance(key, str)):
        return None
    row = session.scalar(select(ApplicantSession).where(ApplicantSession.key == key))
    if row is None or row.account_id != account_id or row.signed_out_at is not None:
        return None
    account = session.get(ApplicantAccount, account_id)
    return account if account is not None and account.token_version == version else None


def account_of_session(session: Session, ident: dict) -> ApplicantAccount | None:
    """The account a page session (the signed cookie's {"id", "v", "s"}) names, if still signed in."""
    return _live(session, ident.get("id"), ident.get("v"), ident.get("s"))


def cookie_of(account: ApplicantAccount, key: str) -> dict:
    """What a page's signed cookie keeps of a sign-in."""
    return {"id": account.id, "v": account.token_version, "s": key}


def issue_token(account: ApplicantAccount, key: str, secret: str) -> str:
    return _serializer(secret).dumps({"a": account.id, "v": account.token_version, "s": key})


def session_of_token(token: str, secret: str) -> str | None:
    """The session key a token carries (already checked by account_from_token)."""
    try:
        key = _serializer(secret).loads(token).get("s")
    except BadSignature:
        return None
    return key if isinstance(key, str) else None


def account_from_token(session: Session, token: str, secret: str, max_age: int) -> ApplicantAccount | None:
    """The account an applicant token names; None if it is not an applicant token at all."""
    try:
        payload = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired:
        raise NotAuthenticated("登录已过期，请重新登录") from None
    except BadSignature:
        return None
    account = _live(session, payload.get("a"), payload.get("v"), payload.get("s"))
    if account is None:
        raise NotAuthenticated("登录已失效，请重新登录")
    return account


def send_code(session: Session, phone: str, address: str, secret: str, sms: SmsChannel,
              rules: SignInRules = SignInRules()) -> None:
    """Record a code for `phone` and send it once that is committed."""
    with unit_of_work(session):
        send = request_code(session, phone, address, secret, sms, rules)
    send()


def sign_in(session: Session, phone: str, code: str, secret: str, channel: str) -> tuple[ApplicantAccount, str]:
    """(the account `phone` signs in to with `code`, the key of its new session on `channel`,
    page or api). A wrong try is committed before the error goes out: it counts against the code
    even though the request fails."""
    try:
        found = verify_code(session, phone, code, secret)
    except ValidationFailed:
        commit(session)
        raise
    key = open_session(session, found, channel)
    commit(session)
    return found, key


def sign_out(session: Session, key: str | None) -> None:
    """End one session on the server: its cookie or token no longer opens anything."""
    if not key:
        return
    with unit_of_work(session):
        session.execute(update(ApplicantSession).where(ApplicantSession.key == key,
                                                       ApplicantSession.signed_out_at.is_(None))
                        .values(signed_out_at=clock.now()).execution_options(synchronize_session=False))


def sign_out_everywhere(session: Session, account: ApplicantAccount) -> None:
    """End every session of the account, on every device (and any token issued before)."""
    with unit_of_work(session):
        account.token_version += 1
        session.execute(update(ApplicantSession).where(ApplicantSession.account_id == account.id,
                                                       ApplicantSession.signed_out_at.is_(None))
                        .values(signed_out_at=clock.now()).execution_options(synchronize_session=False))
