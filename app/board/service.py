"""The director's board (大厅运行看板): what a hall's supervisors, chief representatives and
administrators need to see at a glance, each figure one grouped SQL query over indexed columns
(no case is loaded to be counted), for the halls the viewer may see."""
from datetime import datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app import clock
from app.appointments.models import BOOKED, Appointment, AppointmentSlot
from app.auth import roles as R
from app.auth.models import Hall, User
from app.auth.principal import Principal
from app.calendar import service as calendar
from app.calendar.days import working_days_between
from app.cases import overdue
from app.cases.models import AWAITING_DELIVERY, CLOSED_STATUSES, STATUS_LABELS, SUBMITTED, Case
from app.cases.receiving import CHANNELS
from app.cases.tasks import COMPLETED, OPEN, Task
from app.catalog.models import ServiceItem
from app.consultations.models import OPEN as CONSULTATION_OPEN
from app.consultations.models import Consultation
from app.documents.delivery import PICKUP_CODE_LOCKOUTS
from app.errors import NotFound, PermissionDenied
from app.evaluation.models import LEVELS, Complaint, Evaluation, Rectification
from app.settings import WarningThresholds

VIEWER_ROLES = (R.SUPERVISOR, R.CHIEF_REPRESENTATIVE)
OVERDUE_LISTED = 20
PAUSED_LABEL = "特别程序中（暂停计时）"


def halls_of(session: Session, principal: Principal) -> list[Hall]:
    """The halls whose board this person may see: every hall for administrators."""
    stmt = select(Hall).order_by(Hall.id)
    if not principal.is_admin:
        ids = principal.halls_for(*VIEWER_ROLES)
        if not ids:
            raise PermissionDenied("只有大厅的督查人员、首席代表和系统管理员可以查看运行看板")
        stmt = stmt.where(Hall.id.in_(ids))
    return list(session.scalars(stmt))


def scope(session: Session, principal: Principal, hall_code: str | None) -> tuple[list[Hall], list[Hall]]:
    """(the halls shown, every hall the viewer may choose): one hall by code, or all of them."""
    mine = halls_of(session, principal)
    if not hall_code:
        return mine, mine
    chosen = [h for h in mine if h.code == hall_code]
    if not chosen:
        raise NotFound(f"没有您可查看的大厅 {hall_code}")
    return chosen, mine


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.LOCAL_TZ)


def snapshot(session: Session, halls: list[Hall], thresholds: WarningThresholds) -> dict:
    now = clock.now()
    today = now.astimezone(clock.LOCAL_TZ).date()
    monday = today - timedelta(days=today.weekday())
    ids = [h.id for h in halls]
    in_halls = Case.hall_id.in_(ids)
    return {
        "halls": [{"code": h.code, "name": h.name} for h in halls],
        "generated_at": now.isoformat(),
        "intake_today": _intake(session, in_halls, _day_start(today)),
        "pending_by_stage": _stages(session, in_halls),
        "deadlines": _deadlines(session, in_halls, thresholds, now),
        "overdue": _overdue(session, in_halls, thresholds, now),
        "workload": _workload(session, ids, now, _day_start(today)),
        "no_shows": _no_shows(session, ids, now, monday),
        "backlog": _backlog(session, ids, now),
        "ratings_week": _ratings(session, in_halls, _day_start(monday)),
    }


def _intake(session: Session, in_halls, since: datetime) -> dict:
    rows = session.execute(select(Case.channel, func.count()).where(in_halls, Case.created_at >= since)
                           .group_by(Case.channel)).all()
    by_channel = [{"channel": c, "label": CHANNELS.get(c, "其他渠道"), "count": n} for c, n in sorted(rows)]
    return {"total": sum(r["count"] for r in by_channel), "by_channel": by_channel}


