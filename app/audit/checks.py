"""The consistency checks `flask audit check` runs: what the engine step, the scheduler and the
outbox promise, read back from the rows. Each check yields `Violation`s; none means the promise
held. Cases are read one at a time (a few queries each), so the run's memory stays flat."""
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.cases import history
from app.cases.models import Case, CaseMaterial
from app.cases.tasks import CANCELLED, COMPLETED, OPEN, Task
from app.documents.models import Document
from app.files.models import StoredFile
from app.files.service import FileStore
from app.notify.models import FAILED as MESSAGE_FAILED
from app.notify.models import Notification
from app.timers.models import DONE, PENDING, Job

# Messages a case gets at most once per channel (the others may repeat: corrections, new codes).
ONCE_PER_CASE = ("submitted", "accepted", "ready_for_pickup", "to_be_mailed", "to_be_e_delivered", "mailed", "e_delivered",
                 "evaluation_invitation")
logger = logging.getLogger(__name__)
OVERDUE_AFTER = timedelta(minutes=2)  # a due timer still pending this long after: nobody fired it


@dataclass(frozen=True)
class Violation:
    check: str
    subject: str  # e.g. "case 12 (OW20261203000012)", "job 7"
    message: str

    def __str__(self) -> str:
        return f"{self.check}\t{self.subject}\t{self.message}"


def _path(store: FileStore, sha256: str) -> Path:
    return store.root / sha256[:2] / sha256[2:4] / sha256


def _case_checks(session: Session, case: Case, store: FileStore, now: datetime) -> Iterator[Violation]:
    who = f"case {case.id} ({case.case_no})"
    chain = history.events(session, case.id, newest_first=False)
    seqs = [e.seq for e in chain]
    if seqs != list(range(1, len(seqs) + 1)):
        yield Violation("event_sequence", who, f"事件序号不连续：{seqs[:20]}")
    elif not history.verify_chain(chain):
        yield Violation("hash_chain", who, "事件哈希链校验失败（历史记录被改动）")
    elif not history.head_intact(case, chain[-1] if chain else None):
        yield Violation("history_head", who, f"办件记录的历史链头（第 {case.history_seq} 条）与最新事件不符")
    by_kind: dict[str, Counter] = {}
    for event in chain:
        key = (event.data or {}).get("task_id") or (event.data or {}).get("job_id") \
            or (event.data or {}).get("document_no")
        by_kind.setdefault(event.kind, Counter())[str(key)] += 1
    tasks = list(session.scalars(select(Task).where(Task.case_id == case.id)))
    for task in tasks:
        if not by_kind.get("task_created", Counter())[task.id]:
            yield Violation("task_events", who, f"任务 {task.id}（{task.title}）没有生成事件")
        needed = {COMPLETED: "task_completed", CANCELLED: "task_cancelled"}.get(task.state)
        if needed and not by_kind.get(needed, Counter())[task.id]:
            yield Violation("task_events", who, f"任务 {task.id}（{task.title}）状态为 {task.state}，却没有 {needed} 事件")
    active = set(case.active_elements or [])
    open_tasks = [t for t in tasks if t.state == OPEN]
    if case.closed:
        if open_tasks:
            yield Violation("closed_case", who, f"办件已结束，仍有待办任务：{[t.title for t in open_tasks]}")
    else:
        for task in open_tasks:
            if task.spec_id not in active:
                yield Violation("open_task", who, f"待办任务“{task.title}”（{task.spec_id}）不在流程当前位置 {sorted(active)}")
    jobs = list(session.scalars(select(Job).where(Job.case_id == case.id)))
    if case.closed and any(j.state == PENDING for j in jobs):
        yield Violation("closed_case", who, "办件已结束，仍有待触发的期限")
    fired = by_kind.get("timer_fired", Counter())
    for job in jobs:
        times = fired[str(job.id)]
        if times > 1:
            yield Violation("duplicate_firing", f"job {job.id}", f"{who} 的期限触发了 {times} 次")
        if job.state == DONE and times == 0:
            yield Violation("timer_events", f"job {job.id}", f"{who} 的期限已完成，却没有触发事件")
    for document in session.scalars(select(Document).where(Document.case_id == case.id)):
        if not by_kind.get("document_issued", Counter())[str(document.document_no)]:
            yield Violation("document_events", who, f"文书 {document.document_no} 没有出具事件")
        if document.sha256 and not _path(store, document.sha256).is_file():
            yield Violation("document_file", who, f"文书 {document.document_no} 的文件缺失")
        if document.file_id is None and document.issued_at and document.issued_at < now - OVERDUE_AFTER:
            yield Violation("document_drawing", who,
                            f"文书 {document.document_no} 决定于 {document.issued_at.isoformat()}，至今未生成")
    for material in session.scalars(select(CaseMaterial).where(CaseMaterial.case_id == case.id)):
        if material.source == "upload" and material.file_id is None:
            yield Violation("material_file", who, f"上传材料“{material.material_name}”没有文件")


