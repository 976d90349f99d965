"""Working-day helpers for BPMN expressions: `workdays(n)` and `workdays_from(iso_date, n)`.

They return aware ISO-8601 strings, ready for a timer's timeDate or a task's dueDate. The
calendar comes from the step that is running (`calendar_context`, set by app.cases.cycle);
each call is recorded with the engine task that asked, so a deadline computed on a
provisional calendar can be recomputed once the year's official schedule is entered.
"""
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app import clock
from app.calendar.days import HolidayData, WorkingCalendar


@dataclass(frozen=True)
class DeadlineRecord:
    task_id: str | None
    start: date
    days: int
    due: datetime
    provisional: bool


_calendar: ContextVar[WorkingCalendar | None] = ContextVar("onewindow_calendar", default=None)
_records: ContextVar[list | None] = ContextVar("onewindow_deadline_records", default=None)
asking_task: ContextVar[str | None] = ContextVar("onewindow_asking_task", default=None)


# The fallback outside a step: weekends off, everything provisional.
WEEKENDS_ONLY = WorkingCalendar(HolidayData(), clock.LOCAL_TZ)


def _active() -> WorkingCalendar:
    return _calendar.get() or WEEKENDS_ONLY


@contextmanager
def calendar_context(calendar: WorkingCalendar):
    """Run engine work with this calendar; yields the list of deadlines computed meanwhile."""
    records: list[DeadlineRecord] = []
    tokens = (_calendar.set(calendar), _records.set(records))
    try:
        yield records
    finally:
        _calendar.reset(tokens[0])
        _records.reset(tokens[1])


def compute(start: date, n: int) -> tuple[datetime, bool]:
    """(deadline, provisional) n working days after `start` on the active calendar."""
    return _active().deadline(start, n)


def workdays_from(start, n) -> str:
    """End of the n-th working day after `start` (an ISO date or datetime; the start day is
    not counted), as an aware ISO-8601 string in the service centre's time zone."""
    if not isinstance(start, datetime):
        text = str(start).strip()
        start = datetime.fromisoformat(text) if "T" in text and len(text) > 10 else date.fromisoformat(text[:10])
    # a time without a zone is the service centre's local time
    start_day = (start.astimezone(clock.LOCAL_TZ) if start.tzinfo else start).date() if isinstance(start, datetime) \
        else start
    days = int(n)
    if days < 0:
        raise ValueError("workdays: n must be ≥ 0")
    when, provisional = compute(start_day, days)
    records = _records.get()
    if records is not None:
        records.append(DeadlineRecord(asking_task.get(), start_day, days, when, provisional))
    return when.isoformat()


def day_end(day) -> str:
    """The end of a calendar day (an ISO date), e.g. a licence's expiry: not a working-day count."""
    return _active().end_of(date.fromisoformat(str(day).strip()[:10])).isoformat()


def workdays(n) -> str:
    """End of the n-th working day after today."""
    return workdays_from(clock.today().isoformat(), n)


def calendar_days(n) -> str:
    """Deprecated (process versions deployed before working days existed still call it):
    the end of the n-th calendar day after today."""
    day = clock.today() + timedelta(days=int(n))
    return _active().end_of(day).isoformat()


HELPERS = {"workdays": workdays, "workdays_from": workdays_from, "day_end": day_end, "calendar_days": calendar_days}
