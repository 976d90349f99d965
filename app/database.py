"""The declarative base and column types shared by every feature's models.

Models derive from `Base` (plain SQLAlchemy), so the domain core can be used with any
SQLAlchemy session; Flask-SQLAlchemy is handed the same base in `extensions`.
"""
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from datetime import UTC
from typing import Any, TypeVar, cast

from sqlalchemy import DateTime, Executable, Insert, MetaData, event, insert, inspect, select, text
from sqlalchemy.engine import Connection, CursorResult, Engine, Result
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, OperationalError, PendingRollbackError
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, lazyload, scoped_session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator

from app import direct_writes
from app.config import Config
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


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    # Only SQLite needs this: WAL for readers beside the writer, a busy timeout so a
    # second writer waits instead of failing, and driver-level autocommit so that the
    # "begin" hook below decides how transactions start.
    if not _is_sqlite(dbapi_connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def postgresql_options(statement_ms: int | None = None, idle_in_transaction_ms: int | None = None) -> str:
    """libpq `options` that bound a PostgreSQL session: no statement runs longer than
    DB_STATEMENT_TIMEOUT_MS and no transaction stays open and idle longer than
    DB_IDLE_IN_TRANSACTION_TIMEOUT_MS (the server then ends the session, rolling back and freeing
    its row locks: a worker stuck in Python cannot hold a case lock or a pooled connection long)."""
    statement = Config.DB_STATEMENT_TIMEOUT_MS if statement_ms is None else statement_ms
    idle = Config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS if idle_in_transaction_ms is None else idle_in_transaction_ms
    return f"-c statement_timeout={int(statement)} -c idle_in_transaction_session_timeout={int(idle)}"


@event.listens_for(Engine, "do_connect")
def _postgresql_timeouts(dialect, connection_record, cargs, cparams):
    # Every connection of an app's engine (PostgreSQL only; SQLite has its busy timeout above).
    # Options a DATABASE_URL already carries (?options=…) come first; ours win where both set one.
    if dialect.name == "postgresql":
        cparams["options"] = " ".join(filter(None, (cparams.get("options"), postgresql_options())))


# A PostgreSQL connection is checked before use only after it sat idle in the pool (a restart or a
# failover happens while the pool is quiet): checking before every request (pool_pre_ping) is a
# round trip per request for nothing under load. A connection that breaks while in use fails that
# request (503, app.http.faults), and SQLAlchemy then replaces every pooled connection.
PING_AFTER_IDLE_SECONDS = 2.0


@event.listens_for(Pool, "checkin")
def _idle_from(dbapi_connection, connection_record) -> None:
    if connection_record is not None:
        connection_record.info["idle_since"] = time.monotonic()
        pipeline = connection_record.info.pop(_SENT_WITH_NEXT, None)
        if pipeline is not None:  # held back and never sent (a caller without settle_sent)
            with suppress(Exception):
                pipeline.__exit__(None, None, None)


@event.listens_for(Pool, "checkout")
def _ping_after_idle(dbapi_connection, connection_record, proxy) -> None:
    since = connection_record.info.pop("idle_since", None)
    if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS or _is_sqlite(dbapi_connection):
        return
    try:
        # an empty query, outside any transaction (as SQLAlchemy's own ping): a round trip, nothing else
        autocommit, dbapi_connection.autocommit = dbapi_connection.autocommit, True
        try:
            dbapi_connection.execute(";")
        finally:
            dbapi_connection.autocommit = autocommit
    except Exception as exc:  # noqa: BLE001 - any failure means the connection is gone
        raise DisconnectionError(f"idle connection lost: {exc}") from exc  # the pool connects anew


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.split(".")[0] in ("sqlite3", "pysqlite2")


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


# --- statements sent with the next one ---------------------------------------------------------
_SENT_WITH_NEXT = "pipeline_left_after_next_statement"


@contextmanager
def sent_with_next(connection: Connection):
    """Statements executed inside go to the server with the next statement executed after the
    block, in one round trip (PostgreSQL: psycopg's pipeline mode, left as that statement is sent;
    elsewhere they simply run). Their results are not read: e.g. a row lock taken before the read
    that must see what the lock's previous holder committed. Call `settle_sent` after that
    statement (in a `finally`), in case it never went out."""
    if connection.dialect.name != "postgresql" or not connection.in_transaction():
        yield  # (a transaction's BEGIN must not go into a pipeline: begin it first to batch)
        return
    pipeline = cast(Any, connection.connection.driver_connection).pipeline()
    pipeline.__enter__()
    try:
        yield
    except BaseException:
        pipeline.__exit__(None, None, None)
        raise
    connection.info[_SENT_WITH_NEXT] = pipeline


def settle_sent(connection: Connection) -> None:
    """Send what `sent_with_next` holds back, if the next statement has not taken it along (it
    failed before it was sent). With an error under way, that error is the one reported."""
    pipeline = connection.info.pop(_SENT_WITH_NEXT, None)
    if pipeline is None:
        return
    failing = sys.exc_info()
    if failing[1] is not None:
        pipeline.__exit__(*failing)  # leaves pipeline mode; psycopg logs its own error, if any
        return
    dbapi = connection.dialect.loaded_dbapi
    try:
        pipeline.__exit__(None, None, None)
    except dbapi.Error as exc:
        raise DBAPIError.instance(None, None, exc, dbapi.Error) from exc


@event.listens_for(Engine, "after_cursor_execute")
def _send_with_this(conn, cursor, statement, parameters, context, executemany) -> None:
    pipeline = conn.info.pop(_SENT_WITH_NEXT, None)
    if pipeline is not None:
        # leaving pipeline mode sends this statement with those before it and waits for all their
        # results, so SQLAlchemy finds this one's rows (an error of any is raised here, as this one's)
        pipeline.__exit__(None, None, None)


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
