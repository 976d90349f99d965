"""Rows deferred with app.database.defer_insert (history events, the step's messages, decided
documents) are written once, with the transaction they belong to, and never survive its
rollback: through flushes, commits with nothing else changed, savepoints released or rolled
back, and a session closed without a commit."""
import pytest
from sqlalchemy import Integer, String, create_engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from app.database import defer_insert


class _Base(DeclarativeBase):
    pass


class Row(_Base):
    __tablename__ = "deferred_row"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(20))


class Anchor(_Base):
    __tablename__ = "anchor"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def _stored(session) -> list[tuple]:
    with Session(session.get_bind()) as other:
        return [(r.text, r.note) for r in other.scalars(select(Row).order_by(Row.id))]


def test_rows_go_out_with_the_flush_and_with_a_commit_that_changes_nothing_else(session):
    defer_insert(session, Row, {"text": "a"})
    session.add(Anchor(name="x"))
    session.flush()
    assert [r.text for r in session.scalars(select(Row))] == ["a"]  # written by the flush
    defer_insert(session, Row, {"text": "b"})  # nothing else changes before the commit
    session.commit()
    assert _stored(session) == [("a", None), ("b", None)]


def test_rows_with_different_columns_keep_every_value(session):
    defer_insert(session, Row, {"text": "a"})
    defer_insert(session, Row, {"text": "b", "note": "kept"})
    session.commit()
    assert _stored(session) == [("a", None), ("b", "kept")]


@pytest.mark.parametrize(("begun", "end"), [(False, "rollback"), (True, "close")])
def test_a_transaction_ended_without_commit_forgets_them(session, begun, end):
    if begun:  # rows deferred in a transaction under way, or before any (the deferral begins one)
        session.add(Anchor(name="z"))
        session.flush()
    defer_insert(session, Row, {"text": "lost"})
    getattr(session, end)()  # a rollback, or a session closed without commit
    session.add(Anchor(name="w"))
    session.commit()
    assert _stored(session) == []


def test_a_savepoint_rolled_back_drops_its_own_rows_only(session):
    session.add(Anchor(name="taken"))
    session.commit()
    defer_insert(session, Row, {"text": "outer"})  # the session has nothing else to flush
    with pytest.raises(IntegrityError), session.begin_nested():
        defer_insert(session, Row, {"text": "inner"})
        session.add(Anchor(name="taken"))  # a lost race, as parties.find_or_create meets it
        session.flush()
    defer_insert(session, Row, {"text": "after"})
    session.commit()
    assert _stored(session) == [("outer", None), ("after", None)]


def test_a_released_savepoint_hands_its_rows_to_the_transaction(session):
    with session.begin_nested():
        defer_insert(session, Row, {"text": "inner"})
    session.commit()
    assert _stored(session) == [("inner", None)]
    with session.begin_nested():
        defer_insert(session, Row, {"text": "undone"})
    session.rollback()  # the whole transaction: the released savepoint's rows go with it
    session.add(Anchor(name="v"))
    session.commit()
    assert _stored(session) == [("inner", None)]


def test_a_flush_inside_a_savepoint_leaves_the_transactions_rows_for_later(session):
    defer_insert(session, Row, {"text": "outer"})  # the session has nothing else to flush
    savepoint = session.begin_nested()
    session.add(Anchor(name="inside"))
    session.flush()  # inside the savepoint: "outer" must not go out here
    savepoint.rollback()  # e.g. a race lost after the flush
    session.commit()
    assert _stored(session) == [("outer", None)]


def test_a_scoped_session_defers_into_its_current_session(session):
    from sqlalchemy.orm import scoped_session, sessionmaker

    scoped = scoped_session(sessionmaker(bind=session.get_bind()))
    defer_insert(scoped, Row, {"text": "scoped"})  # as the scheduler's db.session does
    scoped.commit()
    scoped.remove()
    assert _stored(session) == [("scoped", None)]
