"""The declarative base and column types shared by every feature's models.

Models derive from `Base` (plain SQLAlchemy), so the domain core can be used with any
SQLAlchemy session; Flask-SQLAlchemy is handed the same base in `extensions`.
"""
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC
from typing import Any, TypeVar, cast

from sqlalchemy import DateTime, Executable, Insert, MetaData, event, insert, inspect, select, text
from sqlalchemy.engine import Connection, CursorResult, Engine, Result
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, PendingRollbackError
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, lazyload, scoped_session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator

from app import connections, direct_writes  # noqa: F401 - connections: the engine's and pool's listeners
from app.errors import Conflict

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite forgets the zone; we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use app.clock.now()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _to_utc(target, value, oldvalue, initiator):
    return value.astimezone(UTC) if value is not None and getattr(value, "tzinfo", None) is not None else value


@event.listens_for(Base, "attribute_instrument", propagate=True)
def _utc_on_assignment(cls, key, inst) -> None:
    # A datetime set on a model reads back as the database would give it (UTC), also when the
    # object is presented without being loaded again (unit_of_work(keep_loaded=True)).
    column = getattr(getattr(inst, "property", None), "columns", [None])[0]
    if isinstance(getattr(column, "type", None), UTCDateTime):
        event.listen(inst, "set", _to_utc, retval=True)


# Whether the current context may write. Read-only requests (GET) clear it.
write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(conn):
    # A SQLite transaction that may write takes the write lock up front, so concurrent writers
    # queue behind the busy timeout instead of failing to upgrade a read lock ("database is
    # locked"); read-only ones start deferred and read beside the writer (WAL).
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


@contextmanager
def unit_of_work(session: Session, keep_loaded: bool = False):
    """Commit on success; roll back and translate storage races into Conflict on failure.
    `keep_loaded`: what the transaction loaded stays loaded after the commit (the caller presents
    it without reading it all again; the rows were locked, so what it holds is what was stored)."""
    try:
        yield
        if keep_loaded:
            expire, session.expire_on_commit = session.expire_on_commit, False
            try:
                session.commit()
            finally:
                session.expire_on_commit = expire
        else:
            session.commit()
    except StaleDataError:
        session.rollback()
        raise Conflict("办件已被他人更新，请刷新后重试") from None
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("数据已被并发修改，请刷新后重试", detail=str(exc.orig)) from None
    except OperationalError as exc:
        session.rollback()
        reason = str(exc.orig).lower()
        if "locked" in reason or "deadlock" in reason or "statement timeout" in reason:
            raise Conflict("系统繁忙（数据被占用），请稍后重试") from None
        raise
    except BaseException:
        session.rollback()
        raise


# --- rows written in bulk with the flush -------------------------------------------------------
# Append-only rows that nothing reads back in the same transaction (a case's history events, the
# step's outbox messages and decided documents) skip the ORM's unit of work: the ORM costs ~0.2 ms
# a row to insert (identity, history, RETURNING of the key), Core one executemany per table for
# all of them. They go out right after the session's next flush (the one that writes the case row
# their appender dirtied), at the latest at the commit. Each row belongs to the transaction or
# savepoint it was deferred in: a rollback of that one (or of one it is inside) forgets it, and
# the end of the outermost transaction forgets whatever is left.
_DEFERRED = "deferred_rows"
_INSERTS: dict[type, Insert] = {}  # one statement per model, built once


def defer_insert(session: Session, model: type, row: dict) -> None:
    """Insert `row` (column values) into `model`'s table with the session's next flush (at the
    latest, its commit). Not for tables whose writes must move the reference counter."""
    if isinstance(session, scoped_session):  # the scheduler's and the pages' db.session
        session = session()
    owner = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info.setdefault(_DEFERRED, []).append([owner, model, row])


def _write_deferred(session: Session) -> None:
    pending = session.info.pop(_DEFERRED, None)
    if not pending:
        return
    savepoint = session.get_nested_transaction()
    if savepoint is not None:  # inside a savepoint, write only its own rows: it may still roll back
        pending, session.info[_DEFERRED] = _split(pending, savepoint)
    batches: dict[tuple, list[dict]] = {}  # rows of one model with the same columns, in order
    for _, model, row in pending:
        batches.setdefault((model, tuple(row)), []).append(row)
    connection = session.connection()
    for (model, _), rows in batches.items():
        statement = _INSERTS.get(model)
        if statement is None:
            statement = _INSERTS[model] = insert(model).inline()  # no RETURNING of the key: nothing reads it
        connection.execute(statement, rows)


# Statements that go out as the outermost transaction commits, after the flush, with the deferred
# rows (e.g. the timers' NOTIFY): `at_commit(provider)` registers `provider(session)`, which
# gives a statement or None.
_AT_COMMIT: list[Callable[[Session], Executable | None]] = []
_COMMITTING = "commit_flush"        # set while the commit's own flush runs: it writes the batch
_BATCHED = "commit_batch_written"   # the batch went out (with the flush, or without one)
_FAILED = "commit_batch_failed"     # it failed outside a flush: refuse to commit until rolled back
_DIRECT = "commit_direct_writes"    # the hot models' rows, taken from the ORM (app.direct_writes)


