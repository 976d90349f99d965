"""Documents a case produces (文书): numbered, stored as signed PDFs, listed on the case."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import reference
from app.database import Base, UTCDateTime

KINDS = {
    "acceptance_receipt": ("受理凭证", "受"),
    "correction_notice": ("补齐补正材料通知书", "补"),
    "tolerance_notice": ("容缺受理通知书", "容"),
    "non_acceptance_decision": ("不予受理决定书", "不受"),
    "denial_decision": ("不予批准决定书", "不准"),
    "approval": ("准予行政许可决定书", "准"),
    "deemed_renewal": ("视为准予延续通知书", "延"),
}


class Document(Base):
    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_no: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The verification page's address: random, so numbers in sequence reveal nobody's decisions.
    verify_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(100))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    signature: Mapped[str | None] = mapped_column(Text)  # Ed25519 over "document_no|sha256|signed_at", base64
    key_id: Mapped[str | None] = mapped_column(String(32))  # fingerprint of the office key
    signer: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_by: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    data: Mapped[dict] = mapped_column(JSON, default=dict)  # what the document says, for listings
    # Decided in the engine step (number, kind, wording, moment); drawn, sealed and stored right
    # after it by the documents job (file_id stays empty meanwhile: "生成中").
    content: Mapped[dict | None] = mapped_column(JSON)  # {"letterhead", "paragraphs", "date_text"}
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    file = relationship("StoredFile", lazy="joined")


class DocumentSequence(Base):
    """The last number used for a kind of document (its prefix) in a year: numbers without gaps,
    taken under the row's lock by the step that issues the document."""

    __tablename__ = "document_sequence"

    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class SealKey(Base):
    """A public key of the office seal, by the key id documents record: what verifies them,
    whichever key signs today. Retired keys stay, so earlier documents keep verifying."""

    __tablename__ = "seal_key"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    office: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(Text)  # PEM (SubjectPublicKeyInfo)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# reference data: workers cache it until one of these tables changes (app.reference)
reference.track(SealKey)
