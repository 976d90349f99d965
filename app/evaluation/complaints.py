"""投诉举报 (art. 31): intake by channel (online without signing in, or recorded by staff), an
answer due in 5 working days from the hall's supervisors, sent to the complainant."""

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app import clock
from app.addresses import client_bucket
from app.auth import roles as R
from app.auth.models import Hall
from app.auth.principal import Principal
from app.calendar import service as calendar
from app.cases.history import EventLog
from app.cases.models import Case
from app.cases.service import can_view, visible_case
from app.database import unit_of_work
from app.errors import Conflict, NotFound, PermissionDenied, TooManyRequests, ValidationFailed
from app.evaluation.models import COMPLAINT_CHANNELS, Complaint
from app.notify import service as notify
from app.parties.service import PHONE, normalise_phone
from app.settings import Settings

ANSWER_DAYS = 5


# Who records a complaint taken by window, phone, letter or the 12345 hotline (in the hall it concerns).
RECORDING_ROLES = (R.FRONT_DESK, R.SUPERVISOR, R.CHIEF_REPRESENTATIVE)
# Complaints that came by telephone: the hotline's (12345) need its ticket number (工单号).
TICKETED = ("phone", "hotline")
HOTLINE_TICKET = re.compile(r"[A-Za-z0-9-]{1,40}")


def _ticket(channel: str, ticket: str | None, errors: dict) -> str | None:
    ticket = (ticket or "").strip()
    if channel == "hotline" and not ticket:
        errors["hotline_ticket"] = ["12345 热线转来的投诉请填写工单号"]
    elif ticket and channel in COMPLAINT_CHANNELS and channel not in TICKETED:
        errors["hotline_ticket"] = ["只有电话或 12345 热线投诉填写工单号"]
    elif ticket and not HOTLINE_TICKET.fullmatch(ticket):
        errors["hotline_ticket"] = ["工单号只能由字母、数字和“-”组成，不超过 40 个字符"]
    return ticket or None


def _check(channel: str, name: str, phone: str | None, email: str | None, content: str,
           hotline_ticket: str | None = None) -> dict:
    errors: dict[str, list[str]] = {}
    if channel not in COMPLAINT_CHANNELS:
        errors["channel"] = ["必须是以下之一：" + "、".join(COMPLAINT_CHANNELS.values())]
    ticket = _ticket(channel, hotline_ticket, errors)
    if not (name or "").strip():
        errors["name"] = ["必填项"]
    if not (content or "").strip() or len(content) > 4000:
        errors["content"] = ["请填写投诉内容（不超过 4000 字）"]
    phone = normalise_phone(phone)
    if phone and not PHONE.match(phone):
        errors["phone"] = ["电话号码格式不正确"]
    if not (phone or email):
        errors["phone"] = ["请留下电话或电子邮箱，以便答复"]
    if errors:
        raise ValidationFailed("投诉信息有误", errors)
    return {"channel": channel, "name": name.strip()[:100], "phone": phone,
            "email": (email or "").strip()[:254] or None, "content": content.strip(), "hotline_ticket": ticket}


def _within_limit(session: Session, bucket: str, now: datetime, per_hour: int) -> None:
    # parallel complaints from one address take turns, so they cannot all pass the count
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"complaint:{bucket}"})
    recent = session.execute(select(func.count()).select_from(Complaint).where(
        Complaint.client_bucket == bucket, Complaint.created_at > now - timedelta(hours=1))).scalar_one()
    if recent >= per_hour:
        raise TooManyRequests("提交投诉过于频繁，请一小时后再试，或拨打 12345 热线", retry_after=3600)


def lodge(session: Session, *, channel: str, name: str, phone: str | None, email: str | None, content: str,
          settings: Settings, case: Case | None = None, hall_code: str | None = None,
          recorded_by: str | None = None, client: str | None = None, hotline_ticket: str | None = None) -> Complaint:
    """A complaint; `client` is the address of an online complainant (rate-limited per address,
    IPv6 per /64, like the progress lookup), None when staff record it."""
    details = _check(channel, name, phone, email, content, hotline_ticket)
    bucket = client_bucket(client) if client is not None else None
    now = clock.now()
    hall = case.hall if case else (session.scalar(select(Hall).where(Hall.code == hall_code)) if hall_code else None)
    due, _ = calendar.working(session, settings.end_of_day).deadline(now.astimezone(clock.LOCAL_TZ).date(), ANSWER_DAYS)
    with unit_of_work(session):
        if bucket is not None:
            _within_limit(session, bucket, now, settings.complaints_per_hour)
        row = Complaint(**details, case_id=case.id if case else None, hall_id=hall.id if hall else None,
                        state="open", due_at=due, created_at=now, recorded_by=recorded_by, client_bucket=bucket)
        session.add(row)
        if case is not None:
            EventLog(session, case).append("complaint_received", recorded_by or "applicant",
                                           f"收到投诉（{COMPLAINT_CHANNELS[channel]}），{ANSWER_DAYS} 个工作日内答复",
                                           {"channel": channel})
    return row


