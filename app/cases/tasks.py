"""Human tasks (the `task` table), materialized from the engine after every step (cases.sync);
inboxes read only this table and never deserialize workflows."""
from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import Base, UTCDateTime
from app.direct_writes import written_directly

OPEN, COMPLETED, CANCELLED = "open", "completed", "cancelled"
NO_DUE_DATE = datetime(9999, 12, 31, tzinfo=UTC)


@written_directly  # the commit writes its rows with Core statements (app.direct_writes)
class Task(Base):
    __tablename__ = "task"
    __table_args__ = (
        # the inbox's order, by lane and hall (clerks) and overall (administrators), then the
        # finished tasks newest first: keyset pages read these in order, never sort
        Index("ix_task_inbox", "state", "role", "hall_id", "sort_due", "created_at", "case_id", "id"),
        Index("ix_task_queue", "state", "sort_due", "created_at", "case_id", "id"),
        Index("ix_task_done", "state", "completed_at", "case_id", "id"),
        Index("ix_task_hall_done", "state", "hall_id", "completed_at", "case_id", "id"),
        Index("ix_task_case_state", "case_id", "state"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the engine's task id
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    spec_id: Mapped[str] = mapped_column(String(128))   # BPMN element id
    title: Mapped[str] = mapped_column(String(200))      # BPMN element name, shown to clerks
    role: Mapped[str] = mapped_column(String(32))
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    form_key: Mapped[str | None] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16), default=OPEN)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # due_at, or NO_DUE_DATE when there is none: the inbox sorts by it (soonest first, undated
    # last) with an index, which `due_at IS NULL, due_at` cannot use. Kept by the listener below.
    sort_due: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: NO_DUE_DATE)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    due_rule: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))  # {"start": date, "days": n} of workdays()
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    data: Mapped[dict | None] = mapped_column(JSON)
    urged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 催办 by a supervisor
    urge_note: Mapped[str | None] = mapped_column(Text)
    # Art. 18: the applicant contact the step allows, as its BPMN declares (None: no contact).
    applicant_contact: Mapped[str | None] = mapped_column(String(32))

    # Read-only, like Case's: a task is linked by its ids.
    case = relationship("Case", back_populates="tasks", lazy="joined", viewonly=True)
    hall = relationship("Hall", lazy="joined", viewonly=True)
    assignee = relationship("User", foreign_keys=[assignee_id], lazy="joined", viewonly=True)
    completed_by = relationship("User", foreign_keys=[completed_by_id], lazy="joined", viewonly=True)


@event.listens_for(Task.due_at, "set")
def _sort_by_due(task: Task, value, oldvalue, initiator) -> None:
    task.sort_due = value if value is not None else NO_DUE_DATE
