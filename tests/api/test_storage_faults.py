"""The file store full or read-only: the upload is refused with a clear answer (507 full, 503
read-only with Retry-After), nothing is half-stored (no temporary file, no row, no case), and the
store works again once it has room. The store is a small tmpfs mounted for the test (root)."""
import io
import subprocess
from pathlib import Path

import pytest

from tests.applicant_flows import Applicant
from tests.flows import start


@pytest.fixture
def small_store(app, reconfigure, tmp_path):
    """FILES_DIR on a 256 KB tmpfs; yields (path, remount(options))."""
    root = tmp_path / "store"
    root.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(root)], capture_output=True)
    assert mounted.returncode == 0, f"these tests mount a tmpfs (needs root): {mounted.stderr.decode()}"
    reconfigure(app, FILES_DIR=root)

    def remount(options: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{options}", str(root)], check=True)

    try:
        yield root, remount
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False)


def _left_over(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.name != "filler"]


def _scan(size: int) -> bytes:
    """A PDF-looking scan of `size` bytes (content-checked by its header)."""
    return b"%PDF-1.4\n" + b"0" * (size - 9)


def test_a_full_store_refuses_the_upload_with_507_and_keeps_nothing(app, as_user, small_store):
    root, _ = small_store
    (root / "filler").write_bytes(b"x" * (200 * 1024))
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    answer = frontdesk.post(f"/api/v1/cases/{case['id']}/materials",
                            data={"material_code": "SQS", "file": (io.BytesIO(_scan(120 * 1024)), "申请书.pdf")},
                            content_type="multipart/form-data")
    assert answer.status_code == 507, answer.get_json()
    assert answer.get_json()["message"] == "文件存储空间已满，文件未保存，请联系系统管理员"
    assert _left_over(root) == []
    assert not any(m.get("file_name") for m in frontdesk.get(f"/api/v1/cases/{case['id']}/materials").get_json()["items"])
    (root / "filler").unlink()  # room again: the same upload goes through
    again = frontdesk.post(f"/api/v1/cases/{case['id']}/materials",
                           data={"material_code": "SQS", "file": (io.BytesIO(_scan(120 * 1024)), "申请书.pdf")},
                           content_type="multipart/form-data")
    assert again.status_code == 201, again.get_json()


def test_a_read_only_store_is_503_with_retry_after_for_an_online_application(app, codes, small_store):
    root, remount = small_store
    applicant = Applicant(app, codes).register()
    remount("ro")
    refused = applicant.apply(expect=503)
    assert refused["message"] == "文件存储暂时不能写入，文件未保存，请稍后重试"
    assert applicant.get("/api/v1/applicant/cases").get_json()["items"] == []  # no case half-made
    remount("rw")
    assert _left_over(root) == []
    applicant.apply(expect=201)
