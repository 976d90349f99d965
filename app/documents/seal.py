"""The office's electronic seal (art. 28): an Ed25519 key made on first use and kept in the
instance folder (never in the repository), signing each document's hash."""
import base64
import hashlib
import os
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

    def verify(self, message: bytes, signature: str) -> bool:
        try:
            self.public_key().verify(base64.b64decode(signature), message)
            return True
        except (InvalidSignature, ValueError):
            return False


def load_or_create(path: Path, office: str) -> Seal:
    """The key at `path`, created (mode 0600) if missing: one key per installation."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        # Several processes may start at once (web workers, schedulers): each writes a complete
        # file of its own and links it into place; the first link wins, the others use that key.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return Seal(key, hashlib.sha256(raw).hexdigest()[:16], office)


def signed_message(document_no: str, sha256: str, signed_at_iso: str) -> bytes:
    return f"{document_no}|{sha256}|{signed_at_iso}".encode()
