"""好差评 (art. 32): one rating per case online and one per visit on site; a bad one opens a
rectification due in 5 working days whose result goes back to the applicant."""
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import Base, UTCDateTime

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
CHANNELS = {"window_tablet": "窗口评价器", "qr_code": "扫码评价", "web": "网上评价", "sms": "短信评价"}
ONSITE = {"window_tablet"}
BAD = {1, 2}


class Evaluation(Base):
    __tablename__ = "evaluation"
    # Online: one per case (visit ""); on site: one per case and visit (the day of the visit).
    __table_args__ = (UniqueConstraint("case_id", "visit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    visit: Mapped[str] = mapped_column(String(16), default="")
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Rectification(Base):
    """整改 of a bad review: due in 5 working days, closed as rectified or explained as unfounded."""

    __tablename__ = "rectification"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | rectified | unfounded
    result: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(64))

    evaluation: Mapped[Evaluation] = relationship(lazy="joined")


COMPLAINT_CHANNELS = {"window": "窗口", "phone": "电话", "web": "网上", "letter": "信函", "hotline": "12345 热线"}


class Complaint(Base):
    """投诉举报 (art. 31): taken in by any channel, linked to a case when one is named, handled
    by the supervisors of the hall and answered to the complainant."""

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    content: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"), index=True)
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | answered
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    # The 12345 hotline's own ticket number (工单号) when the complaint came from it.
    hotline_ticket: Mapped[str | None] = mapped_column(String(64))
    # Where an online complaint came from (rate limit per address); None when staff recorded it.
    client_bucket: Mapped[str | None] = mapped_column(String(64), index=True)
