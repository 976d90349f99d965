"""The seal's keys by key id (art. 28): after `flask seal rotate` new documents carry the new key
id, documents signed before still verify (page and upload), the old private key is gone, a
retired key put back does not sign and what it signs after its retirement does not verify, and a
document whose key id is unknown, whose registered key was edited, or whose key was put in the
database without being pinned on this host (instance/seal/public) does not verify."""
import base64
import io
import os
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from sqlalchemy import text

from app import clock
from app.extensions import db
from tests.api.test_documents import _documents
from tests.flows import complete, draw_documents, start


def _issue(frontdesk) -> tuple[dict, bytes]:
    """A correction notice, as a clerk produces it; (its listing, the PDF)."""
    case = start(frontdesk)
    complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    doc = _documents(frontdesk, case["id"])["correction_notice"]
    pdf = frontdesk.get(f"/api/v1/cases/{case['id']}/documents/{doc['id']}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    return doc, pdf.data


def _state(app, doc: dict) -> str:
    """What the verification page says of the signature."""
    import lxml.html

    page = app.test_client().get(doc["verify_path"])
    assert page.status_code == 200
    return lxml.html.fromstring(page.get_data(as_text=True)).get_element_by_id("valid").text


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


def _seal_dir(app) -> Path:
    return Path(app.config["INSTANCE_PATH"]) / "seal"


def _private_key_ids(folder: Path) -> set[str]:
    """Key ids of every private key anywhere under `folder`."""
    from app.documents.seal import fingerprint

    found = set()
    for file in folder.rglob("*"):
        if file.is_file() and b"PRIVATE KEY" in file.read_bytes():
            found.add(fingerprint(serialization.load_pem_private_key(file.read_bytes(), None).public_key()))
    return found


def _forge(app, doc: dict, private_key, key_id: str) -> None:
    """Re-sign the document's row with `private_key` under `key_id` (as whoever can write the
    database and holds that key would)."""
    from app.documents.seal import signed_message

    signed_at = datetime.fromisoformat(doc["signed_at"]).astimezone(UTC).isoformat()
    signature = base64.b64encode(private_key.sign(signed_message(doc["document_no"], doc["sha256"], signed_at)))
    _sql(app, "UPDATE document SET key_id = :k, signature = :s WHERE verify_key = :v", k=key_id,
         s=signature.decode(), v=doc["verify_path"].rsplit("/", 1)[1])


def test_documents_signed_before_a_rotation_still_verify(app, as_user):
    frontdesk = as_user("frontdesk")
    before, before_pdf = _issue(frontdesk)
    seal_dir = _seal_dir(app)

    output = _seal(app, "rotate")
    old_id, new_id = re.search(r"retired key (\w+)", output)[1], re.search(r"signing key (\w+)", output)[1]
    assert old_id == before["key_id"] and new_id != old_id
    assert "private key deleted" in output
    # The old private key is gone (not archived); both public halves are pinned outside the database.
    assert _private_key_ids(seal_dir) == {new_id} and not (seal_dir / "retired").exists()
    assert {p.name for p in (seal_dir / "public").iterdir()} >= {f"{old_id}.pem", f"{new_id}.pem", f"{old_id}.retired"}

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
    assert "not pinned" not in "\n".join(listing)


def test_documents_issued_after_a_rotation_carry_the_new_key_and_the_old_key_cannot_sign_later(app, as_user):
    frontdesk = as_user("frontdesk")
    _issue(frontdesk)
    active = _seal_dir(app) / "office_ed25519.pem"
    leaked = serialization.load_pem_private_key(active.read_bytes(), None)  # a copy someone kept
    output = _seal(app, "rotate")
    old_id, new_id = re.search(r"retired key (\w+)", output)[1], re.search(r"signing key (\w+)", output)[1]

    clock.advance(timedelta(hours=2))
    later, later_pdf = _issue(frontdesk)
    assert later["key_id"] == new_id and _verdicts(app, later, later_pdf) == (True, True)
    # The same document signed with the old key, dated after its retirement: refused.
    _forge(app, later, leaked, old_id)
    assert _verdicts(app, later, later_pdf) == (False, False)
    assert _state(app, later) == "电子签章无效：签章时间晚于该密钥停用时间"
    # Even with the table's retirement erased, the retirement pinned beside the key holds.
    _sql(app, "UPDATE seal_key SET retired_at = NULL WHERE key_id = :k", k=old_id)
    try:
        assert _verdicts(app, later, later_pdf) == (False, False)
    finally:
        _sql(app, "UPDATE seal_key SET retired_at = :t WHERE key_id = :k", k=old_id,
             t=clock.now() - timedelta(hours=2))


def test_a_retired_key_put_back_in_place_does_not_sign(app, as_user):
    frontdesk = as_user("frontdesk")
    _issue(frontdesk)
    active = _seal_dir(app) / "office_ed25519.pem"
    backup = active.read_bytes()  # e.g. an old backup of the instance folder
    old_id = re.search(r"retired key (\w+)", _seal(app, "rotate"))[1]
    current = active.read_bytes()
    try:
        active.with_suffix(".tmp").write_bytes(backup)
        os.replace(active.with_suffix(".tmp"), active)  # restored from the old backup
        case = start(frontdesk)
        # the decision stands (the seal is not the clerk's to fix); its notice waits, unsigned
        case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
        assert case["status"] == "awaiting_correction"
        assert draw_documents(app) == {"drawn": 0, "failed": 1}
        [waiting] = frontdesk.get(f"/api/v1/cases/{case['id']}/documents").get_json()["items"]
        assert waiting["state_label"] == "生成中"
        assert waiting["sha256"] is None and waiting["key_id"] is None
    finally:
        active.with_suffix(".tmp").write_bytes(current)
        os.replace(active.with_suffix(".tmp"), active)
    assert draw_documents(app) == {"drawn": 1, "failed": 0}  # the current key signs it once back in place
    [signed] = frontdesk.get(f"/api/v1/cases/{case['id']}/documents").get_json()["items"]
    assert signed["state"] == "ready" and signed["key_id"] not in (None, old_id)
    assert _issue(frontdesk)[0]["key_id"] != old_id


def test_a_key_written_into_the_database_alone_does_not_verify(app, as_user):
    """Whoever can write the database registers a key of their own and signs a forged document
    with it: not pinned on this host, it does not verify (签章密钥未登记) — nor would a genuine key
    of another host until its public key is copied into instance/seal/public."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.documents.seal import fingerprint, public_pem

    frontdesk = as_user("frontdesk")
    doc, pdf = _issue(frontdesk)
    forger = Ed25519PrivateKey.generate()
    forged_id = fingerprint(forger.public_key())
    _sql(app, "INSERT INTO seal_key (key_id, office, public_key, created_at) VALUES (:k, :o, :p, :t)",
         k=forged_id, o="西安市鄠邑区政务服务中心", p=public_pem(forger.public_key()), t=clock.now())
    _forge(app, doc, forger, forged_id)
    assert _verdicts(app, doc, pdf) == (False, False)
    assert _state(app, doc) == "电子签章无效：签章密钥未登记"
    assert "not pinned on this host" in next(line for line in _seal(app, "keys").splitlines()
                                              if line.startswith(forged_id))
    pinned = _seal_dir(app) / "public" / f"{forged_id}.pem"
    try:  # what makes a key trusted is the pinned file: an administrator's copy of a host's key
        pinned.write_text(public_pem(forger.public_key()))
        assert _verdicts(app, doc, pdf) == (True, True)
    finally:
        pinned.unlink()
        _sql(app, "DELETE FROM seal_key WHERE key_id = :k", k=forged_id)


def test_documents_of_an_installation_from_before_pinning_keep_verifying(app, as_user):
    """An installation upgraded with nothing pinned yet and an old rotation's private key still
    archived in instance/seal/retired: the current key and the archived one are pinned on first
    use (their private halves are on disk), and the archived private key is then deleted."""
    frontdesk = as_user("frontdesk")
    seal_dir = _seal_dir(app)
    old_doc, old_pdf = _issue(frontdesk)
    archived = seal_dir / "office_ed25519.pem"
    old_private = archived.read_bytes()
    _seal(app, "rotate")
    new_doc, new_pdf = _issue(frontdesk)
    # What the installation looked like before pinning.
    shutil.rmtree(seal_dir / "public")
    (seal_dir / "retired").mkdir(mode=0o700)
    (seal_dir / "retired" / f"{old_doc['key_id']}.pem").write_bytes(old_private)

    assert _verdicts(app, old_doc, old_pdf) == (True, True)
    assert _verdicts(app, new_doc, new_pdf) == (True, True)
    assert {f"{old_doc['key_id']}.pem", f"{new_doc['key_id']}.pem"} <= {p.name for p in (seal_dir / "public").iterdir()}
    assert not (seal_dir / "retired").exists() and _private_key_ids(seal_dir) == {new_doc["key_id"]}


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
        assert _state(app, doc) == "电子签章无效：签章密钥与登记不符"
        _sql(app, "UPDATE seal_key SET public_key = 'not a key' WHERE key_id = :k", k=doc["key_id"])
        assert _verdicts(app, doc, pdf) == (False, False)
    finally:
        _sql(app, "UPDATE seal_key SET public_key = :p WHERE key_id = :k", p=registered, k=doc["key_id"])
    assert _verdicts(app, doc, pdf) == (True, True)
    _sql(app, "UPDATE document SET key_id = 'ffffffffffffffff' WHERE verify_key = :v",
         v=doc["verify_path"].rsplit("/", 1)[1])
    assert _verdicts(app, doc, pdf) == (False, False)
