"""Telling schedulers that a timer now falls due earlier than they thought.

Whenever a step writes a job, `announce` queues its due time on the session. PostgreSQL
carries the earliest to every scheduler process with one NOTIFY sent as the transaction commits
(delivered at commit, never for a rolled back step); a scheduler in this process reads
`announced(session)` from its own after-commit listener (app.jobs.scheduler). The queue ends
with its transaction. Nothing here polls.
"""
from datetime import datetime

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, SessionTransaction

CHANNEL = "onewindow_timers"
_KEY = "timer_wakeups"


def announce(session: Session, due_at: datetime) -> None:
    session.info.setdefault(_KEY, []).append(due_at)


@event.listens_for(Session, "before_commit")
def _notify(session: Session) -> None:
    # One NOTIFY per transaction, for the earliest time announced in it (PostgreSQL delivers it
    # at the commit, never for a rollback); a scheduler only needs to know when to wake first.
    dues = session.info.get(_KEY)
    if dues and session.get_bind().dialect.name == "postgresql":
        session.connection().execute(select(func.pg_notify(CHANNEL, min(dues).isoformat())))


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
