"""The seal's public keys by key id (art. 28): the current key is registered on first use,
`rotate` puts a new one in place and retires the old, and a document verifies against the key
its key id names — never against whatever key signs today.

The `seal_key` table is not trusted on its own: a key verifies only if this host pinned the
same public key outside the database (seal.KeyFile.pinned), so whoever can write the database
cannot register a key of their own and forge documents with it. A key registered in the table
but not pinned here (e.g. signed on another host whose public key was never copied over) does
not verify: 签章密钥未登记."""
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.database import unit_of_work
from app.documents import seal
from app.documents.models import SealKey
from app.errors import Conflict

logger = logging.getLogger(__name__)

# Why a key id does not verify (keys.trusted).
UNREGISTERED = "unregistered"  # not pinned on this host, or not in the table (签章密钥未登记)
MISMATCH = "mismatch"          # the table's row does not hold the pinned key (签章密钥与登记不符)


@dataclass(frozen=True)
class TrustedKey:
    public: seal.Ed25519PublicKey
    retired_at: datetime | None  # the earlier of the table's and the pinned record's


def _insert(session: Session, current: seal.Seal) -> bool:
    """Add the key's row; False if another process added it first (a unique violation)."""
    try:
        with session.begin_nested():
            session.add(SealKey(key_id=current.key_id, office=current.office, public_key=current.public_pem(),
                                created_at=clock.now()))
        return True
    except IntegrityError:
        return False


def _registered(session: Session, key_id: str, **options) -> SealKey:
    """The key's row, read again (`options` as for Session.get), which `_register` put in place."""
    row = session.get(SealKey, key_id, populate_existing=True, **options)
    if row is None:  # neither this process's insert nor another's is visible
        raise Conflict(f"电子印章密钥 {key_id} 未登记，请重试")
    return row


def _register(session: Session, current: seal.Seal) -> SealKey:
    row = session.get(SealKey, current.key_id)
    if row is not None:
        return row
    # Several processes may meet an unregistered key at once: insert if missing, and a unique
    # violation only means another one was first.
    if not _insert(session, current):
        logger.info("seal key %s was registered by another process first", current.key_id)
    return _registered(session, current.key_id)


def signing_key(session: Session, key_file: seal.KeyFile) -> seal.Seal:
    """The key to sign with now, registered; refused if it was retired (an old key file put
    back in place must not sign again). The row is share-locked until the caller's transaction
    ends, so a rotation marks the key retired only after the documents being signed with it are
    committed (their signing time is then never after the retirement)."""
    current = key_file.current()
    _register(session, current)
    row = _registered(session, current.key_id, with_for_update={"read": True})
    if row.retired_at is not None or key_file.retired_at(current.key_id) is not None:
        raise Conflict(f"电子印章密钥 {current.key_id} 已停用，不能再用于签章；请管理员执行 flask seal rotate 启用新密钥")
    return current


def trusted(session: Session, key_id: str | None, key_file: seal.KeyFile) -> tuple[TrustedKey, None] | tuple[None, str]:
    """(the key `key_id` names, None) if this host trusts it, else (None, UNREGISTERED or MISMATCH).
    Trusted: pinned on this host, and registered in the table with that same public key (the
    current key counts as registered before its first use)."""
    if not key_id:
        return None, UNREGISTERED
    current = key_file.current()
    pinned = key_file.pinned(key_id)
    if pinned is None:  # pinned on first use: the current key, and keys archived before pinning
        key_file.repin()
        pinned = key_file.pinned(key_id)
    if pinned is None:
        return None, UNREGISTERED
    row = session.get(SealKey, key_id)
    if row is None:
        if key_id != current.key_id:
            return None, UNREGISTERED
        return TrustedKey(pinned, key_file.retired_at(key_id)), None
    registered = seal.public_from_pem(row.public_key)
    if registered is None or seal.public_pem(registered) != seal.public_pem(pinned):
        return None, MISMATCH
    retired = [t for t in (row.retired_at, key_file.retired_at(key_id)) if t is not None]
    return TrustedKey(pinned, min(retired) if retired else None), None


def public_key(session: Session, key_id: str | None, key_file: seal.KeyFile):
    """The trusted public key under `key_id`, or None (see `trusted`)."""
    key, _ = trusted(session, key_id, key_file)
    return key.public if key else None


def rotate(session: Session, key_file: seal.KeyFile) -> tuple[SealKey, SealKey]:
    """A new private key in place of the current one (deleted), both pinned and registered; the
    old one retired — in the table and in the pinned record — at the moment the last document
    being signed with it was committed (its row lock)."""
    with key_file.replacing() as (old, new), unit_of_work(session):
        _register(session, old)
        new_row = _register(session, new)
        old_row = _registered(session, old.key_id, with_for_update=True)
        if old_row.retired_at is None:
            old_row.retired_at = clock.now()
        key_file.pin_retirement(old.key_id, old_row.retired_at)
    return old_row, new_row


def listing(session: Session, key_file: seal.KeyFile) -> tuple[list[SealKey], str]:
    """Every registered key, oldest first, and the id of the one signing now."""
    with unit_of_work(session):
        current = key_file.current()
        _register(session, current)
    return list(session.scalars(select(SealKey).order_by(SealKey.created_at, SealKey.key_id))), current.key_id
