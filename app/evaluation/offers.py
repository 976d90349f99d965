"""请申请人评价: a clerk of the case's hall sends the case to one of the hall's paired tablets
(after a window pickup, or from the dossier); the tablet shows it to the applicant, who rates
this visit through the evaluation service (channel `window_tablet`, one rating per case and
visit). The tablet's device and pairing: tablets.py."""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app import clock
from app.auth.models import User
from app.auth.principal import Principal
from app.cases.models import Case
from app.cases.service import visible_case
from app.database import unit_of_work
from app.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from app.evaluation.models import LEVELS, Evaluation
from app.evaluation.service import rate
from app.evaluation.tablets import PENDING, USED, WITHDRAWN, RatingOffer, RatingTablet
from app.settings import Settings

OFFER_TTL = timedelta(minutes=15)
CHANNEL = "window_tablet"
EXPIRED = "评价邀请已失效，请向窗口工作人员重新发起评价"


@dataclass(frozen=True)
class Shown:
    """What the tablet shows of an offer: nothing of the applicant, nothing of other cases."""

    offer_id: int
    item_name: str
    window: str
    hall_name: str
    clerk: str


def _visit(now) -> str:
    """The visit an on-site rating belongs to (the evaluation service keys it the same way)."""
    return f"{now.astimezone(clock.LOCAL_TZ):%Y-%m-%d}"


def rated_this_visit(session: Session, case_id: int) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Evaluation).where(
        Evaluation.case_id == case_id, Evaluation.visit == _visit(clock.now()))))


def offer(session: Session, principal: Principal, case_id: int, tablet_id: int) -> RatingOffer:
    """Send the case to a tablet of its hall for 15 minutes; a pending offer of that tablet is
    replaced (the applicant in front of it now is this one)."""
    case = visible_case(session, principal, case_id)
    if not principal.works_in(case.hall_id):
        raise PermissionDenied("只能请本大厅办件的申请人评价")
    tablet = session.get(RatingTablet, tablet_id) if tablet_id else None
    if tablet is None or not tablet.paired or tablet.hall_id != case.hall_id:
        raise ValidationFailed("请选择本大厅已配对的评价器", {"tablet": ["请选择本大厅已配对的评价器"]})
    if rated_this_visit(session, case.id):
        raise Conflict("申请人本次已评价过（现场每次一评）")
    now = clock.now()
    with unit_of_work(session, keep_loaded=True):
        session.execute(update(RatingOffer).where(RatingOffer.tablet_id == tablet.id, RatingOffer.state == PENDING)
                        .values(state=WITHDRAWN).execution_options(synchronize_session=False))
        row = RatingOffer(tablet_id=tablet.id, case_id=case.id, offered_by_id=principal.user_id, created_at=now,
                          expires_at=now + OFFER_TTL, state=PENDING)
        session.add(row)
    return row


def _pending(session: Session, tablet: RatingTablet) -> RatingOffer | None:
    return session.scalar(select(RatingOffer).where(
        RatingOffer.tablet_id == tablet.id, RatingOffer.state == PENDING, RatingOffer.expires_at > clock.now())
        .order_by(RatingOffer.id.desc()).limit(1))


def current_id(session: Session, tablet: RatingTablet) -> int | None:
    """The offer the tablet should show now (what its page polls for)."""
    row = _pending(session, tablet)
    return row.id if row is not None else None


def shown(session: Session, tablet: RatingTablet) -> Shown | None:
    row = _pending(session, tablet)
    if row is None:
        return None
    case = session.get(Case, row.case_id)
    clerk = session.get(User, row.offered_by_id)
    if case is None:
        return None
    return Shown(row.id, case.item.name, tablet.window, tablet.hall.name, clerk.display_name if clerk else "")


def submit(session: Session, tablet: RatingTablet, offer_id: int, level: int, comment: str | None,
           settings: Settings) -> Evaluation:
    """The applicant's rating on the tablet: recorded by the evaluation service (a bad one opens
    a rectification) and the offer used, in one transaction. A second rating of the same visit
    is refused by the service; the offer is closed then too, so the tablet goes back to waiting."""
    row = session.get(RatingOffer, offer_id) if offer_id else None
    if row is None or row.tablet_id != tablet.id or row.state != PENDING or row.expires_at <= clock.now():
        raise Conflict(EXPIRED)
    if level not in LEVELS:
        raise ValidationFailed("请选择满意程度", {"level": ["请选择满意程度"]})
    case = session.get(Case, row.case_id)
    if case is None:
        raise Conflict(EXPIRED)
    row.state, row.used_at = USED, clock.now()
    try:
        return rate(session, case, level, CHANNEL, comment, settings)  # commits the offer with the rating
    except Conflict:
        with unit_of_work(session):
            session.execute(update(RatingOffer).where(RatingOffer.id == offer_id).values(state=WITHDRAWN)
                            .execution_options(synchronize_session=False))
        raise
    except DomainError:
        session.rollback()  # refused before its transaction (e.g. too long a comment): the offer stays
        raise


def ratings_of(session: Session, case_id: int) -> list[Evaluation]:
    """The case's ratings, oldest first (the dossier's 评价)."""
    return list(session.scalars(select(Evaluation).where(Evaluation.case_id == case_id).order_by(Evaluation.created_at,
                                                                                                   Evaluation.id)))
