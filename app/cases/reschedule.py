"""Moving a case's deadlines to where their rules now put them: shared by recomputation
(the calendar changed) and special procedures (the clock was paused)."""
from datetime import date, datetime

from app import clock
from app.calendar.days import WorkingCalendar
from app.cases.sync import apply_deadline_rules
from app.engine.deadlines import DeadlineRecord

_CASE_LABELS = {"acceptance_due": "受理期限", "decision_due": "承诺办结期限", "legal_due": "法定办结期限"}


def local_day(when: datetime) -> str:
    return f"{when.astimezone(clock.LOCAL_TZ):%Y-%m-%d}"


def timer(step, job, rule: dict, calendar: WorkingCalendar) -> str | None:
    """Count the job's deadline by `rule` and move its waiting engine timer there (the step's
    sync then updates the job). Returns what changed, for the history."""
    start = date.fromisoformat(rule["start"])
    when, provisional = calendar.deadline(start, rule["days"])
    job.provisional = provisional
    if not step.instance.set_timer_due(job.engine_task_id, when):
        return None
    step.deadlines.append(DeadlineRecord(job.engine_task_id, start, rule["days"], when, provisional))
    return None if when == job.due_at else f"期限 {local_day(job.due_at)} → {local_day(when)}"


def task(row, rule: dict, calendar: WorkingCalendar) -> str | None:
    """Count an open task's due date by `rule`."""
    when, provisional = calendar.deadline(date.fromisoformat(rule["start"]), rule["days"])
    change = None if when == row.due_at else f"“{row.title}”办理期限 {local_day(row.due_at)} → {local_day(when)}"
    row.due_at, row.due_rule, row.due_provisional = when, rule, provisional
    return change


def case_deadlines(case) -> list[str]:
    """Set the case's due dates from its rules (on the step's calendar); returns what changed."""
    before = {attr: getattr(case, attr) for attr in _CASE_LABELS}
    apply_deadline_rules(case)
    return [f"{_CASE_LABELS[attr]} {local_day(due)} → {local_day(getattr(case, attr))}"
            for attr, due in before.items() if due and getattr(case, attr) != due]
