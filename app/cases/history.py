"""The case history: append-only events chained by hash."""
import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.cases.models import Case, CaseEvent

GENESIS = "0" * 64


def _digest(prev_hash: str, case_id: int, seq: int, at, kind: str, actor: str, message: str,
            data: dict) -> str:
    body = json.dumps([prev_hash, case_id, seq, at.isoformat(timespec="microseconds"), kind, actor,
                       message, data], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class EventLog:
    """Appends events to one case inside the current unit of work (the case row is locked)."""

    def __init__(self, session: Session, case: Case):
        self.session, self.case = session, case
        last = session.execute(select(CaseEvent.seq, CaseEvent.hash)
                               .where(CaseEvent.case_id == case.id)
                               .order_by(CaseEvent.seq.desc()).limit(1)).first()
        self.seq: int = last.seq if last else 0
        self.hash: str = last.hash if last else GENESIS

    def append(self, kind: str, actor: str, message: str, data: dict | None = None) -> CaseEvent:
        data = json.loads(json.dumps(data or {}, ensure_ascii=False, default=str))
        at = clock.now()
        self.seq += 1
        digest = _digest(self.hash, self.case.id, self.seq, at, kind, actor, message, data)
        event = CaseEvent(case_id=self.case.id, seq=self.seq, at=at, kind=kind, actor=actor,
                          message=message, data=data, prev_hash=self.hash, hash=digest)
        self.hash = digest
        self.session.add(event)
        return event


def events(session: Session, case_id: int, newest_first: bool = True) -> list[CaseEvent]:
    order = CaseEvent.seq.desc() if newest_first else CaseEvent.seq
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(order)))


def verify(session: Session, case_id: int) -> bool:
    """True if every event still hashes to what the next one recorded."""
    return verify_chain(events(session, case_id, newest_first=False))


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
