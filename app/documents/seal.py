"""The office's electronic seal (art. 28): an Ed25519 key made on first use and kept in the
instance folder (never in the repository), signing each document's hash.

Only the current private key is kept (a rotation deletes the old one); what verifies a document
is the public key registered under the document's key id (documents/keys.py) and pinned on this
host in `public/<key id>.pem`, so a key can be rotated without making the documents signed before
unreadable, and a key added to the database alone verifies nothing."""
import base64
import contextlib
import fcntl
import hashlib
import os
import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
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
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())
    return tmp


def _load(path: Path, office: str) -> Seal:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
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


KEY_ID = re.compile(r"[0-9a-f]{16}")


def _write_whole(target: Path, data: bytes, mode: int) -> None:
    """`data` in `target`, replaced whole (readers see the old file or the new one)."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            os.unlink(tmp)


class KeyFile:
    """The key at `path` as it is now: re-read when the file was replaced (a rotation in
    another process), so no worker goes on signing with a key that was rotated out.

    The public halves this host trusts are pinned beside it, outside the database, in
    `public/<key id>.pem` (and `public/<key id>.retired`, the moment a key was retired): the
    current key is pinned whenever it is read (its private half is on disk, so it is ours), a
    rotation pins both keys, and verification (keys.trusted) accepts a `seal_key` row only if it
    holds the pinned key — so writing the database alone cannot add a key that verifies."""

    def __init__(self, path: Path, office: str):
        self.path, self.office = Path(path), office
        self._loaded: tuple[tuple | None, Seal] | None = None  # (file stamp before the read, its key)

    def _stat(self) -> tuple | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def current(self) -> Seal:
        # The stamp is taken before the read: if the file is replaced between the two, the stamp
        # kept is the old file's, so the next call sees a change and reads the new key.
        stamp, loaded = self._stat(), self._loaded
        if loaded is None or stamp is None or stamp != loaded[0]:
            current = load_or_create(self.path, self.office)
            self._repin(current)
            self._loaded = loaded = (stamp, current)
        return loaded[1]

    def _repin(self, current: Seal) -> None:
        self.pin(current.public_key())
        self._adopt_archive()

    def repin(self) -> None:
        """Pin what this host's own files vouch for: the current key (its private half is here)
        and the keys an earlier rotation archived (see _adopt_archive). Done whenever the key is
        read; again on demand, for a public/ folder lost or an archive put back while running."""
        self._repin(self.current())

    @property
    def public_dir(self) -> Path:
        return self.path.parent / "public"

    @property
    def legacy_archive(self) -> Path:
        """Where rotations before key pinning kept retired private keys (see _adopt_archive)."""
        return self.path.parent / "retired"

    def pin(self, public: Ed25519PublicKey) -> None:
        """Trust `public` on this host (idempotent)."""
        key_id = fingerprint(public)
        if self.pinned(key_id) is not None:
            return
        self.public_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
        _write_whole(self.public_dir / f"{key_id}.pem", public_pem(public).encode(), 0o644)

    def pinned(self, key_id: str | None) -> Ed25519PublicKey | None:
        """The public key pinned under `key_id`, if there is one and it is the key its id names."""
        if not key_id or not KEY_ID.fullmatch(key_id):
            return None
        try:
            text = (self.public_dir / f"{key_id}.pem").read_text()
        except (OSError, UnicodeDecodeError):
            return None
        public = public_from_pem(text)
        return public if public is not None and fingerprint(public) == key_id else None

    def pin_retirement(self, key_id: str, when: datetime) -> None:
        """Record outside the database when `key_id` stopped signing (the first record stays)."""
        if self.retired_at(key_id) is None:
            self.public_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
            _write_whole(self.public_dir / f"{key_id}.retired", when.astimezone(UTC).isoformat().encode(),
                         0o644)

    def retired_at(self, key_id: str) -> datetime | None:
        if not KEY_ID.fullmatch(key_id or ""):
            return None
        try:
            moment = datetime.fromisoformat((self.public_dir / f"{key_id}.retired").read_text().strip())
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def _adopt_archive(self) -> None:
        """Installations rotated before keys were pinned kept retired private keys in
        `retired/<key id>.pem`: pin each one's public half (so the documents it signed keep
        verifying), then delete the private key — a retired key must not be able to sign."""
        try:
            archived = sorted(self.legacy_archive.glob("*.pem"))
        except OSError:
            return
        for file in archived:
            try:
                key = serialization.load_pem_private_key(file.read_bytes(), password=None)
            except (ValueError, TypeError, OSError):
                continue  # not a key we can read: left for the administrator
            if isinstance(key, Ed25519PrivateKey):
                self.pin(key.public_key())
                file.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.legacy_archive.rmdir()  # only if now empty

    @contextmanager
    def replacing(self):
        """Rotate: yields (old seal, new seal) with the new key already in place, both public
        halves pinned and the old private key deleted (os.replace unlinks it; nothing keeps a
        copy). One rotation at a time on this host (a lock file); if the caller fails after, the
        new key stays the current one and is registered on first use, so nothing signs with the
        old one again."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = os.open(self.path.with_name(f".{self.path.name}.lock"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            old = load_or_create(self.path, self.office)
            self.pin(old.public_key())
            tmp = _write_new_key(self.path)
            try:
                new = _load(tmp, self.office)
                self.pin(new.public_key())
                os.replace(tmp, self.path)  # atomic: readers see the old file or the new one
            finally:
                if tmp.exists():
                    os.unlink(tmp)
            self._adopt_archive()
            yield old, new
        finally:
            os.close(lock)  # closing releases the lock


def signed_message(document_no: str, sha256: str, signed_at_iso: str) -> bytes:
    return f"{document_no}|{sha256}|{signed_at_iso}".encode()
