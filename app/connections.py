"""What every database connection of the app gets, whatever uses it: SQLite's pragmas, PostgreSQL's
session timeouts, the pool's check of a connection that sat idle, and statements held back to go to
the server with the next one (`sent_with_next`). Listeners on SQLAlchemy's Engine and Pool classes:
importing this module (app.database does) installs them."""
import sys
import time
from contextlib import contextmanager, suppress
from typing import Any, cast

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.pool import Pool

from app.config import Config


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    # Only SQLite needs this: WAL for readers beside the writer, a busy timeout so a
    # second writer waits instead of failing, and driver-level autocommit so that the
    # "begin" hook in app.database decides how transactions start.
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
