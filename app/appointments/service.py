"""预约 (art. 12): halls publish slots on working days; applicants book online, clerks for a
phone call or a visitor; one active booking per person, item and day; cancelling frees the
seat; on the day the front desk checks the visitor in, which receives the application.

The last seat cannot be sold twice: a booking takes its seat with one conditional UPDATE
(booked < capacity) in the booking's own transaction, so the database decides the race."""
import re
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import clock
from app.appointments.models import BOOKED, CANCELLED, CHANNELS, CHECKED_IN, NO_SHOW_LABEL, STATES, Appointment, AppointmentSlot
from app.auth import roles as R
from app.auth.models import Hall
from app.auth.principal import Principal
from app.calendar import service as calendar
from app.calendar.days import is_working_day
from app.cases import intake, receiving
from app.cases.cycle import CaseRuntime
from app.cases.history import EventLog
from app.cases.models import Case
from app.catalog import guides
from app.catalog.models import ServiceItem
from app.database import locked, rowcount, unit_of_work
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.notify import service as notify
from app.parties import service as parties

MAX_PUBLISH_DAYS = 92        # one quarter of slots at a time
MAX_AHEAD_DAYS = 60          # how far ahead a booking may be made (and slots are listed)
MAX_PUBLISH_AHEAD_DAYS = 366  # how far ahead slots may be published
_TIME_RANGE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$")
MANAGERS = (R.SUPERVISOR, R.CHIEF_REPRESENTATIVE)


def _hall(session: Session, code: str, field: str = "hall") -> Hall:
    hall = session.scalar(select(Hall).where(Hall.code == code))
    if hall is None:
        raise ValidationFailed(f"大厅 {code} 不存在", {field: [f"大厅 {code} 不存在"]})
    return hall


def _item(session: Session, code: str, field: str = "item_code") -> ServiceItem:
    item = session.scalar(select(ServiceItem).where(ServiceItem.code == code))
    if item is None or guides.published_of(session, item) is None:
        raise ValidationFailed(f"事项 {code} 不在已公布的事项目录中", {field: [f"事项 {code} 不在已公布的事项目录中"]})
    return item


