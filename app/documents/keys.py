"""The seal's public keys by key id (art. 28): the current key is registered on first use,
`rotate` puts a new one in place and retires the old, and a document verifies against the key
its key id names — never against whatever key signs today."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.database import unit_of_work
from app.documents import seal
from app.documents.models import SealKey
from app.errors import Conflict


def _register(session: Session, current: seal.Seal) -> SealKey:
    row = session.get(SealKey, current.key_id)
    if row is not None:
        return row
    # Several processes may meet an unregistered key at once: insert if missing, and a unique
    # violation only means another one was first.
    try:
        with session.begin_nested():
            session.add(SealKey(key_id=current.key_id, office=current.office, public_key=current.public_pem(),
                                created_at=clock.now()))
    except IntegrityError:
        pass
    return session.get(SealKey, current.key_id, populate_existing=True)


def signing_key(session: Session, key_file: seal.KeyFile) -> seal.Seal:
    """The key to sign with now, registered; refused if it was retired (an old key file put
    back in place must not sign again)."""
    current = key_file.current()
    if _register(session, current).retired_at is not None:
        raise Conflict(f"电子印章密钥 {current.key_id} 已停用，不能再用于签章；请管理员执行 flask seal rotate 启用新密钥")
    return current


def public_key(session: Session, key_id: str | None, key_file: seal.KeyFile):
    """The public key registered under `key_id`; None if unknown or if the row does not hold
    the key its id names (edited). The current key counts as registered before its first use."""
    if not key_id:
        return None
    row = session.get(SealKey, key_id)
    if row is None:
        current = key_file.current()
        return current.public_key() if current.key_id == key_id else None
    public = seal.public_from_pem(row.public_key)
    return public if public is not None and seal.fingerprint(public) == key_id else None


def rotate(session: Session, key_file: seal.KeyFile) -> tuple[SealKey, SealKey]:
    """A new private key in place of the current one (archived), registered; the old one retired."""
    with key_file.replacing() as (old, new), unit_of_work(session):
        old_row, new_row = _register(session, old), _register(session, new)
        if old_row.retired_at is None:
            old_row.retired_at = clock.now()
    return old_row, new_row


def listing(session: Session, key_file: seal.KeyFile) -> tuple[list[SealKey], str]:
    """Every registered key, oldest first, and the id of the one signing now."""
    with unit_of_work(session):
        current = key_file.current()
        _register(session, current)
    return list(session.scalars(select(SealKey).order_by(SealKey.created_at, SealKey.key_id))), current.key_id
