"""Leasing due timer jobs to a scheduler: a short transaction that marks them as one worker's
(FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite is serialized anyway), so that several
schedulers never fire one job twice. Firing itself is the case core's (app.cases.firing)."""
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session

from app import clock
from app.database import rowcount, unit_of_work
from app.timers.models import PENDING, Job

# A lease is short and renewed while its scheduler works (app.cases.firing.run_due): after a
# scheduler dies (kill -9, a lost machine) its jobs are free for another within LEASE.
LEASE = timedelta(seconds=15)
RENEW_EVERY = timedelta(seconds=5)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_due(session: Session, worker: str, limit: int = 100, skip: set[int] | None = None) -> list[int]:
    """Lease up to `limit` due jobs to `worker`; returns their ids. Due means strictly before
    now, as SpiffWorkflow decides (a timer at exactly now has not fired yet)."""
    now = clock.now()
    with unit_of_work(session):
        stmt = (select(Job.id).where(Job.state == PENDING, Job.due_at < now,
                                     or_(Job.locked_until.is_(None), Job.locked_until < now))
                .order_by(Job.due_at).limit(limit))
        if skip:
            stmt = stmt.where(Job.id.notin_(skip))
        if session.get_bind().dialect.name != "sqlite":
            stmt = stmt.with_for_update(skip_locked=True)
        ids = list(session.scalars(stmt))
        if ids:
            session.execute(update(Job).where(Job.id.in_(ids))
                            .values(locked_by=worker, locked_until=now + LEASE)
                            .execution_options(synchronize_session=False))
    return ids


def next_due(session: Session) -> datetime | None:
    """When the next pending timer is due; a job leased by another scheduler is its business
    until the lease ends."""
    wake_at = case((Job.locked_until > Job.due_at, Job.locked_until), else_=Job.due_at)
    return session.scalar(select(func.min(wake_at)).where(Job.state == PENDING))


def renew(session: Session, worker: str, ids: list[int]) -> int:
    """Extend `worker`'s lease of these jobs (those it still holds and that still wait);
    returns how many it still holds."""
    if not ids:
        return 0
    with unit_of_work(session):
        result = session.execute(update(Job).where(Job.id.in_(ids), Job.locked_by == worker, Job.state == PENDING)
                                 .values(locked_until=clock.now() + LEASE)
                                 .execution_options(synchronize_session=False))
    return rowcount(result)
