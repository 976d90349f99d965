"""Stored files (one row per distinct content, SHA-256; the bytes in the file store) and the
materials of cases that point at them."""
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import Base, UTCDateTime


class StoredFile(Base):
    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(255))  # sanitised, as first uploaded
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(64))


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

    file: Mapped[StoredFile | None] = relationship(lazy="joined")