def _case_of(session: Session, principal: Principal, case_id: int | None, case_no: str | None) -> Case | None:
    """The case named by its id (the API) or the hall's case number (the page), if the recorder sees it."""
    if case_id:
        return visible_case(session, principal, case_id)
    case_no = (case_no or "").strip().upper()[:32]
    if not case_no:
        return None
    case = session.scalar(select(Case).where(Case.case_no == case_no))
    if case is None or not can_view(principal, case):
        raise ValidationFailed("未找到该办件编号", {"case_no": [f"没有编号为 {case_no} 的办件"]})
    return case


def _hall_of(session: Session, principal: Principal, case: Case | None, hall_code: str | None) -> Hall | None:
    """The hall the complaint concerns: the case's, the one named, or the recorder's own hall."""
    if case is not None:
        return case.hall
    if hall_code:
        hall = session.scalar(select(Hall).where(Hall.code == hall_code))
        if hall is None:
            raise ValidationFailed("大厅不存在", {"hall": [f"没有编码为 {hall_code} 的大厅"]})
        return hall
    own = principal.halls_for(*RECORDING_ROLES)
    if len(own) > 1:
        raise ValidationFailed("请选择投诉所涉大厅", {"hall": ["您在多个大厅任职，请注明大厅"]})
    return session.get(Hall, next(iter(own))) if own else None


def record(session: Session, principal: Principal, *, channel: str, name: str, phone: str | None, content: str,
           settings: Settings, email: str | None = None, case_id: int | None = None, case_no: str | None = None,
           hall_code: str | None = None, hotline_ticket: str | None = None) -> Complaint:
    """A complaint taken by a member of staff (at the window, by phone, by letter, or passed on
    by the 12345 hotline with its ticket number), in the hall it concerns: front desk,
    supervisors and chief representatives of that hall (administrators anywhere)."""
    case = _case_of(session, principal, case_id, case_no)
    hall = _hall_of(session, principal, case, hall_code)
    if not (principal.may(hall.id, *RECORDING_ROLES) if hall is not None else principal.is_admin):
        raise PermissionDenied("只有本大厅的前台受理、督办人员或首席代表可以登记投诉")
    return lodge(session, channel=channel, name=name, phone=phone, email=email, content=content, settings=settings,
                 case=case, hall_code=hall.code if hall is not None else None, recorded_by=principal.username,
                 hotline_ticket=hotline_ticket)


def ticket_label(row: Complaint) -> str | None:
    """How a page names the complaint's ticket beside its channel (12345 热线，工单 HY-2026-000123)."""
    if not row.hotline_ticket:
        return None
    return "工单 " + row.hotline_ticket


def visible(session: Session, principal: Principal) -> list[Complaint]:
    stmt = select(Complaint).order_by(Complaint.state != "open", Complaint.due_at)
    if not principal.is_admin:
        halls = principal.halls_for(R.SUPERVISOR) or {-1}
        stmt = stmt.where(Complaint.hall_id.in_(halls))
    return list(session.scalars(stmt))


def case_numbers(session: Session, rows: list[Complaint]) -> dict[int, str]:
    """The hall's case numbers of the cases complained about (pages show those, never row ids)."""
    ids = {r.case_id for r in rows if r.case_id}
    if not ids:
        return {}
    return {case_id: no or "" for case_id, no in session.execute(select(Case.id, Case.case_no).where(Case.id.in_(ids)))}


def answer(session: Session, principal: Principal, complaint_id: int, text: str) -> Complaint:
    if not (text or "").strip():
        raise ValidationFailed("请填写答复", {"answer": ["必填项"]})
    with unit_of_work(session):
        row = session.get(Complaint, complaint_id)
        if row is None or not principal.may(row.hall_id, R.SUPERVISOR):
            raise NotFound("投诉不存在")
        if row.state != "open":
            raise Conflict("投诉已答复")
        row.state, row.answer, row.answered_by, row.answered_at = "answered", text.strip(), principal.username, clock.now()
        notify.queue(session, kind="complaint_answer", text=f"您的投诉已处理：{row.answer}", phone=row.phone,
                     email=row.email, params={"complaint": row.id}, case_id=row.case_id, complaint_id=row.id,
                     subject="【鄠邑政务服务】投诉处理答复")
        case = session.get(Case, row.case_id) if row.case_id else None
        if case is not None:
            EventLog(session, case).append("complaint_answered", principal.username, "投诉已答复", {"complaint_id": row.id})
    return row
