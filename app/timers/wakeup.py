"""Telling schedulers that a timer now falls due earlier than they thought.

Whenever a step writes a job, `announce` queues its due time on the session. PostgreSQL
carries it to every scheduler process with NOTIFY (delivered at commit, never for a rolled
back step); a scheduler in this process reads `announced(session)` from its own after-commit
listener (app.jobs.scheduler). The queue ends with its transaction. Nothing here polls.
"""
from datetime import datetime

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, SessionTransaction

CHANNEL = "onewindow_timers"
_KEY = "timer_wakeups"


def announce(session: Session, due_at: datetime) -> None:
    session.info.setdefault(_KEY, []).append(due_at)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_notify(CHANNEL, due_at.isoformat())))


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
