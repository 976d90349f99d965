"""Content-checked, content-addressed file storage.

Files are accepted by what they are (magic bytes via `filetype`), never by their name, and
stored under their SHA-256 (`<root>/ab/cd/<sha256>`), so a path can neither be guessed from a
name nor escape the store. The database row carries the metadata; the same content uploaded
twice is stored once.
"""
import contextlib
import errno
import hashlib
import os
import re
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import filetype
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.errors import NotFound, StorageFull, Unavailable, ValidationFailed
from app.files.models import StoredFile


@dataclass(frozen=True)
class FileStore:
    """Where files go and how big one may be (Settings.store)."""
    root: Path
    max_bytes: int



ALLOWED = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
_SHA = re.compile(r"^[0-9a-f]{64}$")


# Bidirectional controls (embeddings, overrides, isolates, marks) make a name read otherwise
# than it is: "发票\u202egpj.exe" shows as "发票exe.jpg".
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"


def sanitise_name(name: str | None, media_type: str) -> str:
    """A display name safe anywhere: no folders, no control or bidi characters, the true extension."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = re.sub(f"[\\x00-\\x1f\\x7f-\\x9f{_BIDI_CONTROLS}<>:\"|?*]", "", base).strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return (stem[:120] or "file") + ALLOWED[media_type]


def check_name(name: str | None, field: str) -> None:
    """A name that tries to climb folders or carries control characters is refused outright:
    nobody types that by accident."""
    if name and (re.search(r"(^|[\\/])\.\.([\\/]|$)", name) or name.startswith(("/", "\\"))
                 or re.search(r"[\x00-\x1f]", name)):
        raise ValidationFailed("文件名不合法", {field: [f"文件名不合法：{name[:80]!r}"]})


def sniff(content: bytes, field: str) -> str:
    kind = filetype.guess(content[:8192])
    if kind is None or kind.mime not in ALLOWED:
        found = kind.mime if kind else "未知类型"
        raise ValidationFailed("只接受 PDF、JPEG、PNG 文件",
                               {field: [f"文件内容不是 PDF、JPEG 或 PNG（检测到：{found}）"]})
    return kind.mime


def _path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


TEMP_PREFIX = "incoming-"  # half-written files; the sweeper removes any a crash left behind


def _write(target: Path, content: bytes) -> None:
    """Write then rename: a reader never sees half a file, and concurrent writers of the same
    content both end with the same complete file. A failure leaves no temporary file behind and
    says what the store's trouble is."""
    tmp: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, target)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull("文件存储空间已满，文件未保存，请联系系统管理员") from None
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise Unavailable("文件存储暂时不能写入，文件未保存，请稍后重试", retry_after=300) from None
        raise


def store(session: Session, files: FileStore, content: bytes, name: str | None, *, field: str = "file",
          by: str | None = None) -> StoredFile:
    """Check and keep one file. The bytes land before the transaction commits; a rollback
    leaves an unreferenced file behind, which is harmless (content-addressed, never listed)."""
    if len(content) > files.max_bytes:
        limit = f"{files.max_bytes / (1024 * 1024):g} MB"
        raise ValidationFailed(f"文件超过 {limit} 的上限", {field: [f"文件过大：不超过 {limit}"]})
    check_name(name, field)
    if not content:
        raise ValidationFailed("文件为空", {field: ["文件为空"]})
    media_type = sniff(content, field)
    sha256 = hashlib.sha256(content).hexdigest()
    target = _path(files.root, sha256)
    if not target.exists():
        _write(target, content)
    existing = session.scalar(select(StoredFile).where(StoredFile.sha256 == sha256))
    if existing is not None:
        return existing
    row = StoredFile(sha256=sha256, size=len(content), media_type=media_type,
                     original_name=sanitise_name(name, media_type), created_at=clock.now(), created_by=by)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same content stored concurrently
        stored = session.scalar(select(StoredFile).where(StoredFile.sha256 == sha256))
        if stored is None:  # not that race: the insert failed for another reason
            raise
        row = stored
    return row


def stage(files: FileStore, content: bytes, name: str | None, *, field: str = "file") -> str:
    """Keep a checked file's bytes without a row, for a form shown again after a refusal (the
    clerk need not scan it twice); its sha256. Unclaimed, the sweeper removes it after a day."""
    if len(content) > files.max_bytes or not content:
        raise ValidationFailed("文件大小不符合要求", {field: ["文件为空或过大"]})
    check_name(name, field)
    sniff(content, field)
    sha256 = hashlib.sha256(content).hexdigest()
    target = _path(files.root, sha256)
    if not target.exists():
        _write(target, content)
    return sha256


def staged(files: FileStore, sha256: str) -> bytes | None:
    """The bytes `stage` kept, or None when they are gone (swept) or the name is not a sha256."""
    if not _SHA.match(sha256 or ""):
        return None
    path = _path(files.root, sha256)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return None
    return content if hashlib.sha256(content).hexdigest() == sha256 else None


def get(session: Session, sha256: str) -> StoredFile:
    row = session.scalar(select(StoredFile).where(StoredFile.sha256 == sha256)) if _SHA.match(sha256 or "") else None
    if row is None:
        raise NotFound("文件不存在")
    return row


def read(files: FileStore, row: StoredFile) -> bytes:
    path = _path(files.root, row.sha256)
    if not path.exists():
        raise NotFound("文件内容缺失")
    return path.read_bytes()


SWEEP_GRACE = timedelta(hours=24)


def sweep(session: Session, files: FileStore, grace: timedelta = SWEEP_GRACE) -> dict[str, int]:
    """Delete what the store holds but no row refers to: files a rolled-back transaction left
    (their bytes land before the commit) and temporary files of interrupted writes. Only files
    untouched for `grace` go, so an upload whose transaction is still open keeps its file."""
    cutoff = time.time() - grace.total_seconds()
    counts = {"orphans": 0, "temporary": 0}
    if not files.root.is_dir():
        return counts
    for folder in (p for p in files.root.glob("*/*") if p.is_dir()):
        old = [p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime < cutoff]
        named = {p.name for p in old if _SHA.match(p.name)}
        known = set(session.scalars(select(StoredFile.sha256).where(StoredFile.sha256.in_(named)))) if named else set()
        for path in old:
            if path.name.startswith(TEMP_PREFIX):
                kind = "temporary"
            elif path.name in named and path.name not in known:
                kind = "orphans"
            else:
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            counts[kind] += 1
    session.rollback()  # read-only: end the transaction
    return counts
