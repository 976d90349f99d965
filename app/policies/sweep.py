"""The policy timer (art. 30), run by the scheduler on every round and by `flask policies sweep`:
the owner of an unpublished policy is warned once working day 12 has ended, and a policy still
unpublished after working day 15 is flagged overdue once, for its owner and the administrators.

Exactly once, however many schedulers run: each flag is set by a conditional UPDATE (… WHERE
warned_at IS NULL) and the message is queued only by the transaction whose UPDATE took the row.
"""
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import clock
from app.auth import roles as R
from app.auth.models import User, UserRole
from app.calendar import service as calendar
from app.database import rowcount, unit_of_work
from app.notify import service as notify
from app.policies.models import DRAFT, Policy
from app.policies.service import PUBLISH_DAYS, apply_deadlines, working_days_left
from app.settings import Settings


def sweep(session: Session, settings: Settings) -> dict:
    now = clock.now()
    counts = {"recounted": _recount(session, now, settings), "warned": 0, "overdue": 0}
    due_soon = select(Policy.id).where(Policy.state == DRAFT, Policy.warned_at.is_(None), Policy.warn_at <= now,
                                       Policy.publish_due >= now)
    for policy_id in list(session.scalars(due_soon)):
        counts["warned"] += _flag(session, policy_id, Policy.warned_at, now, _warn)
    overdue = select(Policy.id).where(Policy.state == DRAFT, Policy.overdue_at.is_(None), Policy.publish_due < now)
    for policy_id in list(session.scalars(overdue)):
        counts["overdue"] += _flag(session, policy_id, Policy.overdue_at, now, _overdue)
    return counts


def _recount(session: Session, now: datetime, settings: Settings) -> int:
    """Deadlines of unpublished policies follow the calendar: after a correction or a newly
    entered year they are counted again (a withdrawn warning may then be given again).
    Each draft is locked first: a publish or an edit under way is never overwritten with
    deadlines counted from what it replaced; a row locked now is recounted on the next round."""
    working, moved = calendar.working(session, settings.end_of_day), 0
    drafts = (select(Policy).where(Policy.state == DRAFT).order_by(Policy.id)
              .with_for_update(of=Policy, skip_locked=True).execution_options(populate_existing=True))
    with unit_of_work(session):
        for row in session.scalars(drafts):
            moved += apply_deadlines(row, working, now)
    return moved


def _flag(session: Session, policy_id: int, column, now: datetime, tell) -> int:
    with unit_of_work(session):
        taken = session.execute(update(Policy).where(Policy.id == policy_id, Policy.state == DRAFT, column.is_(None))
                                .values({column.key: now}).execution_options(synchronize_session=False))
        if rowcount(taken) != 1:
            return 0  # another scheduler got there first
        row = session.get(Policy, policy_id, populate_existing=True)
        tell(session, row, now)
    return 1


def _due(row: Policy) -> str:
    return clock.chinese_date(row.publish_due)


def _warn(session: Session, row: Policy, now: datetime) -> None:
    left = working_days_left(row, calendar.current(session), now)
    text = (f"政策文件《{row.title}》须于{_due(row)}前公开（自制定之日起 {PUBLISH_DAYS} 个工作日内），"
            f"还剩 {left} 个工作日，请尽快发布。")
    _tell(session, [row.owner], "policy_warning", text, row, {"days_left": left}, "政策文件即将到期")


def _overdue(session: Session, row: Policy, now: datetime) -> None:
    text = (f"政策文件《{row.title}》已超过公开期限（应于{_due(row)}前公开，自制定之日起 {PUBLISH_DAYS} 个工作日），"
            f"责任人：{row.owner.display_name}，请立即公开。")
    admins = session.scalars(select(User).join(UserRole).where(UserRole.role == R.ADMIN, UserRole.hall_id.is_(None),
                                                               User.active.is_(True)))
    _tell(session, [row.owner, *admins], "policy_overdue", text, row, {}, "政策文件已超期未公开")


def _tell(session: Session, people: list[User], kind: str, text: str, row: Policy, params: dict, subject: str) -> None:
    """One message per person (by each address they gave); people without one see it on the page."""
    for person in {p.id: p for p in people}.values():
        notify.queue(session, kind=kind, text=text, phone=person.phone, email=person.email,
                     params={"policy_id": row.id, "title": row.title, "due": _due(row), "to": person.username,
                             **params},
                     subject=f"【鄠邑政务服务】{subject}：{row.title}"[:200])
