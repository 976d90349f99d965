"""The day-before appointment reminder (art. 12, 15: the applicant is told at every step)."""
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import clock
from app.appointments.models import BOOKED, Appointment
from app.appointments.service import starts_at
from app.database import rowcount, unit_of_work
from app.notify import service as notify

REMIND_BEFORE = timedelta(hours=24)


def remind_due(session: Session) -> int:
    """The day-before reminder (run on every scheduler round): each booking still active whose
    slot starts within REMIND_BEFORE gets one SMS — unless it was made after that point (its
    confirmation has just gone out). A conditional UPDATE claims each reminder, so several
    schedulers never send two."""
    now = clock.now()
    horizon = (now + REMIND_BEFORE).astimezone(clock.LOCAL_TZ)
    candidates = session.scalars(select(Appointment).where(
        Appointment.state == BOOKED, Appointment.reminded_at.is_(None),
        Appointment.day.between(now.astimezone(clock.LOCAL_TZ).date(), horizon.date()))).all()
    sent = 0
    for row in candidates:
        starts = starts_at(row.slot)
        if not (now < starts <= now + REMIND_BEFORE) or row.created_at >= starts - REMIND_BEFORE:
            continue
        with unit_of_work(session):
            claimed = rowcount(session.execute(
                update(Appointment).where(Appointment.id == row.id, Appointment.state == BOOKED,
                                          Appointment.reminded_at.is_(None))
                .values(reminded_at=now).execution_options(synchronize_session=False)))
            if claimed == 1:
                notify.queue(session, kind="appointment_reminder", phone=row.phone, email=None,
                             params={"booking_no": row.booking_no},
                             text=f"温馨提示：您预约了{row.hall.name}办理“{row.item.name}”，时间 {row.day:%m月%d日} "
                                  f"{row.slot.starts}–{row.slot.ends}（预约号 {row.booking_no}）。"
                                  f"请携带身份证件和申请材料按时到前台签到；不能前来请提前取消。")
                sent += 1
    return sent
