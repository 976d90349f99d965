"""The warning colours of `warnings.current_deadline` as SQL conditions, so a board can count
them and a list can filter by them over tens of thousands of open cases without loading one.

`working_days_between(today, due)` never decreases as `due` moves later, so "at most k working
days left" is "due before the day after the last date with at most k left": one instant per k.
Yellow's k depends on the promised limit (a fraction of it), so there is one instant per limit
the guide versions use (a small table, read once).
"""
import math
from datetime import date, datetime, timedelta

from sqlalchemy import Text, and_, cast, false, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app import clock
from app.calendar.days import HolidayData, working_days_between
from app.cases.models import SUBMITTED, UNDER_REVIEW, Case
from app.cases.warnings import GREEN, RED, YELLOW
from app.catalog.models import GuideVersion
from app.settings import WarningThresholds

COLOURS = (RED, YELLOW, GREEN)
COLOUR_LABELS = {RED: "已超期", YELLOW: "临近期限", GREEN: "正常"}


def _last_day_within(today: date, k: int, data: HolidayData) -> date:
    """The last date with at most k working days left from today (k >= 0)."""
    day = today
    while working_days_between(today, day + timedelta(days=1), data) <= k:
        day += timedelta(days=1)
    return day


def _start_of(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=clock.LOCAL_TZ)


def _yellow_before(today: date, limit: int | None, data: HolidayData, thresholds: WarningThresholds) -> datetime:
    """Deadlines before this instant (and not yet past) are yellow."""
    k = thresholds.days_left
    if limit:
        k = max(k, math.ceil(limit * thresholds.fraction))
    return _start_of(_last_day_within(today, max(k, 0), data) + timedelta(days=1))


def no_procedure() -> ColumnElement:
    # JSON: a case never paused holds SQL NULL, one whose procedure ended holds JSON null
    return func.coalesce(cast(Case.special_procedure, Text), "null") == "null"


def colour_conditions(session: Session, data: HolidayData, thresholds: WarningThresholds,
                      now: datetime | None = None) -> dict[str, ColumnElement]:
    """{colour: condition on Case}: the case runs against a deadline now (awaiting acceptance or
    under review, no special procedure) and that deadline has this colour."""
    now = now or clock.now()
    today = now.astimezone(clock.LOCAL_TZ).date()
    accepting = and_(Case.status == SUBMITTED, Case.accepted_at.is_(None), Case.acceptance_due.isnot(None))
    reviewing = and_(Case.status == UNDER_REVIEW, Case.accepted_at.isnot(None), Case.decision_due.isnot(None))
    by_limit: dict[int | None, list[int]] = {}
    for version_id, limit in session.execute(select(GuideVersion.id, GuideVersion.promised_limit_days)):
        by_limit.setdefault(limit, []).append(version_id)
    decision_yellow = [and_(Case.guide_version_id.in_(ids), Case.decision_due < _yellow_before(today, limit, data, thresholds))
                       for limit, ids in by_limit.items()]
    acceptance_yellow = Case.acceptance_due < _yellow_before(today, 1, data, thresholds)
    running = and_(or_(accepting, reviewing), no_procedure())
    red = or_(and_(accepting, Case.acceptance_due < now), and_(reviewing, Case.decision_due < now))
    yellow = or_(and_(accepting, Case.acceptance_due >= now, acceptance_yellow),
                 and_(reviewing, Case.decision_due >= now, or_(*decision_yellow) if decision_yellow else false()))
    return {RED: and_(running, red), YELLOW: and_(running, yellow),
            GREEN: and_(running, ~red, ~yellow)}
