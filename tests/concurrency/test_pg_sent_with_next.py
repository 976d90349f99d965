"""`connections.sent_with_next`: on PostgreSQL, statements whose results are not read (a step's row
lock) go to the server with the next statement (its read), in one round trip: the next statement
still gets its rows, an error of the first arrives as SQLAlchemy's error of the second, and a
connection whose next statement never came is taken out of pipeline mode by `settle_sent`."""
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from app.connections import sent_with_next, settle_sent


@pytest.fixture
def connection(pg):
    engine = create_engine(pg.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE sent_probe (id int PRIMARY KEY, n int)"))
        conn.execute(text("INSERT INTO sent_probe VALUES (1, 10)"))
        yield conn
    engine.dispose()


def _in_pipeline(connection) -> bool:
    return connection.connection.driver_connection._pipeline is not None


def test_the_next_statement_reads_its_rows_and_sees_what_the_first_did(connection):
    with sent_with_next(connection):
        connection.execute(text("UPDATE sent_probe SET n = 11 WHERE id = 1"))
        assert _in_pipeline(connection)  # held back, not yet sent
    try:
        assert connection.execute(text("SELECT n FROM sent_probe WHERE id = 1")).scalar() == 11
    finally:
        settle_sent(connection)
    assert not _in_pipeline(connection)
    assert connection.execute(text("SELECT count(*) FROM sent_probe")).scalar() == 1


def test_an_error_of_the_first_is_the_next_statements_error(connection):
    with sent_with_next(connection):
        connection.execute(text("INSERT INTO sent_probe VALUES (1, 0)"))  # the key is taken
    with pytest.raises(DBAPIError) as raised:
        try:
            connection.execute(text("SELECT n FROM sent_probe WHERE id = 1"))
        finally:
            settle_sent(connection)  # as a caller does: the error under way is the one reported
    assert "sent_probe_pkey" in str(raised.value)
    connection.rollback()
    assert not _in_pipeline(connection)
    assert connection.execute(text("SELECT 1")).scalar() == 1  # the connection works on


def test_an_error_found_by_settle_is_sqlalchemys(connection):
    with sent_with_next(connection):
        connection.execute(text("INSERT INTO sent_probe VALUES (1, 0)"))
    with pytest.raises(DBAPIError):
        settle_sent(connection)
    connection.rollback()  # (the temporary table goes with the transaction)
    assert not _in_pipeline(connection)
    assert connection.execute(text("SELECT 1")).scalar() == 1


def test_settle_sends_what_waited_when_no_statement_came(connection):
    with sent_with_next(connection):
        connection.execute(text("UPDATE sent_probe SET n = 12 WHERE id = 1"))
    settle_sent(connection)
    assert not _in_pipeline(connection)
    assert connection.execute(text("SELECT n FROM sent_probe")).scalar() == 12


def test_outside_a_transaction_the_statements_simply_run(pg):
    """A BEGIN must not go into a pipeline: a connection not yet in a transaction is not batched."""
    engine = create_engine(pg.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            with sent_with_next(conn):
                assert conn.execute(text("SELECT 7")).scalar() == 7  # ran at once, rows and all
                assert not _in_pipeline(conn)
            settle_sent(conn)
            assert conn.execute(text("SELECT 8")).scalar() == 8
    finally:
        engine.dispose()
