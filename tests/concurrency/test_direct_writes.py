"""The commit writes the rows of the hot models (app.direct_writes: the case, its tasks and jobs) with
Core statements in its batch, on SQLite and on PostgreSQL (there inside psycopg's pipeline): only
the columns that changed, the version column checked, new rows persistent afterwards with every
column loaded, a failed commit leaving no new object behind, and what only the ORM can write
left to it."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, event, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from app.database import UTCDateTime, defer_insert, unit_of_work
from app.direct_writes import written_directly
from app.errors import Conflict
from tests.concurrency.harness import scratch_session

CREATED = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


class _Base(DeclarativeBase):
    pass


@written_directly
class Folder(_Base):  # like a case: a version column the step sets itself
    __tablename__ = "direct_writes_folder"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(40))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": revision, "version_id_generator": False}


@written_directly
class Sheet(_Base):  # like a task: its id given by the engine, Python-side defaults
    __tablename__ = "direct_writes_sheet"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    folder_id: Mapped[int] = mapped_column(ForeignKey("direct_writes_folder.id"))
    state: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: CREATED)
    note: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict | None] = mapped_column(JSON)  # like Task.data: None is JSON null unless left out
    folder = relationship(Folder, lazy="joined", viewonly=True)


@written_directly
class Counter(_Base):  # like a job: its id autoincremented, so the ORM inserts it (and reads the id)
    __tablename__ = "direct_writes_counter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class Remark(_Base):  # written by the ORM; refers to a sheet (as a contact record to its task)
    __tablename__ = "direct_writes_remark"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sheet_id: Mapped[str] = mapped_column(ForeignKey("direct_writes_sheet.id"))
    sheet = relationship(Sheet)


@written_directly
class Leaf(_Base):  # written directly, with a relationship the ORM writes through
    __tablename__ = "direct_writes_leaf"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    folder_id: Mapped[int | None] = mapped_column(ForeignKey("direct_writes_folder.id"))
    folder = relationship(Folder)


class Event(_Base):  # like a case's history: (folder, seq) unique, inserted deferred
    __tablename__ = "direct_writes_event"
    __table_args__ = (UniqueConstraint("folder_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    folder_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)


@pytest.fixture(params=["sqlite", "postgresql"])
def session(request, tmp_path):
    url = (f"sqlite:///{tmp_path}/direct.db" if request.param == "sqlite"
           else request.getfixturevalue("pg").config["SQLALCHEMY_DATABASE_URI"])
    def seed(s):
        s.add(Folder(id=1, title="营业执照", tags=["a"], revision=1))
        s.add(Sheet(id="t1", folder_id=1, note="old"))

    with scratch_session(url, _Base.metadata, seed) as s:
        yield s


def _statements(session) -> list[str]:
    seen: list[str] = []
    event.listen(session.get_bind(), "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: seen.append(" ".join(statement.split())))
    return seen


def _stored(session, sql: str):
    with Session(session.get_bind()) as other:
        return other.execute(text(sql)).all()


def test_a_step_like_commit_writes_only_what_changed_and_leaves_the_new_row_loaded(session):
    folder = session.get(Folder, 1)
    sheet = session.get(Sheet, "t1")
    folder.tags, folder.revision = ["a", "b"], 2
    folder.title = "营业执照"  # assigned, but unchanged: not written
    sheet.state = "completed"
    new = Sheet(id="t2", folder_id=1, note="new")
    session.add(new)
    seen = _statements(session)
    with unit_of_work(session, keep_loaded=True):  # as an action commits: what it holds stays loaded
        pass

    writes = [s for s in seen if s.startswith(("UPDATE", "INSERT"))]
    assert len(writes) == 3, writes
    folder_update = next(s for s in writes if s.startswith("UPDATE direct_writes_folder"))
    assert "title" not in folder_update.split(" WHERE ")[0]  # a concurrent writer's columns are not overwritten
    assert "revision" in folder_update.split(" WHERE ")[1]  # the version is checked
    assert _stored(session, "SELECT tags, revision FROM direct_writes_folder")[0][1] == 2
    assert sorted(_stored(session, "SELECT id, state, note FROM direct_writes_sheet")) == [
        ("t1", "completed", "old"), ("t2", "open", "new")]

    seen.clear()  # the new row is persistent with its defaults loaded: reading it costs no SQL
    assert new in session and not session.dirty and not session.new
    assert (new.state, new.created_at, new.folder.title) == ("open", CREATED, "营业执照")
    assert (sheet.state, folder.revision, folder.tags) == ("completed", 2, ["a", "b"])
    assert session.get(Sheet, "t2") is new
    assert seen == []


def test_a_stale_version_is_a_conflict_and_stores_nothing(session):
    session.expire_on_commit = False
    folder = session.get(Folder, 1)
    session.commit()  # the session still holds revision 1 (SQLite: and lets the other writer in)
    with Session(session.get_bind()) as other:  # someone else stored revision 2 meanwhile
        other.execute(text("UPDATE direct_writes_folder SET revision = 2"))
        other.commit()
    folder.title, folder.revision = "改了", 2
    session.add(Sheet(id="t2", folder_id=1))
    with pytest.raises(Conflict), unit_of_work(session):
        pass
    assert _stored(session, "SELECT title, revision FROM direct_writes_folder") == [("营业执照", 2)]
    assert [r[0] for r in _stored(session, "SELECT id FROM direct_writes_sheet")] == ["t1"]
    assert session.get(Sheet, "t2") is None  # the new object did not stay behind


def test_a_failed_commit_takes_its_new_rows_out_of_the_session(session):
    clash = Sheet(id="t1", folder_id=1, note="ghost")  # the key is taken: the batch fails
    session.add(clash)
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    assert clash not in session
    assert session.get(Sheet, "t1").note == "old"  # the stored row, not the one that failed
    session.add(Sheet(id="t3", folder_id=1))  # the session works on
    session.commit()
    assert len(_stored(session, "SELECT id FROM direct_writes_sheet")) == 2


def test_what_only_the_orm_can_write_is_left_to_it(session):
    counter = Counter(n=1)  # no id yet: the ORM inserts it and reads the id back
    session.add(counter)
    session.delete(session.get(Sheet, "t1"))  # a deletion
    session.commit()
    counter_id = counter.id
    session.rollback()  # (on SQLite that read began a writer's transaction)
    assert counter_id is not None
    assert _stored(session, "SELECT id, n FROM direct_writes_counter") == [(counter_id, 1)]
    assert _stored(session, "SELECT id FROM direct_writes_sheet") == []
    counter.n = 2  # and once it has its id, its changes go the direct way
    session.commit()
    assert session.scalar(select(Counter.n)) == 2


def test_a_column_a_new_row_leaves_unset_is_sql_null(session):
    session.add(Sheet(id="t2", folder_id=1))  # `data` (JSON) never set: SQL NULL, not JSON null
    session.commit()
    assert _stored(session, "SELECT data IS NULL FROM direct_writes_sheet WHERE id = 't2'") == [(True,)]


def test_a_deleted_row_added_again_and_a_changed_key_are_the_orms(session):
    session.delete(session.get(Sheet, "t1"))
    session.add(Sheet(id="t1", folder_id=1, note="new"))  # a row switch: one UPDATE by the ORM
    session.commit()
    assert _stored(session, "SELECT id, note FROM direct_writes_sheet") == [("t1", "new")]
    sheet = session.get(Sheet, "t1")
    sheet.id = "t9"  # the identity moves with the key
    session.commit()
    assert _stored(session, "SELECT id FROM direct_writes_sheet") == [("t9",)]
    assert session.get(Sheet, "t9") is sheet


def test_rows_the_orm_writes_through_relationships_keep_their_order_and_keys(session):
    folder = session.get(Folder, 1)
    session.add(Leaf(id="l1", folder=folder))  # its key comes from the relationship
    session.add(Remark(id=1, sheet=Sheet(id="t2", folder_id=1)))  # refers to a new sheet
    session.commit()
    assert _stored(session, "SELECT folder_id FROM direct_writes_leaf") == [(1,)]
    assert _stored(session, "SELECT sheet_id FROM direct_writes_remark") == [("t2",)]


def test_a_commit_that_fails_while_taking_the_changes_cannot_be_retried_without_them(session, monkeypatch):
    from app import direct_writes

    folder = session.get(Folder, 1)
    folder.title = "changed"
    session.add(Sheet(id="t2", folder_id=1))
    monkeypatch.setattr(direct_writes, "_shape", lambda model: 1 / 0)  # any failure in take()
    with pytest.raises(ZeroDivisionError):
        session.commit()
    monkeypatch.undo()
    with pytest.raises(Exception):  # noqa: B017 - refused until rolled back, whatever the kind
        session.commit()
    session.rollback()
    assert _stored(session, "SELECT title FROM direct_writes_folder") == [("营业执照",)]
    folder = session.get(Folder, 1)
    folder.title = "changed"
    session.commit()  # after the rollback all is well
    assert _stored(session, "SELECT title FROM direct_writes_folder") == [("changed",)]


def test_a_stale_row_is_reported_as_stale_before_a_history_row_that_clashed(session):
    session.expire_on_commit = False
    folder = session.get(Folder, 1)
    session.commit()
    with Session(session.get_bind()) as other:  # a step meanwhile: revision 2 and its event seq 1
        other.execute(text("UPDATE direct_writes_folder SET revision = 2"))
        other.execute(text("INSERT INTO direct_writes_event (id, folder_id, seq) VALUES (1, 1, 1)"))
        other.commit()
    folder.title, folder.revision = "mine", 2
    defer_insert(session, Event, {"id": 2, "folder_id": 1, "seq": 1})
    with pytest.raises(Conflict) as raised, unit_of_work(session):
        pass
    assert "办件已被他人更新" in raised.value.message