def _global_checks(session: Session, store: FileStore, now: datetime) -> Iterator[Violation]:
    for job in session.scalars(select(Job).where(Job.state == PENDING, Job.due_at < now - OVERDUE_AFTER)):
        lease = "（租约已过期）" if job.locked_until is not None and job.locked_until < now else ""
        yield Violation("overdue_timer", f"job {job.id}",
                        f"办件 {job.case_id} 的期限 {job.element_id} 已到期 {job.due_at.isoformat()} 仍未触发{lease}")
    repeated = (select(Notification.case_id, Notification.kind, Notification.channel, func.count())
                .where(Notification.kind.in_(ONCE_PER_CASE), Notification.case_id.is_not(None),
                       Notification.state != MESSAGE_FAILED)
                .group_by(Notification.case_id, Notification.kind, Notification.channel).having(func.count() > 1))
    for case_id, kind, channel, count in session.execute(repeated):
        yield Violation("duplicate_notification", f"case {case_id}", f"“{kind}”消息经 {channel} 发送了 {count} 次")
    for row in session.scalars(select(StoredFile)):
        if not _path(store, row.sha256).is_file():
            yield Violation("stored_file", f"file {row.id}", f"文件 {row.sha256[:12]}…（{row.original_name}）内容缺失")


def run(session: Session, store: FileStore) -> Iterator[Violation]:
    """Every violation found, case by case, then across the tables."""
    now = clock.now()
    for case in _cases(session):
        yield from _case_checks(session, case, store, now)
    yield from _global_checks(session, store, now)
    session.rollback()


def _cases(session: Session) -> Iterator[Case]:
    last = 0
    while True:
        ids = list(session.scalars(select(Case.id).where(Case.id > last).order_by(Case.id).limit(200)))
        if not ids:
            return
        for case_id in ids:
            case = session.get(Case, case_id)
            if case is not None:
                yield case
        last = ids[-1]
        session.expunge_all()  # keep memory flat on a big database


def verify_histories(session: Session) -> Iterator[Violation]:
    """Every case's whole hash chain and its head on the case row (`flask audit verify`, and the
    scheduler's nightly job): reads see only the head, this re-hashes everything."""
    for case in _cases(session):
        who = f"case {case.id} ({case.case_no})"
        chain = history.events(session, case.id, newest_first=False)
        if not history.verify_chain(chain):
            yield Violation("hash_chain", who, "事件哈希链校验失败（历史记录被改动）")
        elif not history.head_intact(case, chain[-1] if chain else None):
            yield Violation("history_head", who, f"办件记录的历史链头（第 {case.history_seq} 条）与最新事件不符")
    session.rollback()


def nightly_verify(session: Session) -> int:
    """The scheduler's daily job: log every broken history; returns how many."""
    broken = 0
    for violation in verify_histories(session):
        broken += 1
        logger.error("history verification: %s", violation)
    return broken


def case_count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(Case)).scalar_one()

