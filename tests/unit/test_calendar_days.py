"""Working-day arithmetic against the official 2026 schedule (国务院办公厅 2026 年部分节假日安排)."""
from datetime import date, datetime, time

import pytest

from app import clock
from app.calendar.days import HolidayData, WorkingCalendar, add_working_days, is_working_day, working_days_between


@pytest.fixture(scope="module")
def official():
    from chinese_calendar.constants import holidays, workdays

    overrides = {d: False for d in holidays} | {d: True for d in workdays}
    return HolidayData(overrides=overrides, official_years=frozenset(range(2004, 2027)))


@pytest.mark.parametrize("start, n, expected", [
    ("2026-09-30", 1, "2026-10-08"),   # National Day and Mid-autumn: 1–7 October off
    ("2026-02-13", 1, "2026-02-14"),   # an adjusted Saturday is a working day
    ("2026-02-14", 1, "2026-02-24"),   # Spring Festival: 15–23 February off
    ("2026-04-30", 1, "2026-05-06"),   # Labour Day: 1–5 May off
    ("2026-09-18", 2, "2026-09-21"),   # Sunday 20 September is an adjusted working day
    ("2026-11-30", 0, "2026-11-30"),   # zero days: the day itself
    ("2026-11-27", 1, "2026-11-30"),   # Friday + 1 = Monday
    ("2026-12-31", 1, "2027-01-01"),   # 2027 has no official data here: weekends only
])
def test_add_working_days(official, start, n, expected):
    assert add_working_days(date.fromisoformat(start), n, official).day == date.fromisoformat(expected)


def test_provisional_only_when_a_year_without_data_is_reached(official):
    assert add_working_days(date(2026, 12, 24), 5, official).provisional is False   # ends 31 Dec
    assert add_working_days(date(2026, 12, 24), 6, official).provisional is True    # reaches 2027
    assert add_working_days(date(2027, 3, 1), 0, official).provisional is True


def test_is_working_day(official):
    assert is_working_day(date(2026, 2, 14), official)          # adjusted Saturday
    assert not is_working_day(date(2026, 10, 5), official)      # National Day holiday, a Monday
    assert not is_working_day(date(2026, 11, 28), official)     # an ordinary Saturday
    assert is_working_day(date(2026, 11, 30), official)


def test_working_days_between(official):
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 8), official) == 1
    assert working_days_between(date(2026, 11, 30), date(2026, 12, 7), official) == 5
    assert working_days_between(date(2026, 12, 7), date(2026, 11, 30), official) == -5
    assert working_days_between(date(2026, 11, 30), date(2026, 11, 30), official) == 0


def test_deadline_is_the_end_of_the_day_in_shanghai(official):
    when, provisional = WorkingCalendar(official, clock.LOCAL_TZ).deadline(date(2026, 9, 30), 1)
    assert when == datetime(2026, 10, 8, 23, 59, 59, tzinfo=clock.LOCAL_TZ) and not provisional
    early, _ = WorkingCalendar(official, clock.LOCAL_TZ, time(17, 30)).deadline(date(2026, 9, 30), 1)
    assert early.isoformat() == "2026-10-08T17:30:00+08:00"


def test_bad_input(official):
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 1), -1, official)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 1), 5000, official)
