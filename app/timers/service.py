"""Firing due timers from the job table.

Two phases, so a scheduler never holds a job lock while it waits for a case lock (a clerk
may hold that case and be about to update the same job): first claim due jobs in a short
transaction (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite is serialized anyway), then fire
each claimed job in its case's own engine-step transaction.
"""
import logging
import os
import socket
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app import clock
from app.cases import cycle
from app.errors import DomainError
from app.timers.models import CANCELLED, DONE, FAILED, PENDING, Job

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_due(session: Session, worker: str, limit: int = 100) -> list[int]:
    """Lease up to `limit` due jobs to `worker`; returns their ids."""
    now = clock.now()
    with cycle.unit_of_work(session):
        stmt = (select(Job.id).where(Job.state == PENDING, Job.due_at <= now,
                                     or_(Job.locked_until.is_(None), Job.locked_until < now))
                .order_by(Job.due_at).limit(limit))
        if session.get_bind().dialect.name != "sqlite":
            stmt = stmt.with_for_update(skip_locked=True)
        ids = list(session.scalars(stmt))
        if ids:
            session.execute(update(Job).where(Job.id.in_(ids))
                            .values(locked_by=worker, locked_until=now + LEASE)
                            .execution_options(synchronize_session=False))
    return ids


def fire(session: Session, job_id: int, worker: str, max_attempts: int) -> str:
    """Fire one leased job in its case's transaction. Returns the job's resulting state."""
    try:
        with cycle.unit_of_work(session):
            job = session.get(Job, job_id)
            if job is None:
                return CANCELLED
            step = cycle.open_step(session, job.case_id)
            session.refresh(job)  # under the case lock: has a clerk's step moved the case on?
            if job.state != PENDING or job.locked_by != worker:
                return job.state
            fired = step.instance.fire_due_timers()
            now = clock.now()
            names = step.instance.definition.element_names
            for element in fired:
                step.log.append("timer_fired", "timer", f"期限届满：{names.get(element, element)}",
                                {"element_id": element, "job_id": job.id})
            live = step.instance.pending_timer_ids()
            for due in session.scalars(select(Job).where(Job.case_id == job.case_id, Job.state == PENDING,
                                                         Job.due_at <= now)):
                if due.engine_task_id not in live:
                    due.state, due.finished_at, due.attempts = DONE, now, due.attempts + 1
            if job.state == PENDING:
                # Not due yet by the engine's reckoning: release it for a later sweep.
                job.locked_by, job.locked_until = None, None
            cycle.close_step(step, "timer")
            return job.state
    except DomainError as exc:
        return _record_failure(session, job_id, str(exc), max_attempts)


def _record_failure(session: Session, job_id: int, error: str, max_attempts: int) -> str:
    with cycle.unit_of_work(session):
        job = session.get(Job, job_id)
        if job is None:
            return CANCELLED
        job.attempts += 1
        job.last_error = error
        job.locked_by, job.locked_until = None, None
        if job.attempts >= max_attempts:
            job.state, job.finished_at = FAILED, clock.now()
        else:
            # back off: 1, 2, 4, 8 … minutes
            job.due_at = clock.now() + timedelta(minutes=2 ** (job.attempts - 1))
        log.warning("timer job %s failed (attempt %s): %s", job_id, job.attempts, error)
        return job.state


def run_due(session: Session, max_attempts: int = 5, worker: str | None = None) -> dict:
    """Claim and fire everything due now; returns counts by resulting state."""
    worker = worker or worker_id()
    counts: dict[str, int] = {}
    while True:
        ids = claim_due(session, worker)
        if not ids:
            return counts
        for job_id in ids:
            state = fire(session, job_id, worker, max_attempts)
            counts[state] = counts.get(state, 0) + 1
