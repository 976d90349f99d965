"""咨询 (art. 11): a question by window, phone, online or letter, owned by its first responder
(首问负责) until it is answered; an answer marked public joins the guide's FAQ."""
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import Base, UTCDateTime

CHANNELS = {"window": "窗口咨询", "phone": "电话咨询", "online": "网上咨询", "letter": "信函咨询"}
OPEN, ANSWERED = "open", "answered"


class Consultation(Base):
    __tablename__ = "consultation"
    __table_args__ = (Index("ix_consultation_hall_state", "hall_id", "state"),
                      Index("ix_consultation_bucket_created", "client_bucket", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("service_item.id"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    asker_name: Mapped[str | None] = mapped_column(String(100))
    asker_phone: Mapped[str | None] = mapped_column(String(32))
    asker_email: Mapped[str | None] = mapped_column(String(254))
    # 首问负责: the member of staff who took the question owns it until it is answered; an
    # online question has none until a clerk takes it.
    first_responder: Mapped[str | None] = mapped_column(String(64), index=True)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default=OPEN)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    client_bucket: Mapped[str | None] = mapped_column(String(64))

    item = relationship("ServiceItem", lazy="joined")
    hall = relationship("Hall", lazy="joined")
