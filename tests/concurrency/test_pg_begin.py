"""On PostgreSQL the app's transactions send their own BEGIN (psycopg runs in autocommit mode; see
app.database._begin), and a web request's first transaction reads the reference counter in the
same message: one round trip where psycopg's own BEGIN and the read took two. The transactions
stay transactions, and the counter read with the BEGIN is the one the request acts on."""
import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from app.extensions import db
from tests.conftest import Api

BEGIN_WITH_READ = "SELECT revision FROM reference_revision WHERE id = 1; BEGIN"


@pytest.fixture
def seen(pg):
    """The statements the app's engine sends, in order."""
    statements: list[str] = []
    with pg.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *rest):
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)


def _move_counter(app) -> None:
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    try:
        with other.begin() as conn:
            conn.execute(text("UPDATE reference_revision SET revision = revision + 1 WHERE id = 1"))
    finally:
        other.dispose()


def test_a_request_reads_the_counter_with_its_begin_and_acts_on_what_it_read(pg, seen):
    client = pg.test_client()
    headers = {"Authorization": f"Bearer {Api(pg, 'frontdesk').token()}"}
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200  # caches warm
    seen.clear()

    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    assert seen[0] == BEGIN_WITH_READ
    assert not any("reference_revision" in s for s in seen[1:])  # read once, with the BEGIN
    warm = len(seen)

    _move_counter(pg)  # e.g. `flask reference reload` in another process
    seen.clear()
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    assert seen[0] == BEGIN_WITH_READ
    assert len(seen) > warm  # the new counter was seen: the account and grants were read again


def test_outside_a_request_a_transaction_is_one_transaction_and_begins_plainly(pg, seen):
    with pg.app_context():
        session = db.session()
        first = session.execute(text("SELECT txid_current()")).scalar()
        assert session.execute(text("SELECT txid_current()")).scalar() == first
        session.execute(text("CREATE TEMP TABLE begin_probe (x int) ON COMMIT DROP"))
        session.rollback()
        assert session.execute(text("SELECT to_regclass('pg_temp.begin_probe')")).scalar() is None  # rolled back
        session.rollback()
        db.session.remove()
    assert seen[0] == "BEGIN"
