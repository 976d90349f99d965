"""How close a deadline is: working days left and the warning colour clerks see.

green: comfortably in time; yellow: at most WARNING_DAYS_LEFT working days left, or at most
WARNING_FRACTION of the limit; red: overdue. Both thresholds come from the settings
(Settings.warnings), passed in by whoever presents the deadline.
"""
import math
from datetime import datetime

from app import clock
from app.calendar.days import HolidayData, working_days_between
from app.settings import WarningThresholds

GREEN, YELLOW, RED = "green", "yellow", "red"


def assess(due: datetime | None, limit_days: int | None, data: HolidayData, thresholds: WarningThresholds,
           now: datetime | None = None) -> dict | None:
    """{"due_at", "working_days_left", "warning"} for a deadline, or None without one."""
    if due is None:
        return None
    now = now or clock.now()
    today = now.astimezone(clock.LOCAL_TZ).date()
    left = working_days_between(today, due.astimezone(clock.LOCAL_TZ).date(), data)
    if now > due:
        warning = RED
    elif left <= thresholds.days_left or (limit_days and left <= math.ceil(limit_days * thresholds.fraction)):
        warning = YELLOW
    else:
        warning = GREEN
    return {"due_at": due, "working_days_left": left, "warning": warning}


def current_deadline(case, data: HolidayData, thresholds: WarningThresholds, now: datetime | None = None) -> dict | None:
    """The deadline a case is running against now: acceptance before it is accepted, then the
    promised decision limit; none once decided, closed or paused."""
    if case.closed or case.special_procedure:
        return None
    if case.accepted_at is None:
        if case.status != "submitted":
            return None
        found = assess(case.acceptance_due, 1, data, thresholds, now)
        return found and {"kind": "acceptance", **found}
    if case.status != "under_review":
        return None
    found = assess(case.decision_due, case.guide.promised_limit_days, data, thresholds, now)
    return found and {"kind": "decision", **found}
