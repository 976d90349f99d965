"""The notification outbox (art. 15): written in the same transaction as the case event that
calls for it, sent afterwards by the scheduler, retried until the channel takes it."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base, UTCDateTime

PENDING, SENT, FAILED = "pending", "sent", "failed"


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # submitted, accepted, correction, decision, ...
    channel: Mapped[str] = mapped_column(String(8))  # sms | email
    recipient: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
