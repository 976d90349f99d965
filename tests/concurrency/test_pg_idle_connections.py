"""Pooled PostgreSQL connections that died while idle (a server restart, a failover, an idle
timeout) are replaced before use, without a ping before every request (app.connections): under
load a connection is back in use within moments and is not checked; one that sat idle is."""
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

import app.connections as connections
from app.extensions import db
from tests.conftest import Api


def _kill_the_apps_connections(app) -> int:
    killer = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    try:
        with killer.connect() as conn:
            return len(conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                         "WHERE datname = current_database() AND pid <> pg_backend_pid()")).all())
    finally:
        killer.dispose()


def _signed_in(app):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {Api(app, 'frontdesk').token()}"}
    return lambda: client.get("/api/v1/tasks", headers=headers)


def test_a_connection_that_died_while_idle_is_replaced_before_use(pg, monkeypatch):
    inbox = _signed_in(pg)
    assert inbox().status_code == 200  # the pool now holds a connection
    assert _kill_the_apps_connections(pg) >= 1
    monkeypatch.setattr(connections, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has been idle "long enough"
    answer = inbox()
    assert answer.status_code == 200, answer.get_json()
    with pg.app_context():
        db.engine.dispose()  # the other pooled connections died too; the test's teardown uses the pool at once


def test_without_the_check_the_dead_connection_fails_one_request_then_the_pool_recovers(pg, monkeypatch):
    inbox = _signed_in(pg)
    assert inbox().status_code == 200
    monkeypatch.setattr(connections, "PING_AFTER_IDLE_SECONDS", 3600.0)  # in use a moment ago: not checked
    assert _kill_the_apps_connections(pg) >= 1
    failed = inbox()
    assert failed.status_code == 503 and failed.headers["Retry-After"] == "30"
    assert "稍后重试" in failed.get_json()["message"]
    assert inbox().status_code == 200  # every pooled connection was replaced after the failure


def test_the_check_leaves_the_connection_outside_any_transaction(pg, monkeypatch):
    from psycopg.pq import TransactionStatus

    inbox = _signed_in(pg)
    assert inbox().status_code == 200
    monkeypatch.setattr(connections, "PING_AFTER_IDLE_SECONDS", 0.0)
    with pg.app_context(), db.engine.connect() as connection:  # checked out, so checked
        driver = connection.connection.driver_connection
        assert driver.info.transaction_status == TransactionStatus.IDLE and driver.autocommit is False
