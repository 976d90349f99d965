"""评价器 (art. 32, 一次一评): the rating tablet at a window, paired to its hall and window
without a staff login. An administrator registers a tablet and reads a one-time pairing code
(6 digits, 10 minutes, kept only as an HMAC); the tablet that enters it gets a device token
(kept only as a SHA-256) that binds it to the hall and window until it is re-paired or revoked.
Wrong codes are counted per client address like the other public forms (`client_bucket`, rows
of the last hour), so every web worker enforces the same limit. The offers' service and the tablet's rating: offers.py."""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ForeignKey, Index, String, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app import clock
from app.addresses import client_bucket
from app.auth.models import Hall
from app.auth.principal import Principal
from app.database import Base, UTCDateTime, locked, unit_of_work
from app.errors import NotFound, PermissionDenied, TooManyRequests, ValidationFailed

_COOKIE_SALT = "onewindow-rating-tablet"


class RatingTablet(Base):
    """A tablet at a window of a hall. Paired: `device_token_hash` set; revoked: `revoked_at` set."""

    __tablename__ = "rating_tablet"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"), index=True)
    window: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    pairing_code_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    pairing_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    device_token_hash: Mapped[str | None] = mapped_column(String(64))
    paired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(64))

    hall: Mapped[Hall] = relationship(lazy="joined")

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def paired(self) -> bool:
        return self.active and self.device_token_hash is not None


