"""好差评 statistics (art. 32): per department (the item's implementing body), per hall and per
item — satisfaction rate, bad reviews rectified on time, cases decided on time — over an
optional period, and only for the halls the reader supervises (administrators: all)."""
import re
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.auth import roles as R
from app.auth.models import Hall
from app.auth.principal import Principal
from app.cases import models as C
from app.catalog.models import ServiceItem
from app.errors import ValidationFailed
from app.evaluation.models import LEVELS, Evaluation, Rectification

GROUPINGS = {"by_department": "department", "by_hall": "hall", "by_item": "item"}
# The days a period may name: the platform's records lie well inside, and the bounds' time zone
# and day arithmetic cannot overflow (date.max + 1 day, or year 1 shifted to UTC, would).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def period(start_text: str | None, end_text: str | None) -> tuple[date | None, date | None]:
    """The period asked for (local days, both included); ValidationFailed naming the field."""
    errors: dict[str, list[str]] = {}
    days: dict[str, date | None] = {}
    for field, text in (("from", start_text), ("to", end_text)):
        text = (text or "").strip()
        if not text:
            days[field] = None
            continue
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError(text)
            day = date.fromisoformat(text)
        except ValueError:
            errors[field] = ["日期格式应为 YYYY-MM-DD，例如 2026-12-01"]
            continue
        days[field] = day
        if not FIRST_DAY <= day <= LAST_DAY:
            errors[field] = [f"日期须在 {FIRST_DAY.isoformat()} 至 {LAST_DAY.isoformat()} 之间"]
    if not errors and days["from"] and days["to"] and days["to"] < days["from"]:
        errors["to"] = ["结束日期不能早于开始日期"]
    if errors:
        raise ValidationFailed("统计期间有误", errors)
    return days["from"], days["to"]


def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """[first instant, instant after the last day) in the hall's time zone."""
    return (datetime.combine(start, time(0), clock.LOCAL_TZ) if start else None,
            datetime.combine(end + timedelta(days=1), time(0), clock.LOCAL_TZ) if end else None)


def _within(column, start: datetime | None, end: datetime | None) -> list:
    return ([column >= start] if start else []) + ([column < end] if end else [])


def _empty() -> dict:
    return {"ratings": 0, "satisfied": 0, "bad_reviews": 0, "rectified_on_time": 0, "open_rectifications": 0,
            "cases_decided": 0, "decided_on_time": 0}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _finish(entry: dict) -> dict:
    entry["satisfaction_rate"] = _rate(entry["satisfied"], entry["ratings"])
    entry["decided_on_time_rate"] = _rate(entry["decided_on_time"], entry["cases_decided"])
    return entry


def statistics(session: Session, principal: Principal, start: date | None = None, end: date | None = None) -> dict:
    """Ratings by when they were given, bad reviews by when they were given (their
    rectification by its 5-working-day deadline), decisions by when they were made (recorded on
    the case as they happen). Counted in SQL per item and hall (COUNT … FILTER over indexed
    columns), then folded into departments, halls and items: a handful of rows, whatever the
    number of cases."""
    halls = None if principal.is_admin else principal.halls_for(R.SUPERVISOR)
    low, high = _bounds(start, end)
    names = {h.id: (h.code, h.name) for h in session.scalars(select(Hall))}
    items = {i.id: i for i in session.scalars(select(ServiceItem))}

    def where(hall_column) -> list:
        return [] if halls is None else [hall_column.in_(halls or {-1})]

    count = func.count()
    ratings = session.execute(
        select(C.Case.item_id, C.Case.hall_id, Evaluation.level, count)
        .join(C.Case, C.Case.id == Evaluation.case_id)
        .where(*where(C.Case.hall_id), *_within(Evaluation.created_at, low, high))
        .group_by(C.Case.item_id, C.Case.hall_id, Evaluation.level)).all()
    open_now = Rectification.state == "open"
    rectifications = session.execute(
        select(C.Case.item_id, Rectification.hall_id, count, count.filter(open_now),
               # closed either way (rectified, or found unfounded) by the deadline
               count.filter(~open_now, Rectification.closed_at.is_not(None), Rectification.closed_at <= Rectification.due_at))
        .join(Evaluation, Evaluation.id == Rectification.evaluation_id).join(C.Case, C.Case.id == Rectification.case_id)
        .where(*where(Rectification.hall_id), *_within(Evaluation.created_at, low, high))
        .group_by(C.Case.item_id, Rectification.hall_id)).all()
    decisions = session.execute(
        select(C.Case.item_id, C.Case.hall_id, count, count.filter(C.Case.decided_on_time.is_(True)))
        .where(C.Case.decided_at.is_not(None), *where(C.Case.hall_id), *_within(C.Case.decided_at, low, high))
        .group_by(C.Case.item_id, C.Case.hall_id)).all()

    total = _empty()
    groups: dict[str, dict[str, dict]] = {g: {} for g in GROUPINGS}

    def entries(item_id: int, hall_id: int):
        item = items.get(item_id)
        body = (item.implementing_body if item else None) or "—"
        code, hall_name = names.get(hall_id, (str(hall_id), str(hall_id)))
        keys = {"department": (body, body), "hall": (code, hall_name),
                "item": (item.code, item.name) if item else (str(item_id), str(item_id))}
        yield total
        for name, grouping in GROUPINGS.items():
            key, label = keys[grouping]
            yield groups[name].setdefault(key, {"name": label, **_empty()})

    levels_count: dict[int, int] = {}
    for item_id, hall_id, level, n in ratings:
        levels_count[level] = levels_count.get(level, 0) + n
        for entry in entries(item_id, hall_id):
            entry["ratings"] += n
            entry["satisfied"] += n if level >= 3 else 0  # 基本满意 and better
    for item_id, hall_id, n, still_open, in_time in rectifications:
        for entry in entries(item_id, hall_id):
            entry["bad_reviews"] += n
            entry["open_rectifications"] += still_open
            entry["rectified_on_time"] += in_time
    for item_id, hall_id, n, good in decisions:
        for entry in entries(item_id, hall_id):
            entry["cases_decided"] += n
            entry["decided_on_time"] += good
    levels = {LEVELS[n]: levels_count.get(n, 0) for n in sorted(LEVELS, reverse=True)}
    return {**_finish(total), "levels": levels,
            "period": {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None},
            **{name: {k: _finish(v) for k, v in sorted(found.items())} for name, found in groups.items()}}
