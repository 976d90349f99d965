"""The holiday calendar: loading official data, administrators' corrections, and the cached
HolidayData every deadline is computed from."""
import csv
import io
import json
from dataclasses import dataclass
from datetime import date, time

from chinese_calendar.constants import holidays, workdays
from sqlalchemy import delete, extract, select, update
from sqlalchemy.orm import Session

from app import clock, reference
from app.calendar.days import HolidayData, WorkingCalendar, is_working_day
from app.calendar.models import CalendarRevision, CalendarYear, Holiday
from app.errors import ValidationFailed

HOLIDAY_NAMES = {  # chinesecalendar's English names, as the State Council's notices say them
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True)
class DayRow:
    day: date
    is_workday: bool
    name: str


# --- the cached calendar -----------------------------------------------------------------

def revision(session: Session) -> int:
    return session.scalar(select(CalendarRevision.revision).where(CalendarRevision.id == 1)) or 0


def _load(session: Session) -> HolidayData:
    rows = session.scalars(select(Holiday)).all()
    return HolidayData(
        overrides={r.day: r.is_workday for r in rows},
        names={r.day: r.name for r in rows},
        official_years=frozenset(session.scalars(select(CalendarYear.year)).all()),
    )


def current(session: Session) -> HolidayData:
    """The calendar as stored now: cached per worker with the other reference data (no query
    when nothing changed, beyond the one reference revision a request reads)."""
    return reference.cached(session, "holidays", _load)


def working(session: Session, end_of_day: time) -> WorkingCalendar:
    """The calendar deadlines are counted on: the stored holidays, Asia/Shanghai, and the
    installation's end of a deadline day (Settings.end_of_day)."""
    return WorkingCalendar(current(session), clock.LOCAL_TZ, end_of_day)


def _bump(session: Session) -> None:
    if session.get(CalendarRevision, 1) is None:
        session.add(CalendarRevision(id=1, revision=1))
    else:
        session.execute(update(CalendarRevision).where(CalendarRevision.id == 1)
                        .values(revision=CalendarRevision.revision + 1))


# --- loading official data ---------------------------------------------------------------

def _store_year(session: Session, year: int, rows: list[DayRow], source: str, actor: str | None) -> None:
    """Replace a year's schedule with `rows` and mark the year official. Days an administrator
    corrected by hand stay as they are: they are local decisions (a hall closed for a day)."""
    now = clock.now()
    session.execute(delete(Holiday).where(extract("year", Holiday.day) == year, Holiday.source != "admin"))
    kept = set(session.scalars(select(Holiday.day).where(extract("year", Holiday.day) == year)))
    for row in rows:
        if row.day in kept:
            continue
        session.add(Holiday(day=row.day, is_workday=row.is_workday, name=row.name[:100], source=source,
                            updated_at=now, updated_by=actor))
    existing = session.get(CalendarYear, year)
    if existing is None:
        session.add(CalendarYear(year=year, source=source, loaded_at=now))
    else:
        existing.source, existing.loaded_at = source, now


def import_chinesecalendar(session: Session, actor: str | None = None) -> list[int]:
    """(Re)seed every year the chinesecalendar package knows. Returns the years loaded."""
    by_year: dict[int, list[DayRow]] = {}
    for day, name in holidays.items():
        if day.weekday() < 5:  # weekend holidays are days off anyway
            by_year.setdefault(day.year, []).append(DayRow(day, False, HOLIDAY_NAMES.get(name, name)))
    for day, name in workdays.items():
        by_year.setdefault(day.year, []).append(DayRow(day, True, f"{HOLIDAY_NAMES.get(name, name)}调休上班"))
    # a year entered from an official notice is not overwritten by the package's copy
    noticed = set(session.scalars(select(CalendarYear.year).where(CalendarYear.source == "notice")))
    years = sorted(year for year in by_year if year not in noticed)
    for year in years:
        _store_year(session, year, by_year[year], "chinesecalendar", actor)
    _bump(session)
    return years


def parse_notice(text: str, filename: str) -> list[DayRow]:
    """Rows of an official notice: CSV with columns date,is_workday,name, or a JSON list of
    {"date", "is_workday", "name"}. Raises ValidationFailed naming the bad line."""
    if filename.lower().endswith(".json"):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(f"不是有效的 JSON：{exc}", {"file": [str(exc)]}) from None
        if not isinstance(records, list):
            raise ValidationFailed("JSON 应为日期记录的数组", {"file": ["应为数组"]})
    else:
        records = list(csv.DictReader(io.StringIO(text)))
    rows = []
    for number, record in enumerate(records, start=1):
        try:
            day = date.fromisoformat(str(record["date"]).strip())
            flag = str(record["is_workday"]).strip().lower()
            if flag not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(f"is_workday 应为 true/false，而不是 {record['is_workday']!r}")
            rows.append(DayRow(day, flag in ("true", "1", "yes"), str(record.get("name") or "").strip()))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationFailed(f"第 {number} 条记录有误：{exc}", {"file": [f"第 {number} 条：{exc}"]}) from None
    if not rows:
        raise ValidationFailed("通知中没有日期记录", {"file": ["没有记录"]})
    return rows


def load_notice(session: Session, rows: list[DayRow], actor: str | None, source: str = "notice") -> list[int]:
    """Enter an official notice: each year it covers becomes official with exactly these days."""
    by_year: dict[int, list[DayRow]] = {}
    for row in rows:
        by_year.setdefault(row.day.year, []).append(row)
    for year, year_rows in sorted(by_year.items()):
        _store_year(session, year, year_rows, source, actor)
    _bump(session)
    return sorted(by_year)


# --- administrators' corrections and reading ---------------------------------------------

def set_day(session: Session, day: date, is_workday: bool, name: str, actor: str) -> Holiday | None:
    """Make `day` a working day or a day off. A day set back to its weekend rule loses its row."""
    existing = session.get(Holiday, day)
    if is_workday == (day.weekday() < 5) and not name:
        if existing is not None:
            session.delete(existing)
        _bump(session)
        return None
    if existing is None:
        existing = Holiday(day=day)
        session.add(existing)
    existing.is_workday, existing.name, existing.source = is_workday, name[:100], "admin"
    existing.updated_at, existing.updated_by = clock.now(), actor
    _bump(session)
    return existing


def year_view(session: Session, year: int) -> dict:
    data = current(session)
    rows = {r.day: r for r in session.scalars(select(Holiday).where(extract("year", Holiday.day) == year))}
    days = []
    start = date(year, 1, 1)
    for offset in range((date(year + 1, 1, 1) - start).days):
        day = date.fromordinal(start.toordinal() + offset)
        row = rows.get(day)
        days.append({"date": day, "is_workday": is_working_day(day, data), "weekday": day.isoweekday(),
                     "name": row.name if row else None, "source": row.source if row else None})
    return {"year": year, "official": year in data.official_years, "days": days}


def add(session: Session, start: date, n: int, end_of_day: time) -> dict:
    """The deadline n working days after `start` (the `calendar/add` API)."""
    when, provisional = working(session, end_of_day).deadline(start, n)
    return {"date": when.date(), "deadline": when, "provisional": provisional}
