"""Deployed process versions."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import reference
from app.database import Base, UTCDateTime


class ProcessDefinition(Base):
    """One immutable version of a process: its BPMN, the forms it uses, and what we read from it."""

    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(200))
    # Exactly the file deployed. Deferred: only a spec-cache miss and the XML endpoint read it.
    bpmn_xml: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    forms: Mapped[dict] = mapped_column(JSON, default=dict)         # form key -> form-js schema
    user_tasks: Mapped[dict] = mapped_column(JSON, default=dict)    # task id -> meta
    element_names: Mapped[dict] = mapped_column(JSON, default=dict)  # element id -> name
    start_form_key: Mapped[str | None] = mapped_column(String(128))  # the application's own fields
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    deployed_by = relationship("User", lazy="select")


# reference data: workers cache it until one of these tables changes (app.reference)
reference.track(ProcessDefinition)
