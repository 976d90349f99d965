"""The office's electronic seal (art. 28): an Ed25519 key made on first use and kept in the
instance folder (never in the repository), signing each document's hash.

Only the private key lives in the file; what verifies a document is the public key registered
under the document's key id (documents/keys.py), so a key can be rotated without making the
documents signed before unreadable."""
import base64
import fcntl
import hashlib
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


@dataclass(frozen=True)
class Seal:
    private_key: Ed25519PrivateKey
    key_id: str
    office: str

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private_key.sign(message)).decode("ascii")

    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def public_pem(self) -> str:
        return public_pem(self.public_key())

    def verify(self, message: bytes, signature: str) -> bool:
        return verify_with(self.public_key(), message, signature)


def fingerprint(public: Ed25519PublicKey) -> str:
    """The key id documents record: the start of the raw public key's SHA-256."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def public_from_pem(text: str) -> Ed25519PublicKey | None:
    """The public key in `text`, or None if it is not an Ed25519 public key."""
    try:
        key = serialization.load_pem_public_key(text.encode())
    except (ValueError, TypeError):
        return None
    return key if isinstance(key, Ed25519PublicKey) else None


def verify_with(public: Ed25519PublicKey, message: bytes, signature: str) -> bool:
    try:
        public.verify(base64.b64decode(signature, validate=True), message)
        return True
    except (InvalidSignature, ValueError):
        return False


def _write_new_key(path: Path) -> Path:
    """A new private key in a complete file of its own (mode 0600) beside `path`."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())
    return tmp


def _load(path: Path, office: str) -> Seal:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    return Seal(key, fingerprint(key.public_key()), office)


def load_or_create(path: Path, office: str) -> Seal:
    """The key at `path`, created (mode 0600) if missing: one key per installation."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Several processes may start at once (web workers, schedulers): each writes a complete
        # file of its own and links it into place; the first link wins, the others use that key.
        tmp = _write_new_key(path)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return _load(path, office)


class KeyFile:
    """The key at `path` as it is now: re-read when the file was replaced (a rotation in
    another process), so no worker goes on signing with a key that was rotated out."""

    def __init__(self, path: Path, office: str):
        self.path, self.office = Path(path), office
        self._stamp: tuple | None = None
        self._seal: Seal | None = None

    def _stat(self) -> tuple | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def current(self) -> Seal:
        stamp = self._stat()
        if stamp is None or stamp != self._stamp or self._seal is None:
            self._seal = load_or_create(self.path, self.office)
            self._stamp = self._stat()
        return self._seal

    @property
    def archive(self) -> Path:
        return self.path.parent / "retired"

    @contextmanager
    def replacing(self):
        """Rotate: yields (old seal, new seal) with the new key already in place and the old
        private key moved to `archive` (mode 0600, named by key id). One rotation at a time on
        this host (a lock file); if the caller fails after, the new key stays the current one
        and is registered on first use, so nothing signs with the old one again."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = os.open(self.path.with_name(f".{self.path.name}.lock"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            old = load_or_create(self.path, self.office)
            tmp = _write_new_key(self.path)
            try:
                new = _load(tmp, self.office)
                self.archive.mkdir(mode=0o700, exist_ok=True)
                try:
                    os.link(self.path, self.archive / f"{old.key_id}.pem")
                except FileExistsError:
                    pass  # archived by an earlier, interrupted rotation
                os.replace(tmp, self.path)  # atomic: readers see the old file or the new one
            finally:
                if tmp.exists():
                    os.unlink(tmp)
            yield old, new
        finally:
            os.close(lock)  # closing releases the lock


def signed_message(document_no: str, sha256: str, signed_at_iso: str) -> bytes:
    return f"{document_no}|{sha256}|{signed_at_iso}".encode()