def _stages(session: Session, in_halls) -> list[dict]:
    is_open = Case.status.notin_(CLOSED_STATUSES)
    paused = ~overdue.no_procedure()
    rows = dict(session.execute(select(Case.status, func.count()).where(in_halls, is_open, ~paused)
                                .group_by(Case.status)).all())
    out = [{"status": s, "label": label, "count": rows.get(s, 0)}
           for s, label in STATUS_LABELS.items() if s not in CLOSED_STATUSES]
    held = session.scalar(select(func.count()).select_from(Case).where(in_halls, is_open, paused)) or 0
    out.append({"status": "paused", "label": PAUSED_LABEL, "count": held})
    return out


SUSPENDED = "suspended"  # the cases list's filter for the board's 暂停窗口领取 tile


def pickup_suspended():
    """Window pickup stopped after repeated wrong codes, waiting for a supervisor's reset."""
    return and_(Case.status == AWAITING_DELIVERY, Case.pickup_code_lockouts >= PICKUP_CODE_LOCKOUTS)


def _deadlines(session: Session, in_halls, thresholds: WarningThresholds, now: datetime) -> dict:
    """Open cases by the colour of the deadline they run against; `untimed`: the open cases not
    running against one now (补正, 特别程序, 待送达); `suspended`: window pickup suspended."""
    conditions = overdue.colour_conditions(session, calendar.current(session), thresholds, now)
    counts = {}
    for colour, condition in conditions.items():
        counts[colour] = session.scalar(select(func.count()).select_from(Case).where(in_halls, condition)) or 0
    open_count = session.scalar(select(func.count()).select_from(Case).where(
        in_halls, Case.status.not_in(CLOSED_STATUSES))) or 0
    counts["untimed"] = open_count - sum(counts[c] for c in conditions)
    counts[SUSPENDED] = session.scalar(select(func.count()).select_from(Case).where(in_halls, pickup_suspended())) or 0
    return counts


def _overdue(session: Session, in_halls, thresholds: WarningThresholds, now: datetime) -> list[dict]:
    red = overdue.colour_conditions(session, calendar.current(session), thresholds, now)[overdue.RED]
    due = func.coalesce(Case.decision_due, Case.acceptance_due)
    rows = session.execute(
        select(Case.id, Case.case_no, Case.status, Case.accepted_at, Case.acceptance_due, Case.decision_due,
               Case.applicant_name, ServiceItem.name)
        .join(ServiceItem, ServiceItem.id == Case.item_id)
        .where(in_halls, red).order_by(due, Case.id).limit(OVERDUE_LISTED)).all()
    handlers = _handlers(session, [r[0] for r in rows])
    data = calendar.current(session)
    today = now.astimezone(clock.LOCAL_TZ).date()
    out = []
    for case_id, case_no, status, accepted_at, acceptance_due, decision_due, applicant, item in rows:
        accepting = status == SUBMITTED and accepted_at is None
        deadline = acceptance_due if accepting else decision_due
        assert deadline is not None  # a red case runs against a deadline (overdue.colour_conditions)
        out.append({"id": case_id, "case_no": case_no, "item": item, "applicant": applicant,
                    "status_label": STATUS_LABELS.get(status, "办理中"),
                    "kind_label": "受理期限" if accepting else "办结期限",
                    "due_at": deadline.isoformat(),
                    "working_days_over": max(0, working_days_between(deadline.astimezone(clock.LOCAL_TZ).date(),
                                                                     today, data)),
                    "handlers": handlers.get(case_id, [])})
    return out


def _handlers(session: Session, case_ids: list[int]) -> dict[int, list[str]]:
    """Who holds each case now: the open steps and, when claimed, the clerk."""
    out: dict[int, list[str]] = {}
    if not case_ids:
        return out
    rows = session.execute(select(Task.case_id, Task.title, Task.role, User.display_name)
                           .outerjoin(User, User.id == Task.assignee_id)
                           .where(Task.case_id.in_(case_ids), Task.state == OPEN).order_by(Task.created_at)).all()
    for case_id, title, role, name in rows:
        out.setdefault(case_id, []).append(f"{title}（{name or R.ROLE_LABELS.get(role, '待认领')}）")
    return out