def at_commit(provider: Callable[[Session], Executable | None]) -> Callable[[Session], Executable | None]:
    _AT_COMMIT.append(provider)
    return provider


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context) -> None:
    if session.info.get(_COMMITTING):
        # the commit's flush: the batch goes inside it, so a failure fails the flush as an ORM
        # error does (the transaction must be rolled back; a retried commit is refused)
        _write_batch(session)
    else:
        _write_deferred(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    # the outermost commit only: a savepoint's release must not write (and risk) its parent's rows
    if session.in_nested_transaction():
        return
    if session.info.get(_FAILED):
        raise PendingRollbackError("This transaction's commit failed; roll it back first.")
    session.info[_COMMITTING] = True
    try:
        try:
            session.info[_DIRECT] = direct_writes.take(session)  # the case/task/job rows go with the batch
        except BaseException:
            session.info[_FAILED] = True  # as a failed flush does: nothing more until the rollback
            raise
        session.flush()  # what the ORM still has to write
        if not session.info.get(_BATCHED):  # nothing for the ORM to write, so no flush ran
            try:
                _write_batch(session)
            except BaseException:
                session.info[_FAILED] = True  # as a failed flush does: nothing more until the rollback
                raise
    finally:
        session.info.pop(_COMMITTING, None)
        session.info.pop(_BATCHED, None)
        session.info.pop(_DIRECT, None)


def _write_batch(session: Session) -> None:
    """The hot models' rows, the deferred rows and the `at_commit` statements, after the ORM's
    writes, in one round trip."""
    session.info[_BATCHED] = True
    direct = session.info.pop(_DIRECT, None) or []
    extras = [statement for statement in (provider(session) for provider in _AT_COMMIT) if statement is not None]
    if not (direct or session.info.get(_DEFERRED) or extras):
        return
    connection = session.connection()
    try:
        with _one_round_trip(connection):
            direct_writes.execute(connection, direct)  # first: deferred rows may refer to new tasks
            _write_deferred(session)
            for statement in extras:
                connection.execute(statement)
    except DBAPIError as exc:
        # a stale case row is the cause to report, not the history row that then clashed
        direct_writes.check(direct, failed=exc)
        raise
    direct_writes.check(direct)  # each UPDATE matched its row (known once the pipeline's results are in)


@contextmanager
def _one_round_trip(connection: Connection):
    """On PostgreSQL, the statements inside go to the server together (psycopg's pipeline mode)
    instead of one round trip each; their errors arrive at the end, as SQLAlchemy's exceptions."""
    if connection.dialect.name != "postgresql":
        yield
        return
    dbapi = connection.dialect.loaded_dbapi
    try:
        with cast(Any, connection.connection.driver_connection).pipeline():
            yield
    except dbapi.Error as exc:
        raise DBAPIError.instance(None, None, exc, dbapi.Error) from exc


def _split(pending: list, savepoint: SessionTransaction) -> tuple[list, list]:
    """(the rows deferred in `savepoint` or a savepoint inside it, the others)."""
    def within(owner) -> bool:
        while owner is not None:
            if owner is savepoint:
                return True
            owner = owner.parent
        return False

    inside = [entry for entry in pending if within(entry[0])]
    return inside, [entry for entry in pending if not within(entry[0])]


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    pending = session.info.get(_DEFERRED)
    savepoint = session.get_nested_transaction()
    if pending and savepoint is not None:  # a savepoint rolled back: its own rows only
        session.info[_DEFERRED] = _split(pending, savepoint)[1]
    elif pending:
        session.info.pop(_DEFERRED, None)
    if savepoint is None:
        direct_writes.forget_inserted(session, rolled_back=True)


@event.listens_for(Session, "after_transaction_end")
def _forget_left(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed (so written) or rolled back: nothing is left to write
        session.info.pop(_DEFERRED, None)
        session.info.pop(_FAILED, None)
        direct_writes.forget_inserted(session, rolled_back=False)


def locked(session: Session, model: type[T], ident: object) -> T | None:
    """The row `ident` of `model`, read again under a row lock (SELECT … FOR UPDATE OF its own
    table; SQLite serialises writers anyway). Relations are not joined into the locking query:
    PostgreSQL refuses FOR UPDATE on the nullable side of an outer join."""
    mapper = inspect(model)
    key = mapper.primary_key[0]
    stmt = (select(model).where(key == ident).options(lazyload("*")).with_for_update(of=model)
            .execution_options(populate_existing=True))
    return session.scalars(stmt).one_or_none()


def commit(session: Session) -> None:
    """Commit what the session holds, with the storage races translated as unit_of_work does."""
    with unit_of_work(session):
        pass


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE statement matched. Session.execute() types what it returns as
    a Result; for such a statement it is a CursorResult, which holds the count."""
    return cast(CursorResult[Any], result).rowcount


def unreachable(session: Session) -> str | None:
    """None if the database answers; otherwise the kind of failure (for a health check)."""
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database is "unhealthy"
        return type(exc).__name__
    finally:
        session.rollback()
    return None
