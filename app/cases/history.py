"""The case history: append-only events chained by hash."""
import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.cases.models import Case, CaseEvent
from app.database import defer_insert

GENESIS = "0" * 64


def _digest(prev_hash: str, case_id: int, seq: int, at, kind: str, actor: str, message: str,
            data: dict) -> str:
    body = json.dumps([prev_hash, case_id, seq, at.isoformat(timespec="microseconds"), kind, actor,
                       message, data], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class EventLog:
    """Appends events to one case inside the current unit of work (the case row is locked, or
    a concurrent append fails on (case_id, seq) and the caller's unit of work answers 409).
    The chain's head lives on the case row, so appending costs no query; the events go out in
    one Core INSERT (executemany) right after the unit of work flushes the case row."""

    def __init__(self, session: Session, case: Case):
        self.session, self.case = session, case
        if case.history_seq is None and case.id is not None:  # a row the migration did not reach
            last = session.execute(select(CaseEvent.seq, CaseEvent.hash)
                                   .where(CaseEvent.case_id == case.id)
                                   .order_by(CaseEvent.seq.desc()).limit(1)).first()
            case.history_seq, case.history_head = (last.seq, last.hash) if last else (0, GENESIS)

    @property
    def seq(self) -> int:
        return self.case.history_seq or 0

    @property
    def hash(self) -> str:
        return self.case.history_head or GENESIS

    def append(self, kind: str, actor: str, message: str, data: dict | None = None) -> None:
        data = json.loads(json.dumps(data or {}, ensure_ascii=False, default=str))
        at = clock.now()
        seq, prev = self.seq + 1, self.hash
        digest = _digest(prev, self.case.id, seq, at, kind, actor, message, data)
        self.case.history_seq, self.case.history_head = seq, digest  # dirties the case: a flush will come
        defer_insert(self.session, CaseEvent, {"case_id": self.case.id, "seq": seq, "at": at, "kind": kind,
                                               "actor": actor, "message": message, "data": data, "prev_hash": prev,
                                               "hash": digest})


def events(session: Session, case_id: int, newest_first: bool = True, limit: int | None = None,
           before: int | None = None) -> list[CaseEvent]:
    """The case's events; newest first, at most `limit` of them, older than sequence `before`
    (the history's pages: the unique (case_id, seq) index reads them in order)."""
    order = CaseEvent.seq.desc() if newest_first else CaseEvent.seq
    stmt = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(order)
    if before is not None:
        stmt = stmt.where(CaseEvent.seq < before)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def verify(session: Session, case_id: int) -> bool:
    """True if every event still hashes to what the next one recorded."""
    return verify_chain(events(session, case_id, newest_first=False))


def head_intact(case: Case, newest: CaseEvent | None) -> bool:
    """The cheap check a read makes: the newest event is the head the case row recorded and
    still hashes to itself (the whole chain is verified by `flask audit verify`, nightly)."""
    if newest is None:
        return (case.history_seq or 0) == 0
    return (newest.seq == case.history_seq and newest.hash == case.history_head
            and _digest(newest.prev_hash, newest.case_id, newest.seq, newest.at, newest.kind, newest.actor,
                        newest.message, newest.data) == newest.hash)


def verify_chain(chain: list[CaseEvent]) -> bool:
    """`chain` oldest first, as read from the database."""
    prev = GENESIS
    for event in chain:
        if event.prev_hash != prev:
            return False
        if _digest(prev, event.case_id, event.seq, event.at, event.kind, event.actor,
                   event.message, event.data) != event.hash:
            return False
        prev = event.hash
    return True
