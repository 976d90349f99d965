"""On PostgreSQL the rows a transaction deferred (app.database.defer_insert) and the statements
registered with `at_commit` go to the server in one round trip as it commits (psycopg's pipeline
mode): they are stored with the commit, a failure among them is SQLAlchemy's own error (so the
unit of work answers 409, never a 500) and nothing of the transaction is stored."""
import pytest
from sqlalchemy import Integer, String, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from app import database
from app.database import defer_insert, unit_of_work
from app.errors import Conflict
from tests.concurrency.harness import scratch_session


class _Base(DeclarativeBase):
    pass


class Note(_Base):
    __tablename__ = "deferred_batch_note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(20), unique=True)


class Owner(_Base):
    __tablename__ = "deferred_batch_owner"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


@pytest.fixture
def session(pg):
    with scratch_session(pg.config["SQLALCHEMY_DATABASE_URI"], _Base.metadata) as s:
        yield s


def _notes(session) -> list[str]:
    with Session(session.get_bind()) as other:
        return list(other.scalars(select(Note.text).order_by(Note.id)))


def test_deferred_rows_and_commit_statements_are_stored_with_the_commit(session, monkeypatch):
    seen = []
    monkeypatch.setattr(database, "_AT_COMMIT", [lambda s: seen.append(1) or text("SELECT 1")])
    session.add(Owner(name="case"))  # an ORM row, flushed before the batch
    for word in ("a", "b", "c"):
        defer_insert(session, Note, {"text": word})
    session.commit()
    assert _notes(session) == ["a", "b", "c"] and seen == [1]
    with Session(session.get_bind()) as other:
        assert other.scalar(select(Owner.name)) == "case"


def test_a_failure_in_the_batch_is_sqlalchemys_error_and_stores_nothing(session):
    session.add(Owner(name="all or nothing"))
    defer_insert(session, Note, {"text": "same"})
    defer_insert(session, Note, {"text": "same"})
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    assert _notes(session) == []
    with Session(session.get_bind()) as other:
        assert other.scalar(select(Owner.name)) is None
    defer_insert(session, Note, {"text": "later"})  # the session works on after the rollback
    session.commit()
    assert _notes(session) == ["later"]


def test_the_unit_of_work_answers_a_conflict(session):
    defer_insert(session, Note, {"text": "twice"})
    defer_insert(session, Note, {"text": "twice"})
    with pytest.raises(Conflict), unit_of_work(session):
        pass
    assert _notes(session) == []


def test_rows_written_at_a_flush_inside_the_transaction_are_seen_by_its_queries(session):
    defer_insert(session, Note, {"text": "early"})
    session.add(Owner(name="dirty"))
    assert session.scalars(select(Note.text)).all() == ["early"]  # autoflush, then the rows
    session.commit()
    assert _notes(session) == ["early"]


@pytest.mark.parametrize("orm_change", [True, False], ids=["with-orm-rows", "batch-alone"])
def test_a_failed_commit_is_refused_again_until_rolled_back(session, orm_change):
    from sqlalchemy.exc import PendingRollbackError

    if orm_change:
        session.add(Owner(name="half"))  # the batch goes inside the commit's flush
    defer_insert(session, Note, {"text": "dup"})  # otherwise it goes out without a flush
    defer_insert(session, Note, {"text": "dup"})
    with pytest.raises(IntegrityError):
        session.commit()
    with pytest.raises(PendingRollbackError):  # never a silent "commit" that stored nothing
        session.commit()
    session.rollback()
    assert _notes(session) == []
    defer_insert(session, Note, {"text": "after"})
    session.commit()
    assert _notes(session) == ["after"]
