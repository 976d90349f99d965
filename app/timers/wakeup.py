"""Telling schedulers that a timer now falls due earlier than they thought.

Whenever a step writes a job, `announce` queues its due time on the session. PostgreSQL
carries the earliest to every scheduler process with one NOTIFY sent as the transaction commits
(delivered at commit, never for a rolled back step); a scheduler in this process reads
`announced(session)` from its own after-commit listener (app.jobs.scheduler). The queue ends
with its transaction. Nothing here polls.
"""
from datetime import datetime

from sqlalchemy import Executable, event, text
from sqlalchemy.orm import Session, SessionTransaction

from app.database import at_commit

CHANNEL = "onewindow_timers"
_KEY = "timer_wakeups"


def announce(session: Session, due_at: datetime) -> None:
    session.info.setdefault(_KEY, []).append(due_at)


_PAYLOAD_CHARACTERS = set("0123456789-:+.T")  # an ISO time: safe to write into the statement


@at_commit
def _notify(session: Session) -> Executable | None:
    # One NOTIFY per transaction, for the earliest time announced in it (PostgreSQL delivers it
    # at the commit, never for a rollback); a scheduler only needs to know when to wake first.
    # It goes out with the step's appended rows (app.database.at_commit): no round trip of its own.
    dues = session.info.get(_KEY)
    if not dues or session.get_bind().dialect.name != "postgresql":
        return None
    payload = min(dues).isoformat()
    if not set(payload) <= _PAYLOAD_CHARACTERS:
        raise ValueError(f"not an ISO time: {payload!r}")
    return text(f"NOTIFY {CHANNEL}, '{payload}'")


def announced(session: Session) -> datetime | None:
    """The earliest due time announced in the transaction being committed (for after-commit
    listeners of the outermost transaction; a time announced in a savepoint that was rolled back
    stays until then, which at worst wakes a scheduler early for nothing)."""
    dues = session.info.get(_KEY)
    return min(dues) if dues else None


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    # After the outermost transaction (committed, its listeners have run; or rolled back);
    # a savepoint's end keeps the queue.
    if transaction.parent is None:
        session.info.pop(_KEY, None)
