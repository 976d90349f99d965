"""PostgreSQL sessions of the app are bounded (issue 14): no statement runs longer than
DB_STATEMENT_TIMEOUT_MS, no transaction stays open and idle longer than
DB_IDLE_IN_TRANSACTION_TIMEOUT_MS (its locks are freed), and the schedulers' LISTEN connection,
idle for as long as no timer falls due, is not ended by the latter."""
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.config import Config
from app.database import unit_of_work
from app.errors import Conflict
from app.extensions import db
from app.jobs.scheduler import PeriodicJob, Scheduler
from app.timers import wakeup


def _url(app) -> str:
    with app.app_context():
        return db.engine.url.render_as_string(hide_password=False)


def test_every_session_of_the_app_has_both_timeouts(pg):
    with pg.app_context():
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "30s"
        assert db.session.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "1min"
        db.session.remove()


def test_a_statement_over_its_timeout_is_cancelled_and_answered_as_busy(pg, monkeypatch):
    monkeypatch.setattr(Config, "DB_STATEMENT_TIMEOUT_MS", 200)
    engine = create_engine(_url(pg))  # a new engine: its connections are made with the new value
    try:
        with Session(engine) as session:
            started = time.monotonic()
            with pytest.raises(Conflict, match="系统繁忙"), unit_of_work(session):
                session.execute(text("SELECT pg_sleep(5)"))
            assert time.monotonic() - started < 2
    finally:
        engine.dispose()


def test_a_transaction_left_idle_is_ended_and_its_locks_freed(pg, monkeypatch):
    monkeypatch.setattr(Config, "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 300)
    engine = create_engine(_url(pg))
    try:
        with engine.connect() as stuck, engine.connect() as other:
            # a worker locks a row, then spins in Python without a word to the database
            stuck.execute(text("SELECT id FROM hall ORDER BY id LIMIT 1 FOR UPDATE"))
            time.sleep(1.0)
            started = time.monotonic()
            other.execute(text("SET lock_timeout = '3s'"))
            assert other.execute(text("SELECT id FROM hall ORDER BY id LIMIT 1 FOR UPDATE")).scalar() is not None
            assert time.monotonic() - started < 1  # the lock was already free
            other.rollback()
            with pytest.raises(DBAPIError, match="idle-in-transaction timeout"):  # ended by the server
                stuck.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def test_the_schedulers_listen_connection_outlives_the_idle_timeout(pg, monkeypatch, caplog):
    monkeypatch.setattr(Config, "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 200)
    rounds: list[float] = []
    probe = PeriodicJob("probe", run=lambda session: rounds.append(time.monotonic()))
    scheduler = Scheduler(pg, [probe])
    scheduler.start()
    try:
        time.sleep(2.0)  # ten times the idle timeout: the LISTEN session has been idle all along
        before = len(rounds)
        engine = create_engine(_url(pg))
        try:
            with engine.begin() as conn:
                # the listener: idle (autocommit), never idle in a transaction
                states = conn.execute(text("SELECT state FROM pg_stat_activity WHERE datname = current_database() "
                                           "AND query LIKE 'LISTEN %'")).scalars().all()
                assert states == ["idle"], states
                conn.execute(text("SELECT pg_notify(:channel, :due)"),
                             {"channel": wakeup.CHANNEL, "due": datetime.now(UTC).isoformat()})
        finally:
            engine.dispose()
        deadline = time.monotonic() + 5
        while len(rounds) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(rounds) > before, "the NOTIFY did not wake the scheduler"
    finally:
        scheduler.stop()
    assert "LISTEN connection lost" not in caplog.text
