"""Deployed process versions."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
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
    # script task id -> the document its 出具文书 step issues (app.processes.vocabulary.DOCUMENTS)
    document_tasks: Mapped[dict | None] = mapped_column(JSON, default=dict)  # None: deployed before 0028
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    deployed_by = relationship("User", lazy="select")


# reference data: workers cache it until one of these tables changes (app.reference)
reference.track(ProcessDefinition)


class ProcessDraft(Base):
    """A process being designed in the workspace: its BPMN and forms, saved as the designer edits
    (autosave, `revision` guards against overwriting a newer save). One designer edits at a time:
    `editor_id` holds the editing lease until `editor_until`; the others read."""

    __tablename__ = "process_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    bpmn_xml: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    forms: Mapped[dict] = mapped_column(JSON, default=dict)  # form key -> form-js schema
    based_on_key: Mapped[str | None] = mapped_column(String(128))
    based_on_version: Mapped[int | None] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    editor_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deployed_key: Mapped[str | None] = mapped_column(String(128))      # what the last deploy made
    deployed_version: Mapped[int | None] = mapped_column(Integer)

    updated_by = relationship("User", foreign_keys=[updated_by_id], lazy="joined")
    editor = relationship("User", foreign_keys=[editor_id], lazy="joined")


class DraftTestRun(Base):
    """A draft's test run (试运行): a sandbox instance of the draft as it was saved, with its own clock.
    Nothing of it is a case: its tasks, documents and messages are shown, never created or sent.
    `steps` is the recorded path (every action with its sandbox time), which the deploy check
    replays on the draft as it is then. One run per draft: a new run replaces the last one."""

    __tablename__ = "draft_test_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("process_draft.id", ondelete="CASCADE"), unique=True)
    draft_revision: Mapped[int] = mapped_column(Integer)    # the draft's save it started on
    started_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())   # real time
    sandbox_now: Mapped[datetime] = mapped_column(UTCDateTime())  # the run's own clock
    start_data: Mapped[dict] = mapped_column(JSON, default=dict)
    steps: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str | None] = mapped_column(Text, deferred=True)  # the engine's, as for a case
    outcome: Mapped[str] = mapped_column(String(16), default="running")  # running, completed, failed
    failure: Mapped[str | None] = mapped_column(Text)

    started_by = relationship("User", lazy="joined")