def _times(ranges: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for i, value in enumerate(ranges or []):
        value = (value or "").strip()
        if not _TIME_RANGE.match(value) or value[:5] >= value[6:]:
            raise ValidationFailed("时段格式应为 HH:MM-HH:MM，且结束晚于开始", {f"times.{i}": [f"“{value}”格式应为 09:00-10:00"]})
        if any(starts == value[:5] for starts, _ in out):
            raise ValidationFailed("同一开始时间只能有一个时段", {f"times.{i}": [f"开始时间 {value[:5]} 重复"]})
        out.append((value[:5], value[6:11]))
    if not out:
        raise ValidationFailed("请至少给出一个时段", {"times": ["请至少给出一个时段，如 09:00-10:00"]})
    return out


def publish_slots(session: Session, principal: Principal, *, hall_code: str, item_code: str | None,
                  window_group: str | None, date_from: date, date_to: date, times: list[str], capacity: int,
                  ) -> dict:
    """Create the slots of every working day in [date_from, date_to] (holidays skipped, adjusted
    weekend workdays included); slots that already exist are left as they are."""
    hall = _hall(session, hall_code)
    if not principal.may(hall.id, *MANAGERS):
        raise PermissionDenied(f"只有“{hall.name}”的督办人员、首席代表或管理员可以发布预约时段")
    if hall.level == "community":
        raise ValidationFailed("便民服务站不设预约时段", {"hall": ["请选择区或街道政务服务中心"]})
    group = (window_group or "").strip()
    if len(group) > 64:
        raise ValidationFailed("窗口组名称最多 64 个字符", {"window_group": ["最多 64 个字符"]})
    if bool(item_code) == bool(group):
        raise ValidationFailed("请指定事项或窗口组（二选一）", {"item_code": ["事项编码与窗口组须二选一"]})
    item = None
    if item_code:
        item = _item(session, item_code)
        if not intake._offers(item, hall):
            raise ValidationFailed(f"“{hall.name}”不办理该事项", {"item_code": [f"“{hall.name}”不办理该事项"]})
    if not 1 <= capacity <= 500:
        raise ValidationFailed("每个时段可约人数应为 1–500", {"capacity": ["应为 1–500"]})
    today = clock.now().astimezone(clock.LOCAL_TZ).date()
    if date_from < today:
        raise ValidationFailed("不能发布过去的时段", {"date_from": ["不能早于今天"]})
    if date_from > today + timedelta(days=MAX_PUBLISH_AHEAD_DAYS):
        raise ValidationFailed(f"只能发布 {MAX_PUBLISH_AHEAD_DAYS} 天以内的时段", {"date_from": ["太远"]})
    if date_to < date_from or (date_to - date_from).days >= MAX_PUBLISH_DAYS:
        raise ValidationFailed(f"日期范围应在 {MAX_PUBLISH_DAYS} 天以内且结束不早于开始", {"date_to": ["日期范围不正确"]})
    ranges = _times(times)
    scope = f"item:{item.code}" if item else f"group:{group}"
    data = calendar.current(session)
    existing = {(s.day, s.starts) for s in session.scalars(select(AppointmentSlot).where(
        AppointmentSlot.hall_id == hall.id, AppointmentSlot.scope == scope,
        AppointmentSlot.day.between(date_from, date_to)))}
    created, days, now = 0, 0, clock.now()
    with unit_of_work(session):
        day = date_from
        while day <= date_to:
            if is_working_day(day, data):
                days += 1
                for starts, ends in ranges:
                    if (day, starts) not in existing:
                        session.add(AppointmentSlot(hall_id=hall.id, scope=scope, item_id=item.id if item else None,
                                                    window_group=None if item else group, day=day,
                                                    starts=starts, ends=ends, capacity=capacity, booked=0,
                                                    created_by=principal.username, created_at=now))
                        created += 1
            day += timedelta(days=1)
    return {"created": created, "working_days": days, "scope": scope}


def set_capacity(session: Session, principal: Principal, slot_id: int, capacity: int) -> AppointmentSlot:
    with unit_of_work(session):
        slot = locked(session, AppointmentSlot, slot_id)
        if slot is None or not principal.may(slot.hall_id, *MANAGERS):
            raise NotFound("预约时段不存在")
        if not 0 <= capacity <= 500 or capacity < slot.booked:
            raise ValidationFailed(f"可约人数不能少于已预约的 {slot.booked} 人", {"capacity": [f"应为 {slot.booked}–500"]})
        slot.capacity = capacity
    return slot


def starts_at(slot: AppointmentSlot) -> datetime:
    return datetime.combine(slot.day, time.fromisoformat(slot.starts), clock.LOCAL_TZ)


def _serves(slot: AppointmentSlot, item: ServiceItem) -> bool:
    if slot.item_id is not None:
        return slot.item_id == item.id
    return intake._offers(item, slot.hall)   # a window group receives every item of its hall


def open_slots(session: Session, item_code: str, hall_code: str | None = None, date_from: date | None = None,
               days: int = 14) -> list[AppointmentSlot]:
    """Future slots that serve the item, with or without free seats (the page shows 已约满)."""
    item = _item(session, item_code)
    now = clock.now()
    today = now.astimezone(clock.LOCAL_TZ).date()
    start = max(date_from or today, today)
    if start > today + timedelta(days=MAX_AHEAD_DAYS):
        raise ValidationFailed(f"只能查询 {MAX_AHEAD_DAYS} 天以内的时段", {"date_from": [f"应在 {MAX_AHEAD_DAYS} 天以内"]})
    until = min(start + timedelta(days=days), today + timedelta(days=MAX_AHEAD_DAYS))
    stmt = select(AppointmentSlot).where(AppointmentSlot.day.between(start, until),
                                         (AppointmentSlot.item_id == item.id) | AppointmentSlot.window_group.is_not(None))
    if hall_code:
        stmt = stmt.where(AppointmentSlot.hall_id == _hall(session, hall_code).id)
    slots = session.scalars(stmt.order_by(AppointmentSlot.day, AppointmentSlot.starts, AppointmentSlot.hall_id))
    data = calendar.current(session)
    # a day declared a holiday after its slots were published takes no more bookings
    return [s for s in slots if _serves(s, item) and starts_at(s) > now and is_working_day(s.day, data)]


def book(session: Session, *, slot_id: int, item_code: str, applicant: dict, channel: str, booked_by: str,
         account_id: int | None = None) -> Appointment:
    """Take a seat: the slot must serve the item and lie ahead; the person may hold one active
    booking per item and day. Raises Conflict when the slot is full or the person already booked."""
    if channel not in CHANNELS:
        raise ValidationFailed("预约渠道不正确", {"channel": ["online、phone 或 on_site"]})
    details = parties.validate_applicant(applicant)
    if not details["phone"]:
        raise ValidationFailed("请留下联系电话", {"applicant.phone": ["预约须留联系电话，以便通知"]})
    item = _item(session, item_code)
    slot = session.get(AppointmentSlot, slot_id)
    now = clock.now()
    if slot is None or not _serves(slot, item):
        raise ValidationFailed("该时段不接受此事项的预约", {"slot_id": ["请选择该事项的预约时段"]})
    if starts_at(slot) <= now:
        raise Conflict("该时段已开始或已过去，请选择其他时段", {"slot_id": ["时段已过"]})
    if not is_working_day(slot.day, calendar.current(session)):
        raise Conflict("该日已调整为非工作日，请选择其他时段", {"slot_id": ["非工作日"]})
    if slot.day > now.astimezone(clock.LOCAL_TZ).date() + timedelta(days=MAX_AHEAD_DAYS):
        raise ValidationFailed(f"只能预约 {MAX_AHEAD_DAYS} 天以内的时段", {"slot_id": ["时段太远"]})
    if session.scalar(select(Appointment.id).where(Appointment.id_number == details["id_number"],
                                                   Appointment.item_id == item.id, Appointment.day == slot.day,
                                                   Appointment.state != CANCELLED)):
        raise Conflict("同一事项同一天只能有一个有效预约（可先取消原预约）",
                       {"applicant.id_number": ["该证件号码当天已预约此事项"]})
    # Two requests of one person at the same moment both pass the check above: the partial
    # unique index decides, and the loser gets unit_of_work's Conflict (409).
    with unit_of_work(session):
        taken = rowcount(session.execute(update(AppointmentSlot)
                                         .where(AppointmentSlot.id == slot.id, AppointmentSlot.booked < AppointmentSlot.capacity)
                                         .values(booked=AppointmentSlot.booked + 1)
                                         .execution_options(synchronize_session=False)))
        if taken != 1:
            raise Conflict("该时段已约满，请选择其他时段", {"slot_id": ["已约满"]})
        row = Appointment(slot_id=slot.id, hall_id=slot.hall_id, item_id=item.id, day=slot.day,
                          name=details["name"], id_type=details["id_type"], id_number=details["id_number"],
                          phone=details["phone"], channel=channel, state=BOOKED, account_id=account_id,
                          booked_by=booked_by, created_at=now)
        session.add(row)
        session.flush()
        row.booking_no = f"YY{slot.day:%Y%m%d}{row.id:06d}"
        notify.queue(session, kind="appointment_booked", phone=details["phone"], email=None,
                     params={"booking_no": row.booking_no},
                     text=f"您已预约{slot.hall.name}办理“{item.name}”：{slot.day:%Y年%m月%d日} {slot.starts}–{slot.ends}，"
                          f"预约号 {row.booking_no}。请携带身份证件按时到前台签到。")
    session.refresh(slot)
    return row


def state_label(row: Appointment) -> str:
    """已预约 / 已取消 / 已签到, or 爽约 once the day is over without a check-in."""
    if row.state == BOOKED and row.day < clock.now().astimezone(clock.LOCAL_TZ).date():
        return NO_SHOW_LABEL
    return STATES[row.state]


def _may_handle(principal: Principal, row: Appointment) -> bool:
    return principal.may(row.hall_id, *R.HALL_ROLES)


def staff_get(session: Session, principal: Principal, appointment_id: int) -> Appointment:
    row = session.get(Appointment, appointment_id)
    if row is None or not _may_handle(principal, row):
        raise NotFound("预约不存在")
    return row


def cancel(session: Session, row: Appointment, actor: str) -> Appointment:
    """Cancel a booking before its slot starts; the seat is free again at once."""
    if row.state != BOOKED:
        raise Conflict(f"预约{'已取消' if row.state == CANCELLED else '已签到'}，不能取消")
    if starts_at(row.slot) <= clock.now():
        raise Conflict("预约时段已开始，不能取消")
    with unit_of_work(session):
        done = rowcount(session.execute(update(Appointment).where(Appointment.id == row.id, Appointment.state == BOOKED)
                                        .values(state=CANCELLED, cancelled_at=clock.now(), cancelled_by=actor)
                                        .execution_options(synchronize_session=False)))
        if done != 1:
            raise Conflict("预约已被取消或已签到")
        session.execute(update(AppointmentSlot).where(AppointmentSlot.id == row.slot_id, AppointmentSlot.booked > 0)
                        .values(booked=AppointmentSlot.booked - 1).execution_options(synchronize_session=False))
        notify.queue(session, kind="appointment_cancelled", phone=row.phone, email=None,
                     params={"booking_no": row.booking_no},
                     text=f"您在{row.hall.name}的预约（{row.booking_no}，{row.day:%m月%d日} {row.slot.starts}）已取消。")
    session.refresh(row)
    return row


def cancel_own(session: Session, account_id: int, appointment_id: int, actor: str) -> Appointment:
    """An applicant cancels one of their own bookings (anyone else's is 404)."""
    row = session.get(Appointment, appointment_id)
    if row is None or row.account_id != account_id:
        raise NotFound("预约不存在")
    return cancel(session, row, actor)


def of_day(session: Session, principal: Principal, day: date, hall_code: str | None = None,
           state: str | None = None) -> list[Appointment]:
    """The bookings the front desk expects on a day, in the halls the caller works in."""
    stmt = (select(Appointment).join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
            .where(Appointment.day == day).order_by(AppointmentSlot.starts, Appointment.id))
    if hall_code:
        stmt = stmt.where(Appointment.hall_id == _hall(session, hall_code).id)
    if not principal.is_admin:
        stmt = stmt.where(Appointment.hall_id.in_(principal.halls_for(*R.HALL_ROLES) or {-1}))
    if state:
        stmt = stmt.where(Appointment.state == state)
    return list(session.scalars(stmt))


def of_account(session: Session, account_id: int) -> list[Appointment]:
    return list(session.scalars(select(Appointment).where(Appointment.account_id == account_id)
                                .order_by(Appointment.day.desc(), Appointment.id.desc()).limit(100)))


def check_in(session: Session, principal: Principal, appointment_id: int, *, materials: list[str], data: dict,
             runtime: CaseRuntime) -> Case:
    """The visitor arrived: on the booking's day the front desk checks them in, which receives
    the application (收件) for the booked item with the booked person as applicant."""
    row = staff_get(session, principal, appointment_id)
    if not principal.may(row.hall_id, *R.INTAKE_ROLES):
        raise PermissionDenied("只有前台受理人员可以签到收件")
    if row.state != BOOKED:
        raise Conflict(f"预约{'已取消' if row.state == CANCELLED else '已签到'}", case_id=row.case_id)
    if row.day != clock.now().astimezone(clock.LOCAL_TZ).date():
        raise Conflict(f"预约日期为 {row.day:%Y-%m-%d}，只能在当天签到")
    with unit_of_work(session):
        done = rowcount(session.execute(update(Appointment).where(Appointment.id == row.id, Appointment.state == BOOKED)
                                        .values(state=CHECKED_IN, checked_in_at=clock.now(), checked_in_by=principal.username)
                                        .execution_options(synchronize_session=False)))
        if done != 1:
            raise Conflict("预约已被签到或取消")
        hall, proxy_hall, item, guide = intake.receiving(session, principal, row.hall.code, row.item.code)
        chosen = intake.check_materials(guide, materials or [], "materials")
        details = parties.validate_applicant({"name": row.name, "id_type": row.id_type,
                                                 "id_number": row.id_number, "phone": row.phone})
        case = receiving.open_case(session, receiving.Opening(hall=hall, proxy_hall=proxy_hall, item=item, guide=guide),
                                   details=details, channel="window", materials=chosen, data=data or {},
                                   runtime=runtime, actor=principal.username, created_by_id=principal.user_id)
        session.execute(update(Appointment).where(Appointment.id == row.id).values(case_id=case.id)
                        .execution_options(synchronize_session=False))
        EventLog(session, case).append("appointment_checked_in", principal.username,
                                       f"预约签到（{CHANNELS.get(row.channel)}，预约号 {row.booking_no}）",
                                       {"booking_no": row.booking_no})
    session.refresh(row)
    return case


def slot_for_staff(session: Session, principal: Principal, slot_id: int) -> AppointmentSlot:
    """A clerk books only into slots of a hall they work in."""
    slot = session.get(AppointmentSlot, slot_id)
    if slot is None or not principal.may(slot.hall_id, *R.HALL_ROLES):
        raise ValidationFailed("预约时段不存在或不属于您的大厅", {"slot_id": ["请选择本大厅的预约时段"]})
    return slot

