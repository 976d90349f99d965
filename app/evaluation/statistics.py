"""好差评 statistics (art. 32): per department (the item's implementing body), per hall and per
item — satisfaction rate, bad reviews rectified on time, cases decided on time — over an
optional period, and only for the halls the reader supervises (administrators: all)."""
import re
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from app import clock
from app.auth import roles as R
from app.auth.models import Hall
from app.auth.principal import Principal
from app.cases import models as C
from app.catalog.models import ServiceItem
from app.errors import ValidationFailed
from app.evaluation.models import LEVELS, Evaluation, Rectification

# The statuses a case enters when the office decides on it: the first one reached is the
# decision (approval or denial is recorded as awaiting_delivery before the result goes out).
DECISION_STATUSES = (C.AWAITING_DELIVERY, C.COMPLETED, C.DENIED, C.NOT_ACCEPTED, C.DEEMED_RENEWED)
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


def on_time(to_status: str, from_status: str | None, decided_at: datetime, decision_due: datetime | None,
            acceptance_due: datetime | None) -> bool:
    """Was this decision made by its deadline?

    Approval or denial: by decision_due, the promised limit (承诺办结期限: promised_limit_days
    working days from acceptance, moved by special procedures) — the stricter of the two limits
    and the one the hall publishes; legal_due is only its outer bound. Not accepted: by
    acceptance_due (art. 13, one working day), except when the correction period lapsed — the
    platform decides that at the period's end, the applicant did not act. Deemed renewed
    (art. 14(4)): the law decided because the office did not in time, so never on time."""
    if to_status == C.DEEMED_RENEWED:
        return False
    if to_status == C.NOT_ACCEPTED:
        if from_status == C.AWAITING_CORRECTION:
            return True
        due = acceptance_due
    else:
        due = decision_due
    return due is None or decided_at <= due  # no deadline: nothing to be late for


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
    rectification by its 5-working-day deadline), decisions by when they were made."""
    halls = None if principal.is_admin else principal.halls_for(R.SUPERVISOR)
    low, high = _bounds(start, end)
    names = {h.id: (h.code, h.name) for h in session.scalars(select(Hall))}

    def where(hall_column) -> list:
        return [] if halls is None else [hall_column.in_(halls or {-1})]

    item = (ServiceItem.implementing_body, ServiceItem.code, ServiceItem.name)

    ratings = session.execute(
        select(*item, C.Case.hall_id, Evaluation.level).join(C.Case, C.Case.id == Evaluation.case_id)
        .join(ServiceItem, ServiceItem.id == C.Case.item_id)
        .where(*where(C.Case.hall_id), *_within(Evaluation.created_at, low, high))).all()
    rectifications = session.execute(
        select(*item, Rectification.hall_id, Rectification.state, Rectification.due_at, Rectification.closed_at)
        .join(Evaluation, Evaluation.id == Rectification.evaluation_id).join(C.Case, C.Case.id == Rectification.case_id)
        .join(ServiceItem, ServiceItem.id == C.Case.item_id)
        .where(*where(Rectification.hall_id), *_within(Evaluation.created_at, low, high))).all()
    to = C.CaseEvent.data["to"].as_string()
    first = (select(C.CaseEvent.case_id, func.min(C.CaseEvent.seq).label("seq"))
             .where(C.CaseEvent.kind == "status_changed", to.in_(DECISION_STATUSES))
             .group_by(C.CaseEvent.case_id).subquery())
    decisions = session.execute(
        select(*item, C.Case.hall_id, C.CaseEvent.at, C.CaseEvent.data, C.Case.decision_due, C.Case.acceptance_due)
        .join(first, first.c.case_id == C.Case.id)
        .join(C.CaseEvent, and_(C.CaseEvent.case_id == first.c.case_id, C.CaseEvent.seq == first.c.seq))
        .join(ServiceItem, ServiceItem.id == C.Case.item_id)
        .where(*where(C.Case.hall_id), *_within(C.CaseEvent.at, low, high))).all()

    total = _empty()
    groups: dict[str, dict[str, dict]] = {g: {} for g in GROUPINGS}

    def entries(row, hall_id: int):
        code, hall_name = names.get(hall_id, (str(hall_id), str(hall_id)))
        keys = {"department": (row.implementing_body or "—", row.implementing_body or "—"),
                "hall": (code, hall_name), "item": (row.code, row.name)}
        yield total
        for name, grouping in GROUPINGS.items():
            key, label = keys[grouping]
            yield groups[name].setdefault(key, {"name": label, **_empty()})

    for row in ratings:
        for entry in entries(row, row.hall_id):
            entry["ratings"] += 1
            entry["satisfied"] += row.level >= 3  # 基本满意 and better
    for rect in rectifications:
        for entry in entries(rect, rect.hall_id):
            entry["bad_reviews"] += 1
            entry["open_rectifications"] += rect.state == "open"
            # closed either way (rectified, or found unfounded) by the deadline
            entry["rectified_on_time"] += rect.state != "open" and rect.closed_at is not None and rect.closed_at <= rect.due_at
    for decision in decisions:
        good = on_time(decision.data.get("to"), decision.data.get("from"), decision.at, decision.decision_due,
                       decision.acceptance_due)
        for entry in entries(decision, decision.hall_id):
            entry["cases_decided"] += 1
            entry["decided_on_time"] += good
    levels = {LEVELS[n]: sum(r.level == n for r in ratings) for n in sorted(LEVELS, reverse=True)}
    return {**_finish(total), "levels": levels,
            "period": {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None},
            **{name: {k: _finish(v) for k, v in sorted(found.items())} for name, found in groups.items()}}
