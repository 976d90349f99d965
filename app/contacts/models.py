"""A contact between a member of staff and the applicant of a case, and its review when flagged."""
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import Base, UTCDateTime


class ContactRecord(Base):
    __tablename__ = "contact_record"
    # Supervisors list the flagged contacts of their halls.
    __table_args__ = (Index("ix_contact_record_hall_flagged", "hall_id", "flagged"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))  # the case's: whose supervisors review
    # The step at which it happened (None: the case had no step in progress).
    task_id: Mapped[str | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    # The contact kind that made it allowed: the step's declaration or a running special procedure.
    contact_kind: Mapped[str | None] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    summary: Mapped[str] = mapped_column(Text)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str | None] = mapped_column(String(300))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str | None] = mapped_column(Text)

    case = relationship("Case", lazy="joined")
    task = relationship("Task", lazy="joined")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id], lazy="joined")
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id], lazy="joined")

    @property
    def state(self) -> str:
        """allowed (at a contact step), open (flagged, awaiting review) or reviewed."""
        if not self.flagged:
            return "allowed"
        return "reviewed" if self.reviewed_at else "open"
