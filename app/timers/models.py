"""Jobs: one row per waiting timer, the source of truth for when something falls due."""
from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base, UTCDateTime
from app.direct_writes import written_directly

PENDING, DONE, CANCELLED, FAILED = "pending", "done", "cancelled", "failed"
SUSPENDED = "suspended"  # while the case is in a special procedure (clock pause)
RESOLVED = "resolved"    # a failed job an administrator closed by hand
# Where a suspended timer's engine due time is parked: no step will ever fire it.
OUT_OF_REACH = datetime(9999, 12, 30, tzinfo=UTC)


@written_directly  # the commit writes its rows with Core statements (app.direct_writes)
class Job(Base):
    __tablename__ = "job"
    __table_args__ = (Index("ix_job_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    engine_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16), default="timer")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Computed on a year without official holiday data: recomputed when the data arrives.
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    due_rule: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))  # {"start": date, "days": n} of workdays()
    resolution: Mapped[str | None] = mapped_column(Text)  # what an administrator did about a failure
