"""Recomputing working-day deadlines after the calendar changed.

When a year's official schedule is entered (or an administrator corrects a day), every
pending deadline whose span touches the changed days is counted again: timers (the job
row and the waiting engine task), open tasks' due dates, and the cases' acceptance and
decision deadlines. Each case is updated in its own engine step and its history says what
moved and why.
"""
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeGuard

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.calendar import service as calendar
from app.cases import cycle, reschedule
from app.cases.cycle import CaseRuntime
from app.cases.models import CLOSED_STATUSES, Case
from app.cases.tasks import OPEN, Task
from app.database import unit_of_work
from app.timers.models import PENDING, Job

log = logging.getLogger(__name__)


@dataclass
class Counts:
    cases: int = 0
    timers: int = 0
    tasks: int = 0
    failed: list = field(default_factory=list)  # case ids that could not be recounted

    def to_dict(self) -> dict:
        return {"cases": self.cases, "timers": self.timers, "tasks": self.tasks, "failed": self.failed}


def _touches(rule: dict | None, due: datetime | None, first: date, last: date) -> TypeGuard[dict]:
    """Whether a deadline counted by `rule` and due at `due` meets [first, last] (then it has a rule)."""
    if not rule or due is None:
        return False
    start = date.fromisoformat(rule["start"])
    return start <= last and due.astimezone(clock.LOCAL_TZ).date() >= first



def _case_ids(session: Session, first: date, last: date) -> set[int]:
    ids = set()
    for job in session.scalars(select(Job).where(Job.state == PENDING, Job.due_rule.is_not(None))):
        if _touches(job.due_rule, job.due_at, first, last):
            ids.add(job.case_id)
    for task in session.scalars(select(Task).where(Task.state == OPEN, Task.due_rule.is_not(None))):
        if _touches(task.due_rule, task.due_at, first, last):
            ids.add(task.case_id)
    for case in session.scalars(select(Case).where(Case.status.notin_(CLOSED_STATUSES))):
        dues = [d for d in (case.acceptance_due, case.decision_due, case.legal_due) if d is not None]
        if dues and case.created_at.astimezone(clock.LOCAL_TZ).date() <= last \
                and max(dues).astimezone(clock.LOCAL_TZ).date() >= first:
            ids.add(case.id)
    return ids


def _recompute_case(session: Session, case_id: int, first: date, last: date, reason: str, counts: Counts,
                    runtime: CaseRuntime):
    changes = []
    with cycle.engine_step(session, case_id, "calendar", runtime) as step:
        case = step.case
        for job in [j for j in step.jobs().values() if j.state == PENDING]:
            if _touches(job.due_rule, job.due_at, first, last) \
                    and (change := reschedule.timer(step, job, job.due_rule, step.calendar)):
                changes.append(change)
                counts.timers += 1
        for task in [t for t in step.open_tasks.values() if t.state == OPEN]:
            if _touches(task.due_rule, task.due_at, first, last) \
                    and (change := reschedule.task(task, task.due_rule, step.calendar)):
                changes.append(change)
                counts.tasks += 1
        changes += reschedule.case_deadlines(case)
        if not changes:
            step.save = False
            return
        step.log.append("deadlines_recomputed", "calendar", f"期限已重新计算（{reason}）：" + "；".join(changes),
                        {"reason": reason, "changes": changes})
        counts.cases += 1


def recompute(session: Session, first: date, last: date, reason: str, runtime: CaseRuntime) -> Counts:
    """Recount every pending deadline whose span touches [first, last]."""
    counts = Counts()
    with unit_of_work(session):
        ids = sorted(_case_ids(session, first, last))
    for case_id in ids:
        try:
            with unit_of_work(session):
                _recompute_case(session, case_id, first, last, reason, counts, runtime)
        except Exception:  # one broken case must not keep the others on old deadlines
            log.exception("could not recompute the deadlines of case %s", case_id)
            counts.failed.append(case_id)
    return counts


# --- calendar changes and what they move ------------------------------------------------

def correct_day(session: Session, day: date, is_workday: bool, name: str, actor: str, runtime: CaseRuntime) -> Counts:
    """An administrator's correction of one day; the deadlines it touches move."""
    with unit_of_work(session):
        calendar.set_day(session, day, is_workday, name, actor)
    return recompute(session, day, day, f"管理员调整 {day.isoformat()}", runtime)


def enter_notice(session: Session, rows: list[calendar.DayRow], actor: str, runtime: CaseRuntime) -> tuple[list[int], Counts]:
    """An official holiday notice: each year it covers becomes official; the deadlines reaching
    those years are recounted."""
    with unit_of_work(session):
        years = calendar.load_notice(session, rows, actor)
    return years, _recount_years(session, years, f"录入 {'、'.join(map(str, years))} 年节假日安排", runtime)


def import_official(session: Session, actor: str, runtime: CaseRuntime) -> tuple[list[int], Counts]:
    """(Re)seed the holidays from the chinesecalendar package and recount what they touch."""
    with unit_of_work(session):
        years = calendar.import_chinesecalendar(session, actor)
    return years, _recount_years(session, years, "导入 chinesecalendar 节假日数据", runtime)


def _recount_years(session: Session, years: list[int], reason: str, runtime: CaseRuntime) -> Counts:
    return recompute(session, date(min(years), 1, 1), date(max(years), 12, 31), reason, runtime)
