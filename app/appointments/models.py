"""预约 (art. 12): bookable slots a hall publishes per service item or window group, and the
bookings made online, by phone or on site."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import Base, UTCDateTime

CHANNELS = {"online": "网上预约", "phone": "电话预约", "on_site": "现场预约"}
BOOKED, CANCELLED, CHECKED_IN = "booked", "cancelled", "checked_in"
STATES = {BOOKED: "已预约", CANCELLED: "已取消", CHECKED_IN: "已签到"}
NO_SHOW_LABEL = "未签到（爽约）"  # a booking still "booked" after its day: derived, not stored


class AppointmentSlot(Base):
    """A time on a working day with a number of seats. `scope` is "item:<code>" for an item's
    own windows or "group:<name>" for a window group that receives every item of the hall."""

    __tablename__ = "appointment_slot"
    __table_args__ = (UniqueConstraint("hall_id", "scope", "day", "starts", name="uq_appointment_slot_when"),
                      Index("ix_appointment_slot_hall_day", "hall_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    scope: Mapped[str] = mapped_column(String(80))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("service_item.id"))
    window_group: Mapped[str | None] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    starts: Mapped[str] = mapped_column(String(5))  # "09:00", local time
    ends: Mapped[str] = mapped_column(String(5))
    capacity: Mapped[int] = mapped_column(Integer)
    # Seats taken, changed only by a conditional UPDATE (booked < capacity), so no two
    # transactions can both take the last seat.
    booked: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    hall = relationship("Hall", lazy="joined")
    item = relationship("ServiceItem", lazy="joined")


class Appointment(Base):
    __tablename__ = "appointment"
    # One active booking per person, item and day (art. 12); a cancelled one frees the place.
    __table_args__ = (Index("uq_appointment_active", "id_number", "item_id", "day", unique=True,
                            sqlite_where=text("state != 'cancelled'"), postgresql_where=text("state != 'cancelled'")),
                      Index("ix_appointment_hall_day", "hall_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_no: Mapped[str | None] = mapped_column(String(24), unique=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slot.id"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200))
    id_type: Mapped[str] = mapped_column(String(8))
    id_number: Mapped[str] = mapped_column(String(18))
    phone: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(12), default=BOOKED)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("applicant_account.id"), index=True)
    booked_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[str | None] = mapped_column(String(64))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_by: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the day-before SMS

    slot: Mapped[AppointmentSlot] = relationship(lazy="joined")
    item = relationship("ServiceItem", lazy="joined")
    hall = relationship("Hall", lazy="joined")
