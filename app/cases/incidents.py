"""Incidents: timer jobs that failed every attempt, for administrators to retry or resolve."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.cases import cycle
from app.cases.models import Case
from app.database import unit_of_work
from app.errors import Conflict, NotFound
from app.timers import wakeup
from app.timers.models import FAILED, PENDING, RESOLVED, Job


def list_incidents(session: Session, include_resolved: bool = False) -> list[Job]:
    states = (FAILED, RESOLVED) if include_resolved else (FAILED,)
    return list(session.scalars(select(Job).where(Job.state.in_(states)).order_by(Job.finished_at.desc())))


def case_no_of(session: Session, job: Job) -> str | None:
    return session.scalar(select(Case.case_no).where(Case.id == job.case_id))


def _failed(session: Session, job_id: int) -> tuple[Job, Case]:
    """The failed job with its case locked, the job read again under that lock (another
    administrator's retry or resolve may have committed while this one waited for it)."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"故障 {job_id} 不存在")
    case = cycle.lock_case(session, job.case_id)
    session.refresh(job)
    if job.state not in (FAILED, RESOLVED):
        raise NotFound(f"故障 {job_id} 不存在")
    if job.state != FAILED:
        raise Conflict(f"故障 {job_id} 已处理")
    return job, case


def retry(session: Session, job_id: int, actor: str) -> Job:
    """Put the job back in the queue, due now, with a fresh set of attempts."""
    with unit_of_work(session):
        job, case = _failed(session, job_id)
        if job.kind != "timer":  # a case that cannot go on: trying again changes nothing
            raise Conflict("流程无法继续，重试无效：请修正流程后按新版本处理，或在处理后标记为已处理")
        job.state, job.attempts, job.finished_at = PENDING, 0, None
        job.locked_by, job.locked_until = None, None
        job.due_at = min(job.due_at, clock.now())
        cycle.EventLog(session, case).append("incident_retried", actor, f"管理员重试期限处理：{job.element_id}",
                                             {"job_id": job.id})
        wakeup.announce(session, job.due_at)
    return job


def resolve(session: Session, job_id: int, resolution: str, actor: str) -> Job:
    """Close the incident by hand (the case was handled another way)."""
    with unit_of_work(session):
        job, case = _failed(session, job_id)
        job.state, job.resolution, job.finished_at = RESOLVED, resolution, clock.now()
        cycle.EventLog(session, case).append("incident_resolved", actor, f"管理员已处理期限故障：{resolution}",
                                             {"job_id": job.id, "resolution": resolution})
    return job