def _workload(session: Session, hall_ids: list[int], now: datetime, today_start: datetime) -> dict:
    in_halls = Task.hall_id.in_(hall_ids)
    posts = session.execute(
        select(Task.role, func.count(), func.count(Task.assignee_id),
               func.count().filter(Task.due_at < now))
        .where(Task.state == OPEN, in_halls).group_by(Task.role)).all()
    by_post = [{"role": role, "label": R.ROLE_LABELS.get(role, "其他岗位"), "open": n, "unclaimed": n - claimed,
                "overdue": late} for role, n, claimed, late in sorted(posts, key=lambda r: -r[1])]
    holding = {uid: n for uid, n in session.execute(select(Task.assignee_id, func.count()).where(
        Task.state == OPEN, in_halls, Task.assignee_id.isnot(None)).group_by(Task.assignee_id)) if uid is not None}
    done = {uid: n for uid, n in session.execute(select(Task.completed_by_id, func.count()).where(
        Task.state == COMPLETED, in_halls, Task.completed_at >= today_start,
        Task.completed_by_id.isnot(None)).group_by(Task.completed_by_id)) if uid is not None}
    people = set(holding) | set(done)
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(people))).all()) if people else {}
    rows = [(holding.get(uid, 0), done.get(uid, 0), names.get(uid, "（已删除的用户）")) for uid in people]
    by_clerk = [{"name": name, "open": held, "completed_today": finished}
                for held, finished, name in sorted(rows, key=lambda r: (-r[0] - r[1], r[2]))]
    return {"by_post": by_post, "by_clerk": by_clerk}


def _no_shows(session: Session, hall_ids: list[int], now: datetime, monday) -> dict:
    """Bookings still 'booked' after their slot ended, this week (a derived state: not stored)."""
    local = now.astimezone(clock.LOCAL_TZ)
    today, hhmm = local.date(), local.strftime("%H:%M")
    ended = or_(Appointment.day < today, and_(Appointment.day == today, AppointmentSlot.ends <= hhmm))
    rows = session.execute(
        select(Appointment.booking_no, Appointment.name, Appointment.day, AppointmentSlot.starts,
               AppointmentSlot.ends, ServiceItem.name)
        .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
        .join(ServiceItem, ServiceItem.id == Appointment.item_id)
        .where(Appointment.hall_id.in_(hall_ids), Appointment.state == BOOKED, Appointment.day >= monday,
               Appointment.day <= today, ended)
        .order_by(Appointment.day.desc(), AppointmentSlot.starts)).all()
    listed = [{"booking_no": no, "name": name, "day": day.isoformat(), "time": f"{starts}–{ends}", "item": item}
              for no, name, day, starts, ends, item in rows[:OVERDUE_LISTED]]
    return {"today": sum(1 for r in rows if r[2] == today), "week": len(rows), "list": listed}


def _backlog(session: Session, hall_ids: list[int], now: datetime) -> dict:
    def open_and_late(model, open_condition) -> tuple[int, int]:
        found = session.execute(select(func.count(), func.count().filter(model.due_at < now))
                                .where(model.hall_id.in_(hall_ids), open_condition)).one()
        return found[0], found[1]

    consultations = open_and_late(Consultation, Consultation.state == CONSULTATION_OPEN)
    complaints = open_and_late(Complaint, Complaint.state == "open")
    rectifications = open_and_late(Rectification, Rectification.state == "open")
    return {"consultations": {"open": consultations[0], "overdue": consultations[1]},
            "complaints": {"open": complaints[0], "overdue": complaints[1]},
            "rectifications": {"open": rectifications[0], "overdue": rectifications[1]}}


def _ratings(session: Session, in_halls, since: datetime) -> dict:
    rows = dict(session.execute(select(Evaluation.level, func.count()).join(Case, Case.id == Evaluation.case_id)
                                .where(in_halls, Evaluation.created_at >= since).group_by(Evaluation.level)).all())
    total = sum(rows.values())
    good = rows.get(5, 0) + rows.get(4, 0)
    return {"since": since.date().isoformat(), "total": total,
            "by_level": [{"level": level, "label": label, "count": rows.get(level, 0)} for level, label in LEVELS.items()],
            "bad": rows.get(2, 0) + rows.get(1, 0),
            "satisfaction": round(100 * good / total, 1) if total else None}
