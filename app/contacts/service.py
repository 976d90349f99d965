"""Recording contacts with applicants, and the supervisors' review of the flagged ones.

A contact is in order when the step it happened at declares a contact kind (the BPMN user
task's applicantContact) or when a special procedure that consists in meeting the applicant
(hearing, inspection, expert review) was running. Any other contact is still recorded — the
point is that it is on file — but flagged for the supervisors of the case's hall. Each record
is also an event in the case history.
"""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.auth import roles as R
from app.auth.principal import Principal
from app.cases import cycle
from app.cases.history import EventLog
from app.cases.models import AWAITING_CORRECTION, Case
from app.cases.service import open_tasks, visible_case
from app.cases.tasks import Task
from app.contacts.models import ContactRecord
from app.database import unit_of_work
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.processes.contact_kinds import CONTACT_MODES, PROCEDURE_CONTACTS, contact_label

MAX_SUMMARY = MAX_NOTE = 2000
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years a contact time may name
STATES = ("open", "reviewed")


def _text(value: str | None, field: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed("请填写" + ("接触情况" if field == "summary" else "督查意见"), {field: ["必填项"]})
    if len(value) > limit:
        raise ValidationFailed(f"内容超过 {limit} 个字符", {field: [f"最多 {limit} 个字符"]})
    return value


def _check(mode: str, summary: str | None, occurred_at: datetime | None) -> tuple[str, datetime]:
    if mode not in CONTACT_MODES:
        raise ValidationFailed("接触方式无效", {"mode": ["必须是以下之一：" + "、".join(CONTACT_MODES)]})
    summary = _text(summary, "summary", MAX_SUMMARY)
    now = clock.now()
    if occurred_at is None:
        return summary, now
    # checked before any conversion: a time zone shift of year 1 or 9999 overflows
    if not FIRST_YEAR <= occurred_at.year <= LAST_YEAR:
        raise ValidationFailed("接触时间超出可记录的范围",
                               {"occurred_at": [f"年份须在 {FIRST_YEAR} 至 {LAST_YEAR} 之间"]})
    if occurred_at.tzinfo is None:  # a clerk types the hall's local time
        occurred_at = occurred_at.replace(tzinfo=clock.LOCAL_TZ)
    if occurred_at > now:
        raise ValidationFailed("接触时间不能晚于现在", {"occurred_at": ["不能晚于当前时间"]})
    return summary, occurred_at


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(clock.LOCAL_TZ):%Y-%m-%d %H:%M}"


def _during(task: Task, occurred_at: datetime, now: datetime) -> bool:
    """Did the contact happen while the step was running (an open one runs until now)?"""
    return task.created_at <= occurred_at <= (task.completed_at or now)


def _step(session: Session, principal: Principal, case: Case, task_id: str | None) -> Task | None:
    """The step the contact belongs to: the one named, else the case's open task the clerk works
    (else any open one: a contact during someone else's step is that step's). Whether the contact
    happened while that step ran is for _allowance."""
    if task_id:
        task = session.get(Task, task_id)
        if task is None or task.case_id != case.id:
            raise ValidationFailed("所选环节不属于本办件", {"task_id": ["不是本办件的环节"]})
        return task
    current = open_tasks(session, case.id)
    workable = [t for t in current if principal.can_work(t.role, t.hall_id)]
    return next(iter(workable or current), None)


def _allowance(case: Case, task: Task | None, occurred_at: datetime, now: datetime) -> tuple[str | None, str | None]:
    """(the contact kind that allows it, None) or (None, why it is flagged).

    A step allows the contact it declares only while it runs: naming an earlier step for a
    contact made later does not make the contact that step's."""
    during = task is not None and _during(task, occurred_at, now)
    if task is not None and during and task.applicant_contact:
        return task.applicant_contact, None
    procedure = case.special_procedure or {}
    if procedure.get("kind") in PROCEDURE_CONTACTS \
            and occurred_at >= datetime.fromisoformat(procedure["started_at"]):
        return PROCEDURE_CONTACTS[procedure["kind"]], None
    if task is None and case.status == AWAITING_CORRECTION:
        # the flow waits for the applicant's supplement: taking it in at the window is 收件
        return "receiving", None
    if task is not None and not during:
        until = _local(task.completed_at) if task.completed_at else "今"
        return None, f"接触时间不在环节“{task.title}”的办理期间（{_local(task.created_at)} 至 {until}）"
    if task is not None:
        return None, f"环节“{task.title}”不安排与申请人接触"
    return None, "办件已结束，没有进行中的环节" if case.closed else "办件当前没有安排与申请人接触的环节"


