"""The declarative base and column types shared by every feature's models.

Models derive from `Base` (plain SQLAlchemy), so the domain core can be used with any
SQLAlchemy session; Flask-SQLAlchemy is handed the same base in `extensions`.
"""
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC
from typing import Any, cast

from sqlalchemy import DateTime, MetaData, event, text
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator

from app.errors import Conflict

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


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    # Only SQLite needs this: WAL for readers beside the writer, a busy timeout so a
    # second writer waits instead of failing, and driver-level autocommit so that the
    # "begin" hook below decides how transactions start.
    if type(dbapi_connection).__module__.split(".")[0] not in ("sqlite3", "pysqlite2"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


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
def unit_of_work(session: Session):
    """Commit on success; roll back and translate storage races into Conflict on failure."""
    try:
        yield
        session.commit()
    except StaleDataError:
        session.rollback()
        raise Conflict("办件已被他人更新，请刷新后重试") from None
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("数据已被并发修改，请刷新后重试", detail=str(exc.orig)) from None
    except OperationalError as exc:
        session.rollback()
        if "locked" in str(exc.orig).lower() or "deadlock" in str(exc.orig).lower():
            raise Conflict("系统繁忙（数据被占用），请稍后重试") from None
        raise
    except BaseException:
        session.rollback()
        raise


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
