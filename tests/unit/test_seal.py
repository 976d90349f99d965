"""The office key: made once even when several processes start together; signatures verify; a
worker notices a rotation; public keys are pinned beside the key and a rotation leaves no old
private key behind."""
import multiprocessing
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.documents import seal
from app.documents.seal import load_or_create, signed_message


def _key_id(path) -> str:
    return load_or_create(path, "测试中心").key_id


def test_processes_starting_together_share_one_key(tmp_path):
    path = tmp_path / "seal" / "office.pem"
    with multiprocessing.get_context("fork").Pool(6) as pool:
        ids = pool.map(_key_id, [path] * 24)
    assert len(set(ids)) == 1 and (path.stat().st_mode & 0o777) == 0o600
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_signature_verifies_only_for_its_message(tmp_path):
    seal = load_or_create(tmp_path / "k.pem", "测试中心")
    message = signed_message("鄠政务受〔2026〕000001号", "ab" * 32, "2026-11-30T01:00:00+00:00")
    signature = seal.sign(message)
    assert seal.verify(message, signature)
    assert not seal.verify(message.replace(b"000001", b"000002"), signature)
    assert not seal.verify(message, "not base64!")


def test_a_rotation_between_the_read_and_the_stat_is_noticed_on_the_next_call(tmp_path, monkeypatch):
    """KeyFile keeps the file stamp taken before it read the key: a replacement landing right
    after the read leaves an older stamp behind, so the next call reads the new key."""
    path = tmp_path / "seal" / "office.pem"
    old = load_or_create(path, "测试中心")
    key_file = seal.KeyFile(path, "测试中心")
    read = seal.load_or_create

    def read_then_rotated(*args):
        loaded = read(*args)
        monkeypatch.setattr(seal, "load_or_create", read)  # once
        seal._write_new_key(path).replace(path)  # another process rotates right now
        return loaded

    monkeypatch.setattr(seal, "load_or_create", read_then_rotated)
    assert key_file.current().key_id == old.key_id
    new = load_or_create(path, "测试中心")
    assert new.key_id != old.key_id and key_file.current().key_id == new.key_id


def test_the_current_key_is_pinned_and_a_rotation_deletes_the_old_private_key(tmp_path):
    path = tmp_path / "seal" / "office.pem"
    key_file = seal.KeyFile(path, "测试中心")
    first = key_file.current()
    assert seal.fingerprint(key_file.pinned(first.key_id)) == first.key_id
    with key_file.replacing() as (old, new):
        assert old.key_id == first.key_id and new.key_id != old.key_id
    key_file.pin_retirement(old.key_id, datetime(2026, 11, 30, 1, tzinfo=UTC))
    privates = [p for p in path.parent.rglob("*") if p.is_file() and b"PRIVATE KEY" in p.read_bytes()]
    assert privates == [path] and key_file.current().key_id == new.key_id
    assert key_file.pinned(old.key_id) is not None and key_file.pinned(new.key_id) is not None
    assert key_file.retired_at(old.key_id) == datetime(2026, 11, 30, 1, tzinfo=UTC)
    key_file.pin_retirement(old.key_id, datetime(2026, 12, 30, 1, tzinfo=UTC))  # the first record stays
    assert key_file.retired_at(old.key_id) == datetime(2026, 11, 30, 1, tzinfo=UTC)
    assert key_file.retired_at(new.key_id) is None


def test_a_pinned_file_counts_only_for_the_key_its_name_is(tmp_path):
    key_file = seal.KeyFile(tmp_path / "seal" / "office.pem", "测试中心")
    current = key_file.current()
    other = Ed25519PrivateKey.generate().public_key()
    wrong_name = key_file.public_dir / "0123456789abcdef.pem"
    wrong_name.write_text(seal.public_pem(other))  # a file named for one key holding another
    assert key_file.pinned("0123456789abcdef") is None
    (key_file.public_dir / f"{current.key_id}.pem").write_text("not a key")
    assert key_file.pinned(current.key_id) is None
    key_file.repin()  # the current key's private half is here: pinned again
    assert key_file.pinned(current.key_id) is not None
    for odd in ("", None, "../seal/office", "0123456789ABCDEF", current.key_id + "0"):
        assert key_file.pinned(odd) is None