class TabletPairingFailure(Base):
    """A wrong pairing code typed on a tablet: counted per client address for an hour."""

    __tablename__ = "tablet_pairing_failure"
    __table_args__ = (Index("ix_tablet_pairing_failure_address_at", "address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


PENDING, USED, WITHDRAWN = "pending", "used", "withdrawn"


class RatingOffer(Base):
    """请申请人评价: a clerk sends a case to a tablet of the hall; the tablet shows it until it is
    rated (used), replaced by a newer offer or the tablet revoked (withdrawn), or it expires."""

    __tablename__ = "rating_offer"
    __table_args__ = (Index("ix_rating_offer_tablet_id_state", "tablet_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tablet_id: Mapped[int] = mapped_column(ForeignKey("rating_tablet.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    offered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class PairingRules:
    code_ttl: timedelta = timedelta(minutes=10)
    failures_per_address: int = 10  # wrong codes an hour from one client address
    seen_every: timedelta = timedelta(minutes=1)  # how often a tablet's "last seen" is written


RULES = PairingRules()


def _code_hash(secret: str, code: str) -> str:
    return hmac.new(secret.encode(), f"tablet-pairing:{code}".encode(), hashlib.sha256).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise PermissionDenied("只有系统管理员可以管理评价器")


def listing(session: Session, principal: Principal) -> list[RatingTablet]:
    """Every tablet, the active ones first, by hall and window."""
    _check_admin(principal)
    return list(session.scalars(select(RatingTablet).order_by(RatingTablet.revoked_at.is_not(None),
                                                              RatingTablet.hall_id, RatingTablet.window,
                                                              RatingTablet.id)))


def _new_code(session: Session, tablet: RatingTablet, secret: str, now: datetime, rules: PairingRules) -> str:
    """A fresh code for `tablet`, different from every other code still valid."""
    while True:
        code = f"{secrets.randbelow(10 ** 6):06d}"
        digest = _code_hash(secret, code)
        taken = session.scalar(select(func.count()).select_from(RatingTablet).where(
            RatingTablet.pairing_code_hash == digest, RatingTablet.pairing_expires_at > now,
            RatingTablet.id != (tablet.id or -1)))
        if not taken:
            tablet.pairing_code_hash, tablet.pairing_expires_at = digest, now + rules.code_ttl
            return code


def register(session: Session, principal: Principal, hall_code: str, window: str, secret: str,
             rules: PairingRules = RULES) -> tuple[RatingTablet, str]:
    """A new tablet for a window of a hall, and its one-time pairing code (shown once)."""
    _check_admin(principal)
    window = " ".join((window or "").split())
    errors = {}
    hall = session.scalar(select(Hall).where(Hall.code == (hall_code or "")))
    if hall is None:
        errors["hall"] = ["请选择大厅"]
    if not window:
        errors["window"] = ["请填写窗口名称，如 3号窗口"]
    elif len(window) > 32:
        errors["window"] = ["窗口名称不超过 32 个字符"]
    if errors:
        raise ValidationFailed("评价器信息有误", errors)
    assert hall is not None
    taken = session.scalar(select(func.count()).select_from(RatingTablet).where(
        RatingTablet.hall_id == hall.id, RatingTablet.window == window, RatingTablet.revoked_at.is_(None)))
    if taken:
        raise ValidationFailed(f"{hall.name}已有“{window}”的评价器", {"window": ["请先停用原评价器，或为其重新生成配对码"]})
    now = clock.now()
    with unit_of_work(session, keep_loaded=True):
        tablet = RatingTablet(hall_id=hall.id, window=window, created_at=now, created_by=principal.username)
        session.add(tablet)
        code = _new_code(session, tablet, secret, now, rules)
    return tablet, code


def _active(session: Session, tablet_id: int) -> RatingTablet:
    tablet = session.get(RatingTablet, tablet_id)
    if tablet is None or not tablet.active:
        raise NotFound("评价器不存在或已停用")
    return tablet


def new_code(session: Session, principal: Principal, tablet_id: int, secret: str,
             rules: PairingRules = RULES) -> tuple[RatingTablet, str]:
    """A new pairing code for a tablet (a new device, or the first code expired). The device
    paired now keeps working until the new code is used."""
    _check_admin(principal)
    with unit_of_work(session, keep_loaded=True):
        tablet = _active(session, tablet_id)
        code = _new_code(session, tablet, secret, clock.now(), rules)
    return tablet, code


def revoke(session: Session, principal: Principal, tablet_id: int) -> RatingTablet:
    """停用: the device's cookie stops working at once and its pending offer is withdrawn."""
    _check_admin(principal)
    with unit_of_work(session, keep_loaded=True):
        tablet = _active(session, tablet_id)
        tablet.revoked_at, tablet.revoked_by = clock.now(), principal.username
        tablet.device_token_hash = tablet.pairing_code_hash = tablet.pairing_expires_at = None
        session.execute(update(RatingOffer).where(RatingOffer.tablet_id == tablet.id, RatingOffer.state == PENDING)
                        .values(state=WITHDRAWN).execution_options(synchronize_session=False))
    return tablet


def pair(session: Session, code: str, address: str | None, secret: str,
         rules: PairingRules = RULES) -> tuple[RatingTablet, str]:
    """The tablet whose pairing code this is, and the signed device cookie to set. A wrong code
    is recorded (committed although the request fails) and limited per client address."""
    code = "".join((code or "").split())
    if not code.isascii() or not code.isdigit() or len(code) != 6:
        raise ValidationFailed("请输入 6 位数字配对码", {"code": ["请输入 6 位数字配对码"]})
    now, bucket, digest = clock.now(), client_bucket(address), _code_hash(secret, code)
    token = secrets.token_urlsafe(32)
    with unit_of_work(session, keep_loaded=True):
        session.execute(delete(TabletPairingFailure).where(TabletPairingFailure.at < now - timedelta(days=1)))
        failed = session.scalar(select(func.count()).select_from(TabletPairingFailure).where(
            TabletPairingFailure.address == bucket, TabletPairingFailure.at > now - timedelta(hours=1)))
        if (failed or 0) >= rules.failures_per_address:
            raise TooManyRequests("配对码输错次数过多，请一小时后再试", retry_after=3600)
        found = session.scalar(select(RatingTablet.id).where(
            RatingTablet.pairing_code_hash == digest, RatingTablet.revoked_at.is_(None))
            .order_by(RatingTablet.pairing_expires_at.desc()).limit(1))
        tablet = locked(session, RatingTablet, found) if found is not None else None
        if tablet is None or tablet.pairing_code_hash != digest:  # unknown, or used by another device meanwhile
            tablet = None
            session.add(TabletPairingFailure(address=bucket[:64], at=now))
        elif tablet.pairing_expires_at is not None and tablet.pairing_expires_at > now:
            tablet.device_token_hash = _token_hash(token)
            tablet.pairing_code_hash = tablet.pairing_expires_at = None
            tablet.paired_at = tablet.last_seen_at = now
    if tablet is None:
        raise ValidationFailed("配对码不正确，请核对后重新输入", {"code": ["配对码不正确"]})
    if tablet.device_token_hash != _token_hash(token):  # the code ran out before it was entered
        raise ValidationFailed("配对码已过期，请系统管理员重新生成", {"code": ["配对码已过期"]})
    return tablet, URLSafeSerializer(secret, salt=_COOKIE_SALT).dumps({"t": tablet.id, "k": token})


def device(session: Session, cookie: str | None, secret: str, rules: PairingRules = RULES) -> RatingTablet | None:
    """The paired, active tablet a device cookie names, or None (missing, forged, revoked, or
    replaced by a newer pairing). Notes when the tablet was last seen (at most once a minute)."""
    if not cookie or len(cookie) > 400:
        return None
    try:
        payload = URLSafeSerializer(secret, salt=_COOKIE_SALT).loads(cookie)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("t"), int) or not isinstance(payload.get("k"), str):
        return None
    tablet = session.get(RatingTablet, payload["t"])
    if tablet is None or not tablet.paired or tablet.device_token_hash is None \
            or not hmac.compare_digest(tablet.device_token_hash, _token_hash(payload["k"])):
        return None
    now = clock.now()
    if tablet.last_seen_at is None or now - tablet.last_seen_at >= rules.seen_every:
        with unit_of_work(session, keep_loaded=True):
            tablet.last_seen_at = now
    return tablet


def of_hall(session: Session, hall_id: int) -> list[RatingTablet]:
    """The hall's paired tablets, by window: where a clerk may send a rating."""
    return list(session.scalars(select(RatingTablet).where(
        RatingTablet.hall_id == hall_id, RatingTablet.revoked_at.is_(None),
        RatingTablet.device_token_hash.is_not(None)).order_by(RatingTablet.window, RatingTablet.id)))

