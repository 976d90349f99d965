"""Firing due timers from the job table (leased by app.timers.leases).

Two phases, so a scheduler never holds a job lock while it waits for a case lock (a clerk
may hold that case and be about to update the same job): first claim due jobs in a short
transaction (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite is serialized anyway), then fire
each claimed job in its case's own engine-step transaction.
"""
import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.cases import cycle
from app.cases.cycle import CaseRuntime
from app.database import unit_of_work
from app.settings import Settings
from app.timers import wakeup
from app.timers.leases import RENEW_EVERY, claim_due, renew, worker_id
from app.timers.models import CANCELLED, FAILED, PENDING, Job

log = logging.getLogger(__name__)


def fire(session: Session, job_id: int, worker: str, runtime: CaseRuntime) -> str:
    """Fire one leased job in its case's transaction. Returns the job's resulting state.

    The engine fires every timer of the case that is due; the step's sync marks their jobs
    done and writes a timer_fired event for each (cases.sync)."""
    try:
        with unit_of_work(session):
            locked = cycle.lock_case_of_job(session, job_id)
            if locked is None:
                return CANCELLED
            with cycle.engine_step(session, locked, "timer", runtime) as step:  # fires what is due
                # under the case lock: has a clerk's step moved the case on?
                job = next((j for j in step.jobs().values() if j.id == job_id), None)
                if job is None:  # done or cancelled meanwhile
                    step.save = False
                    return session.scalar(select(Job.state).where(Job.id == job_id)) or CANCELLED
                if not step.instance.fired:
                    step.save = False  # nothing happened: leave the case untouched
                    if job.state == PENDING and job.locked_by == worker:
                        _settle_unfired(job, step.instance)
                    return job.state
            if job.state == PENDING and job.locked_by == worker:
                job.locked_by, job.locked_until = None, None  # another of the case's timers fired
            return job.state
    except Exception as exc:  # one broken case must never stop the others' timers
        log.exception("timer job %s failed", job_id)
        return _record_failure(session, job_id, f"{type(exc).__name__}: {exc}", runtime.settings)


def _settle_unfired(job: Job, instance) -> None:
    """The engine did not fire this job's timer: it is gone (cancel the job) or not due yet by
    the engine's reckoning (take the engine's due time, so no scheduler wakes for it early)."""
    timer = next((t for t in instance.timers() if t.task_id == job.engine_task_id), None)
    if timer is None:
        job.state, job.finished_at = CANCELLED, clock.now()
    else:
        job.due_at = timer.due_at
    job.locked_by, job.locked_until = None, None


def _record_failure(session: Session, job_id: int, error: str, settings: Settings) -> str:
    """Count a failed attempt (an error, a script over its limits: the step was rolled back):
    try again later, backing off, or after the last attempt make the job an incident."""
    with unit_of_work(session):
        job = session.get(Job, job_id)
        if job is None:
            return CANCELLED
        case = cycle.lock_case(session, job.case_id)  # the case first, as a clerk's step does
        session.refresh(job)
        if job.state != PENDING:
            return job.state
        job.attempts += 1
        job.last_error = error[:4000]
        job.locked_by, job.locked_until = None, None
        if job.attempts >= settings.timer_max_attempts:
            job.state, job.finished_at = FAILED, clock.now()
            cycle.EventLog(session, case).append(
                "timer_failed", "timer", f"期限处理失败（已重试 {job.attempts} 次），请管理员处理：{job.element_id}",
                {"job_id": job.id, "element_id": job.element_id, "error": job.last_error})
        else:
            # back off: 1, 2, 4, 8 … times the base (a minute unless configured)
            job.due_at = clock.now() + timedelta(seconds=settings.timer_backoff_seconds * 2 ** (job.attempts - 1))
            wakeup.announce(session, job.due_at)
        return job.state


def run_due(session: Session, runtime: CaseRuntime, worker: str | None = None) -> dict:
    """Claim and fire everything due now; returns counts by resulting state. Each job is
    tried at most once per call.

    A lease is short (leases.LEASE), so the jobs of a scheduler that died are another's within
    seconds; while this one works through its claimed jobs it renews the lease of those still
    waiting every RENEW_EVERY. A firing is bounded (the step's script deadline, the database's
    statement timeout), so the leases of a live scheduler hardly ever lapse, and those of one that
    hangs or dies do. Should one lapse under a live scheduler (a firing waiting long for its case's
    lock), another may claim that job too: the case lock and the job's state, checked under it,
    still fire it once."""
    worker = worker or worker_id()
    counts: dict[str, int] = {}
    tried: set[int] = set()
    while True:
        ids = claim_due(session, worker, skip=tried)
        if not ids:
            return counts
        renewed = clock.now()  # leases run on app.clock, like their renewals
        for n, job_id in enumerate(ids):
            if clock.now() - renewed >= RENEW_EVERY:
                renew(session, worker, ids[n:])
                renewed = clock.now()
            tried.add(job_id)
            state = fire(session, job_id, worker, runtime)
            counts[state] = counts.get(state, 0) + 1