def record(session: Session, principal: Principal, case_id: int, *, mode: str, summary: str | None,
           occurred_at: datetime | None = None, task_id: str | None = None) -> ContactRecord:
    """Record a contact with the case's applicant (staff who see the case)."""
    with unit_of_work(session):
        visible_case(session, principal, case_id)
        summary, occurred_at = _check(mode, summary, occurred_at)
        case = cycle.lock_case(session, case_id)  # history events are chained under the case lock
        if occurred_at < case.created_at:
            raise ValidationFailed("接触时间不能早于办件申请时间",
                                   {"occurred_at": [f"不能早于办件申请时间 {_local(case.created_at)}"]})
        now = clock.now()
        task = _step(session, principal, case, task_id)
        kind, reason = _allowance(case, task, occurred_at, now)
        row = ContactRecord(case_id=case.id, hall_id=case.hall_id, task_id=task.id if task else None,
                            contact_kind=kind, mode=mode, occurred_at=occurred_at, summary=summary,
                            flagged=reason is not None, flag_reason=reason, recorded_by_id=principal.user_id,
                            recorded_at=clock.now())
        session.add(row)
        session.flush()
        where = f"环节“{task.title}”" if task else "无进行中的环节"
        message = (f"{principal.display_name} 记录与申请人接触（{CONTACT_MODES[mode]}，"
                   f"{_local(occurred_at)}，{where}）：{summary}")
        message += f"；违规接触：{reason}，已提交督查" if reason else f"；允许接触环节：{contact_label(kind)}"
        EventLog(session, case).append("applicant_contact", principal.username, message,
                                       {"contact_id": row.id, "mode": mode, "task_id": row.task_id,
                                        "contact_kind": kind, "flagged": row.flagged,
                                        "occurred_at": occurred_at.isoformat()})
    return row


def of_case(session: Session, principal: Principal, case_id: int) -> list[ContactRecord]:
    case = visible_case(session, principal, case_id)
    return list(session.scalars(select(ContactRecord).where(ContactRecord.case_id == case.id)
                                .order_by(ContactRecord.occurred_at.desc(), ContactRecord.id.desc())))


def _supervised(principal: Principal) -> set[int] | None:
    """The halls whose flagged contacts the user reviews (None: all, for admins)."""
    if principal.is_admin:
        return None
    if not principal.has_role(R.SUPERVISOR):
        raise PermissionDenied("只有督办人员可以督查违规接触记录")
    return principal.halls_for(R.SUPERVISOR)


def flagged(session: Session, principal: Principal, state: str = "open") -> list[ContactRecord]:
    if state not in STATES:
        raise ValidationFailed("状态无效", {"state": ["必须是以下之一：" + "、".join(STATES)]})
    halls = _supervised(principal)
    stmt = select(ContactRecord).where(ContactRecord.flagged.is_(True))
    if halls is not None:
        stmt = stmt.where(ContactRecord.hall_id.in_(halls or {-1}))
    if state == "open":
        stmt = stmt.where(ContactRecord.reviewed_at.is_(None)).order_by(ContactRecord.recorded_at, ContactRecord.id)
    else:
        stmt = stmt.where(ContactRecord.reviewed_at.is_not(None)).order_by(ContactRecord.reviewed_at.desc(),
                                                                           ContactRecord.id.desc())
    return list(session.scalars(stmt))


def review(session: Session, principal: Principal, contact_id: int, note: str | None) -> ContactRecord:
    """A supervisor's finding on a flagged contact, once; written into the case history."""
    halls = _supervised(principal)
    note = _text(note, "note", MAX_NOTE)
    with unit_of_work(session):
        row = session.get(ContactRecord, contact_id)
        if row is None or not row.flagged or (halls is not None and row.hall_id not in halls):
            raise NotFound(f"接触记录 {contact_id} 不存在")
        if row.recorded_by_id == principal.user_id:
            raise PermissionDenied("不能督查本人记录的接触，请由本厅其他督办人员督查")
        case = cycle.lock_case(session, row.case_id)
        session.refresh(row)  # a second supervisor waited on the lock: see what the first wrote
        if row.reviewed_at is not None:
            who = row.reviewed_by.display_name if row.reviewed_by else "他人"
            raise Conflict(f"该接触记录已由 {who} 督查", review_note=row.review_note)
        row.reviewed_by_id, row.reviewed_at, row.review_note = principal.user_id, clock.now(), note
        EventLog(session, case).append("contact_reviewed", principal.username,
                                       f"{principal.display_name} 督查违规接触记录：{note}",
                                       {"contact_id": row.id, "note": note})
    return row


def describe(row: ContactRecord) -> dict:
    return {
        "id": row.id, "case_id": row.case_id, "case_no": row.case.case_no,
        "task_id": row.task_id, "step": row.task.title if row.task else None,
        "contact_kind": row.contact_kind, "contact_kind_label": contact_label(row.contact_kind),
        "mode": row.mode, "mode_label": CONTACT_MODES.get(row.mode, row.mode),
        "occurred_at": row.occurred_at.isoformat(), "summary": row.summary,
        "flagged": row.flagged, "flag_reason": row.flag_reason, "state": row.state,
        "recorded_by": row.recorded_by.username, "recorded_by_name": row.recorded_by.display_name,
        "recorded_at": row.recorded_at.isoformat(),
        "review": {"note": row.review_note, "by": row.reviewed_by.username if row.reviewed_by else None,
                   "at": row.reviewed_at.isoformat()} if row.reviewed_at else None,
    }
