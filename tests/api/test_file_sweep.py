"""The file store's sweeper (`flask files sweep`, hourly on the scheduler): files no row refers
to (left by a rolled-back upload) and interrupted writes go once they are a day old; stored
files and fresh ones stay."""
import ast
import hashlib
import os
import time
from pathlib import Path

from sqlalchemy import select

from app.bootstrap import runtime_of
from app.extensions import db
from app.files.models import StoredFile
from app.files.service import TEMP_PREFIX

DAY = 24 * 3600


def _place(root: Path, content: bytes, name: str | None = None, age: float = 0) -> Path:
    sha = hashlib.sha256(content).hexdigest()
    path = root / sha[:2] / sha[2:4] / (name or sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_the_sweeper_removes_old_orphans_and_interrupted_writes_only(app, as_user):
    root = runtime_of(app).settings.store.root
    with app.app_context():
        known = set(db.session.scalars(select(StoredFile.sha256)))
        db.session.remove()
    stored = [p for p in root.rglob("*") if p.is_file() and p.name in known]  # the demo's forms: rows refer to them
    assert stored
    for path in root.rglob("*"):  # what earlier tests left behind is recent: not this test's business
        if path.is_file() and path.name not in known:
            os.utime(path, None)
    for path in stored:
        os.utime(path, (time.time() - 2 * DAY, time.time() - 2 * DAY))
    orphan = _place(root, b"left by a rolled-back upload", age=2 * DAY)
    fresh = _place(root, b"an upload whose transaction is still open", age=60)
    interrupted = _place(root, b"half a file", name=f"{TEMP_PREFIX}abc123", age=2 * DAY)

    result = app.test_cli_runner().invoke(args=["files", "sweep"])
    assert result.exit_code == 0, result.output
    assert ast.literal_eval(result.output.strip()) == {"orphans": 1, "temporary": 1}
    assert not orphan.exists() and not interrupted.exists()
    assert fresh.exists() and all(p.exists() for p in stored)
    fresh.unlink()
