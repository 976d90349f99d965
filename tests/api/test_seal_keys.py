"""The seal's keys by key id (art. 28): after `flask seal rotate` new documents carry the new key
id, documents signed before still verify (page and upload), a retired key put back does not
sign, and a document whose key id is unknown or whose registered key was edited does not verify."""
import io
import os
import re
import shutil
from pathlib import Path

from sqlalchemy import text

from app.extensions import db
from tests.api.test_documents import _documents
from tests.flows import complete, start


def _issue(frontdesk) -> tuple[dict, bytes]:
    """A correction notice, as a clerk produces it; (its listing, the PDF)."""
    case = start(frontdesk)
    complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    doc = _documents(frontdesk, case["id"])["correction_notice"]
    pdf = frontdesk.get(f"/api/v1/cases/{case['id']}/documents/{doc['id']}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    return doc, pdf.data


def _verdicts(app, doc: dict, pdf: bytes) -> tuple[bool, bool]:
    """(the verification page says valid, the uploaded file is recognised as the signed original)"""
    client = app.test_client()
    page = client.get(doc["verify_path"])
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    token = body.split('name="csrf_token" value="')[1].split('"')[0]
    upload = client.post("/verify", data={"csrf_token": token, "file": (io.BytesIO(pdf), "a.pdf")},
                         content_type="multipart/form-data")
    assert upload.status_code == 200
    return "电子签章有效" in body, "是签章原件" in upload.get_data(as_text=True)


def _seal(app, *args: str):
    result = app.test_cli_runner().invoke(args=["seal", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _sql(app, statement: str, **params):
    with app.app_context():
        rows = db.session.execute(text(statement), params)
        out = rows.all() if rows.returns_rows else None
        db.session.commit()
        db.session.remove()
    return out


def test_documents_signed_before_a_rotation_still_verify(app, as_user):
    frontdesk = as_user("frontdesk")
    before, before_pdf = _issue(frontdesk)
    seal_dir = Path(app.config["INSTANCE_PATH"]) / "seal"

    output = _seal(app, "rotate")
    old_id, new_id = re.search(r"retired key (\w+)", output)[1], re.search(r"signing key (\w+)", output)[1]
    assert old_id == before["key_id"] and new_id != old_id
    archived = seal_dir / "retired" / f"{old_id}.pem"
    assert archived.exists() and (archived.stat().st_mode & 0o777) == 0o600
    assert archived.read_bytes() != (seal_dir / "office_ed25519.pem").read_bytes()  # the old key signs no more

    after, after_pdf = _issue(frontdesk)
    assert after["key_id"] == new_id
    assert _verdicts(app, before, before_pdf) == (True, True)
    assert _verdicts(app, after, after_pdf) == (True, True)

    listing = _seal(app, "keys").splitlines()
    old_line = next(line for line in listing if line.startswith(old_id))
    new_line = next(line for line in listing if line.startswith(new_id))
    assert "西安市鄠邑区政务服务中心" in old_line and "(current)" in new_line and "(current)" not in old_line
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d\s*$", old_line)  # retired: when
    assert new_line.split("  ")[3] == "—"  # not retired


def test_a_retired_key_put_back_in_place_does_not_sign(app, as_user):
    frontdesk = as_user("frontdesk")
    _issue(frontdesk)
    old_id = re.search(r"retired key (\w+)", _seal(app, "rotate"))[1]
    seal_dir = Path(app.config["INSTANCE_PATH"]) / "seal"
    active = seal_dir / "office_ed25519.pem"
    current = active.read_bytes()
    try:
        shutil.copyfile(seal_dir / "retired" / f"{old_id}.pem", active.with_suffix(".tmp"))
        os.replace(active.with_suffix(".tmp"), active)  # e.g. restored from an old backup
        case = start(frontdesk)
        refused = complete(frontdesk, case, "front_desk_acceptance",
                           {"outcome": "correct", "missing_materials": ["PMT"]}, expect=409)
        assert "已停用" in refused["message"]
        assert frontdesk.get(f"/api/v1/cases/{case['id']}/documents").get_json()["items"] == []
        assert frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()["status"] == "submitted"  # step rolled back
    finally:
        active.with_suffix(".tmp").write_bytes(current)
        os.replace(active.with_suffix(".tmp"), active)
    assert _issue(frontdesk)[0]["key_id"] != old_id


def test_an_unknown_key_id_or_an_edited_public_key_does_not_verify(app, as_user):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.documents.seal import public_pem

    frontdesk = as_user("frontdesk")
    doc, pdf = _issue(frontdesk)
    assert _verdicts(app, doc, pdf) == (True, True)
    (registered,) = _sql(app, "SELECT public_key FROM seal_key WHERE key_id = :k", k=doc["key_id"])[0]
    try:
        _sql(app, "UPDATE seal_key SET public_key = :p WHERE key_id = :k",
             p=public_pem(Ed25519PrivateKey.generate().public_key()), k=doc["key_id"])
        assert _verdicts(app, doc, pdf) == (False, False)
        _sql(app, "UPDATE seal_key SET public_key = 'not a key' WHERE key_id = :k", k=doc["key_id"])
        assert _verdicts(app, doc, pdf) == (False, False)
    finally:
        _sql(app, "UPDATE seal_key SET public_key = :p WHERE key_id = :k", p=registered, k=doc["key_id"])
    assert _verdicts(app, doc, pdf) == (True, True)
    _sql(app, "UPDATE document SET key_id = 'ffffffffffffffff' WHERE verify_key = :v",
         v=doc["verify_path"].rsplit("/", 1)[1])
    assert _verdicts(app, doc, pdf) == (False, False)
