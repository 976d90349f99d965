"""Cases (办件) and their append-only, hash-chained history."""
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import Base, UTCDateTime
from app.direct_writes import written_directly

SUBMITTED = "submitted"
AWAITING_CORRECTION = "awaiting_correction"
UNDER_REVIEW = "under_review"
AWAITING_DELIVERY = "awaiting_delivery"
COMPLETED = "completed"
DENIED = "denied"
NOT_ACCEPTED = "not_accepted"
DEEMED_RENEWED = "deemed_renewed"

STATUS_LABELS = {
    SUBMITTED: "已提交，待受理",
    AWAITING_CORRECTION: "待补齐补正",
    UNDER_REVIEW: "审查中",
    AWAITING_DELIVERY: "待送达",
    COMPLETED: "已办结",
    DENIED: "不予批准",
    NOT_ACCEPTED: "不予受理",
    DEEMED_RENEWED: "视为准予延续",
}
CLOSED_STATUSES = {COMPLETED, DENIED, NOT_ACCEPTED, DEEMED_RENEWED}


@written_directly  # the commit writes its rows with Core statements (app.direct_writes)
class Case(Base):
    __tablename__ = "case"
    __table_args__ = (
        Index("ix_case_hall_status", "hall_id", "status"),
        Index("ix_case_created", "created_at"),
        # the case list's order (newest first), overall and per hall, for keyset pages
        Index("ix_case_created_id", "created_at", "id"),
        Index("ix_case_hall_created", "hall_id", "created_at", "id"),
        Index("ix_case_decided", "decided_at"),
        # free-text search: any part of the name (PostgreSQL: GIN trigrams), case number prefixes
        Index("ix_case_applicant_name", "applicant_name", postgresql_using="gin",
              postgresql_ops={"applicant_name": "gin_trgm_ops"}),
        Index("ix_case_case_no_prefix", "case_no", postgresql_ops={"case_no": "varchar_pattern_ops"}),
        Index("ix_case_hall_decided", "hall_id", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"), index=True)
    # The guide version the case was started under (art. 9): its materials and limits hold for
    # the whole case, whatever is published later.
    guide_version_id: Mapped[int] = mapped_column(ForeignKey("guide_version.id"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    # 代办 (art. 20): the community station and clerk who submitted it on the applicant's behalf.
    proxy_hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id"))
    proxy_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # 代办: who filed it for the applicant (a relative, a colleague, a station's proxy clerk).
    proxy_name: Mapped[str | None] = mapped_column(String(50))
    proxy_id_number: Mapped[str | None] = mapped_column(String(18))
    proxy_relation: Mapped[str | None] = mapped_column(String(32))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"), index=True)
    applicant: Mapped[dict] = mapped_column(JSON)  # as given on this application
    # its name, searchable (a trigram index on PostgreSQL finds any part of it)
    applicant_name: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    materials: Mapped[list] = mapped_column(JSON, default=list)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)

    status: Mapped[str] = mapped_column(String(32), default=SUBMITTED)
    status_reason: Mapped[str | None] = mapped_column(Text)
    outstanding_materials: Mapped[list] = mapped_column(JSON, default=list)
    tolerated: Mapped[bool] = mapped_column(Boolean, default=False)
    correction_round: Mapped[int] = mapped_column(Integer, default=0)
    decision: Mapped[str | None] = mapped_column(String(16))
    delivery_method: Mapped[str | None] = mapped_column(String(16))
    tracking_no: Mapped[str | None] = mapped_column(String(64))
    # What the applicant chose when applying (the pickup window may change it, with a reason).
    delivery_choice: Mapped[str | None] = mapped_column(String(16))
    mail_address: Mapped[dict | None] = mapped_column(JSON)  # recipient, phone, province … detail
    carrier: Mapped[str | None] = mapped_column(String(32))
    collected_by: Mapped[dict | None] = mapped_column(JSON)  # who took the result at the window
    # Art. 16: the applicant's 6-digit code for window pickup (never shown in staff views), and
    # the signed, expiring e-delivery link token once the result was delivered online.
    pickup_code: Mapped[str | None] = mapped_column(String(6))
    # Wrong codes tried against the current pickup code, and how often a code was locked after
    # too many and replaced (documents/delivery.py).
    pickup_code_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pickup_code_lockouts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    e_delivery_token: Mapped[str | None] = mapped_column(Text)
    supplement_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    application_data: Mapped[dict] = mapped_column(JSON, default=dict)  # the start form's answers

    # Deadlines in working days (art. 13, 14): set on submission and on acceptance, moved by
    # special procedures (clock pauses), recomputed when provisional calendar data is replaced.
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acceptance_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    legal_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deadlines_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    # How each due date is counted: {"acceptance"|"decision"|"legal": {"start": date, "days": n}};
    # recomputation and clock pauses work on these, never on the dates themselves.
    deadline_rules: Mapped[dict] = mapped_column(JSON, default=dict)
    special_procedure: Mapped[dict | None] = mapped_column(JSON)  # the one running now, if any
    paused_days: Mapped[int] = mapped_column(Integer, default=0)
    active_elements: Mapped[list] = mapped_column(JSON, default=list)
    # The office's first decision (cases.decisions): when, which status, by its deadline or not.
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_status: Mapped[str | None] = mapped_column(String(32))
    decided_on_time: Mapped[bool | None] = mapped_column(Boolean)

    # SpiffWorkflow instance without its spec. Deferred: lists and task lookups never need it,
    # only an engine step (cycle.lock_case) and the task form do.
    state: Mapped[str] = mapped_column(Text, deferred=True, deferred_raiseload=False)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # The head of the history chain (cases.history): appending needs no query, and a read checks
    # the newest event against it instead of re-hashing the whole chain.
    history_seq: Mapped[int | None] = mapped_column(Integer)
    history_head: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Optimistic lock: every UPDATE checks the revision it read. We bump it ourselves, once
    # per engine step (cycle.engine_step), however many flushes the step needs.
    __mapper_args__ = {"version_id_col": revision, "version_id_generator": False}

    # Read-only: rows are linked by their ids, never through these, so the unit of work has
    # nothing to cascade or sort for them when a step flushes the case (~0.1 ms each).
    item = relationship("ServiceItem", lazy="joined", viewonly=True)
    guide = relationship("GuideVersion", lazy="select", viewonly=True)
    hall = relationship("Hall", lazy="joined", foreign_keys=[hall_id], viewonly=True)
    proxy_hall = relationship("Hall", lazy="select", foreign_keys=[proxy_hall_id], viewonly=True)
    proxy_by = relationship("User", lazy="select", foreign_keys=[proxy_by_id], viewonly=True)
    definition = relationship("ProcessDefinition", lazy="select", viewonly=True)
    # A step's lock loads this with the case's OPEN tasks only (cycle._case_lock): nothing else reads it.
    tasks = relationship("Task", back_populates="case", lazy="select", order_by="Task.created_at", viewonly=True)
    # Likewise with its live jobs (pending, failed, suspended): the step syncs them with the engine.
    jobs = relationship("Job", lazy="select", viewonly=True)

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class CaseEvent(Base):
    """One thing that happened to a case. Rows are only ever appended; each carries the
    hash of the one before, so an edited or deleted row breaks the chain."""

    __tablename__ = "case_event"
    # (kind, at): statistics find decisions among all events without reading every case's history
    __table_args__ = (UniqueConstraint("case_id", "seq"), Index("ix_case_event_kind_at", "kind", "at"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


UPLOAD, ON_FILE, SHARING = "upload", "on_file", "sharing"
MATERIAL_SOURCES = {UPLOAD: "本次上传", ON_FILE: "已有材料复用", SHARING: "部门共享获取"}


class CaseMaterial(Base):
    """A material of a case and where it came from (art. 7(5), 17): a file uploaded for this
    case, a file the applicant provided in an earlier case, or data the government shares."""

    __tablename__ = "case_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    material_code: Mapped[str] = mapped_column(String(64))
    material_name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    file_name: Mapped[str | None] = mapped_column(String(255))  # sanitised, as uploaded
    from_case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    uploaded_by: Mapped[str] = mapped_column(String(64))  # a username, or "applicant:<phone>"
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    file = relationship("StoredFile", lazy="joined")
    case = relationship("Case", lazy="joined", foreign_keys=[case_id])
