"""The office key: made once even when several processes start together; signatures verify."""
import multiprocessing

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
