"""Reference data cached per worker: halls, service items, guide versions, process versions, the
holiday calendar and seal keys change a few times a year but are read by every engine step.

One counter (`reference_revision`) says when any of them changed: a flush that writes a tracked
table, or a bulk UPDATE/DELETE on one, adds 1 in the same transaction. A worker reads the counter
once per request (memoized on the session) and keeps what it loaded under that number; a
different number means reload. Objects are kept detached and fully loaded, and handed to a
session with `merge(load=False)`, which costs no SQL; SQLAlchemy then resolves many-to-one
relationships to them from the identity map, so `case.guide` is free. A transaction that changed
reference data itself bypasses the cache (it must see its own writes).
"""
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Integer, event, select, update
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from app.database import Base, write_intent

T = TypeVar("T")

_REVISION = "reference_revision"   # session.info: the counter as read in this request/transaction
_CHANGED = "reference_changed"      # session.info: this transaction wrote reference data
_KEEP = "reference_objects"         # session.info: merged objects, held for the identity map
REQUEST_SCOPED = "reference_per_request"  # session.info: keep the memo across commits (one web request)
_TRACKED: set[str] = set()
_cache: dict[tuple[str, Any], tuple[int, Any]] = {}
_lock = threading.Lock()
_MAX_ENTRIES = 10_000  # a bound, not a policy: entries are tiny and few kinds exist


class ReferenceRevision(Base):
    __tablename__ = "reference_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)


def track(*models) -> None:
    """Declare models (or plain tables) whose rows are reference data (their module calls this once)."""
    for model in models:
        _TRACKED.add(getattr(model, "__table__", model).name)


def begin_request(session: Session) -> None:
    """A web request: read the counter once for the whole request, commits included."""
    session.info.pop(_REVISION, None)
    session.info[REQUEST_SCOPED] = True


def end_request(session: Session) -> None:
    for key in (REQUEST_SCOPED, _REVISION, _KEEP):
        session.info.pop(key, None)


def revision(session: Session) -> int:
    """The counter, read at most once per request (per transaction outside requests)."""
    value = session.info.get(_REVISION)
    if value is None:  # on the connection, without the ORM: every request reads it
        value = session.connection().execute(_READ_REVISION).scalar() or 0
        session.info[_REVISION] = value
    return value


_READ_REVISION = select(ReferenceRevision.revision).where(ReferenceRevision.id == 1)


def _database(session: Session) -> str:
    engine = session.get_bind().engine
    name = _NAMES.get(engine)
    if name is None:  # rendering the URL cost ~0.5 % of an action, on every cache lookup
        name = _NAMES[engine] = str(engine.url)
    return name


_NAMES: "weakref.WeakKeyDictionary[Any, str]" = weakref.WeakKeyDictionary()  # engine -> its URL as text


def cached(session: Session, key: Any, load: Callable[[Session], T]) -> T:
    """`load(session)` once per worker and reference revision; the value must not be bound to a
    session (plain data, or detached objects: see `entity`)."""
    if session.info.get(_CHANGED):
        return load(session)
    slot = (_database(session), key)
    now = revision(session)
    with _lock:
        hit = _cache.get(slot)
    if hit is not None and hit[0] == now:
        return hit[1]
    value = load(session)
    with _lock:
        if len(_cache) >= _MAX_ENTRIES:
            _cache.clear()
        _cache[slot] = (now, value)
    return value


def entity(session: Session, model: type[T], ident: Any, *options, shape: str = "") -> T | None:
    """The row `model[ident]` (with `options`, e.g. selectinload of what it carries, named by
    `shape` in the cache key) from the cache, merged into `session` without SQL. Loaded on a miss in a session of its own, so the
    cached copy is complete and detached; a row this transaction has not committed yet is not
    there and is read from `session` itself, uncached."""
    def load(_session: Session):
        # a reader beside the caller's transaction (on SQLite a deferred one: WAL lets it read
        # while the caller holds the write lock)
        reading = write_intent.set(False)
        try:
            return _load_detached(session, model, ident, options)
        finally:
            write_intent.reset(reading)

    detached = cached(session, ("entity", model.__name__, ident, shape), load)
    if detached is None:
        return session.scalar(select(model).where(*_pk_is(model, ident)).options(*options))
    merged: T = session.merge(detached, load=False)
    # the identity map holds objects weakly: keep them, or `case.guide` would have to load them again
    session.info.setdefault(_KEEP, []).append(merged)
    return merged


def _load_detached(session: Session, model, ident, options):
    with Session(bind=session.get_bind(), expire_on_commit=False) as own:
        # read only; closing detaches the objects as loaded (a rollback would expire them)
        return own.scalar(select(model).where(*_pk_is(model, ident)).options(*options))


def _pk_is(model, ident) -> list:
    columns = model.__table__.primary_key.columns
    values = ident if isinstance(ident, tuple) else (ident,)
    return [column == value for column, value in zip(columns, values, strict=True)]


def _bump(session: Session) -> None:
    session.info[_CHANGED] = True
    session.info.pop(_REVISION, None)


def invalidate(session: Session) -> int:
    """Move the counter on, in the caller's transaction: after a change made outside the app (SQL
    by hand, a data migration), every worker reads reference data and accounts again at its next
    request. Returns the new revision."""
    session.connection().execute(_MOVE_ON)
    _bump(session)
    return revision(session)


_MOVE_ON = update(ReferenceRevision).where(ReferenceRevision.id == 1).values(revision=ReferenceRevision.revision + 1)


_TOUCHED = "reference_touched"


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context, instances) -> None:
    # `dirty` is optimistic (merging a cached object "sets" its attributes): count net changes only
    def tracked(obj) -> bool:
        return getattr(obj, "__tablename__", None) in _TRACKED

    if (any(tracked(o) for o in (*session.new, *session.deleted))
            or any(tracked(o) and session.is_modified(o) for o in session.dirty)):
        session.info[_TOUCHED] = True


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context) -> None:
    touched = session.info.pop(_TOUCHED, False)
    if touched and not session.info.get(_CHANGED):
        session.connection().execute(_MOVE_ON)
        _bump(session)


@event.listens_for(Session, "do_orm_execute")
def _bulk_writes(state) -> None:
    # Bulk UPDATE/DELETE (and INSERT statements) on a tracked table bump the counter too.
    if not (state.is_update or state.is_delete or state.is_insert) or state.session.info.get(_CHANGED):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _TRACKED:
        state.session.connection().execute(_MOVE_ON)
        _bump(state.session)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    session.info.pop(_CHANGED, None)
    if not session.info.get(REQUEST_SCOPED):
        session.info.pop(_REVISION, None)
        session.info.pop(_KEEP, None)
