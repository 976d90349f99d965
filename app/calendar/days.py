"""Working-day arithmetic over holiday data. Pure: no Flask, no database.

A year is "official" when its statutory schedule has been entered; outside those years only
weekends count as days off and every answer that looked there is marked provisional.
The starting day is never counted: one working day after a Friday is the next Monday (or an
adjusted Saturday), and a deadline is the end of that day.
"""
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

# A bound on any single computation: ten years of days.
_MAX_STEPS = 3660
# When a deadline day ends unless the installation says otherwise (DEADLINE_TIME).
DEFAULT_END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class HolidayData:
    overrides: Mapping[date, bool] = field(default_factory=dict)  # day -> is a working day
    names: Mapping[date, str] = field(default_factory=dict)
    official_years: frozenset = frozenset()


@dataclass(frozen=True)
class Answer:
    day: date
    provisional: bool


def is_working_day(day: date, data: HolidayData) -> bool:
    if day in data.overrides:
        return data.overrides[day]
    return day.weekday() < 5


def is_provisional(day: date, data: HolidayData) -> bool:
    return day.year not in data.official_years


def add_working_days(start: date, n: int, data: HolidayData) -> Answer:
    """The n-th working day after `start` (n ≥ 0; n = 0 is `start` itself)."""
    if n < 0:
        raise ValueError("n must be ≥ 0")
    day, provisional, counted = start, is_provisional(start, data) and n == 0, 0
    for _ in range(_MAX_STEPS):
        if counted == n:
            return Answer(day, provisional)
        day += timedelta(days=1)
        provisional = provisional or is_provisional(day, data)
        if is_working_day(day, data):
            counted += 1
    raise ValueError(f"{n} working days after {start} is beyond the calendar's reach")


def working_days_between(a: date, b: date, data: HolidayData) -> int:
    """Working days in (a, b]: how many working days from `a` until `b` has ended.
    Negative when b is before a."""
    if b < a:
        return -working_days_between(b, a, data)
    if (b - a).days > _MAX_STEPS:
        raise ValueError("range too long")
    return sum(1 for k in range(1, (b - a).days + 1) if is_working_day(a + timedelta(days=k), data))


@dataclass(frozen=True)
class WorkingCalendar:
    """What a deadline needs: the holiday data, the time zone and when a deadline day ends."""

    data: HolidayData
    tz: tzinfo
    end_of_day: time = DEFAULT_END_OF_DAY

    def end_of(self, day: date) -> datetime:
        """The deadline instant of a day: its end in the calendar's time zone."""
        return datetime.combine(day, self.end_of_day, tzinfo=self.tz)

    def deadline(self, start: date, n: int) -> tuple[datetime, bool]:
        """(the end of the n-th working day after `start`, whether that was provisional)."""
        answer = add_working_days(start, n, self.data)
        return self.end_of(answer.day), answer.provisional
