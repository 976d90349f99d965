"""After every engine step: bring the task, job and case rows in line with the engine.

Inboxes and schedulers read these rows and never deserialize workflows, so this is the one
place where the engine's view becomes the platform's.
"""
from datetime import UTC, date, datetime

from sqlalchemy import select

from app import clock
from app.auth.roles import ROLE_LABELS
from app.cases import decisions
from app.cases import models as C
from app.cases.tasks import CANCELLED, OPEN, Task
from app.engine import deadlines
from app.errors import ProcessFailure
from app.timers import models as J
from app.timers import wakeup

ACCEPTANCE_LIMIT_DAYS = 1  # art. 13: decide on acceptance within one working day

# Process variables that mirror onto case columns: the types each may have, and the longest
# text its column holds (None: unlimited).
_MIRRORED = {
    "status_reason": ((str, type(None)), None),
    "outstanding_materials": ((list,), None),
    "tolerated": ((bool,), None),
    "correction_round": ((int,), None),
    "decision": ((str, type(None)), 16),
    "delivery_method": ((str, type(None)), 16),
    "tracking_no": ((str, type(None)), 64),
    "carrier": ((str, type(None)), 32),
}


def _record_for(step, task_id: str):
    """The last working-day deadline computed for this engine task in this step, if any."""
    return next((r for r in reversed(step.deadlines) if r.task_id == task_id), None)


def _rule(record) -> dict | None:
    return {"start": record.start.isoformat(), "days": record.days} if record else None


def _due_at(step, row: Task, expression: str | None) -> None:
    if not expression:
        return
    try:
        value = step.instance.evaluate(row.id, expression)
        due = datetime.fromisoformat(str(value))
    except (ProcessFailure, ValueError) as exc:
        step.log.append("warning", "system", f"办理期限表达式无法计算：{expression}", {"error": str(exc)})
        return
    if due.tzinfo is None:
        return
    record = _record_for(step, row.id)
    row.due_at = due.astimezone(UTC)
    row.due_provisional, row.due_rule = bool(record and record.provisional), _rule(record)


def _sync_tasks(step, snapshot, actor: str, now) -> None:
    session, case = step.session, step.case
    # the rows read under the lock, as this step has left them so far (a completed one is no longer open)
    open_rows = {t.id: t for t in step.open_tasks.values() if t.state == OPEN}
    live = {t.id: t for t in snapshot.user_tasks}
    for task_id, row in open_rows.items():
        if task_id not in live:
            row.state, row.completed_at = CANCELLED, now
            del step.open_tasks[task_id]
            step.log.append("task_cancelled", actor, f"任务“{row.title}”已取消（流程已转向）",
                            {"task_id": row.id, "element_id": row.spec_id})
    for task_id, view in live.items():
        if task_id in open_rows:
            continue
        role = view.role
        if role is None:
            raise ProcessFailure(f"用户任务 {view.spec_id} 没有角色泳道", element_id=view.spec_id)
        row = Task(id=task_id, case_id=case.id, spec_id=view.spec_id, title=view.name, role=role,
                   hall_id=case.hall_id, form_key=view.form_key, state=OPEN, created_at=now,
                   due_provisional=False, applicant_contact=view.applicant_contact)
        _due_at(step, row, view.due_expression)
        session.add(row)
        step.open_tasks[task_id] = row
        step.log.append("task_created", actor,
                        f"生成待办“{view.name}”（{ROLE_LABELS.get(role, role)}）",
                        {"task_id": task_id, "element_id": view.spec_id, "role": role,
                         "due_at": row.due_at.isoformat() if row.due_at else None})


def _sync_jobs(step, snapshot, now) -> None:
    """One job per waiting timer. A job whose timer is gone either fired (the engine fired it in
    this step, whoever's step it was) or was cancelled (the case moved on). A failed job is left
    for an administrator and a suspended one until its special procedure ends, unless their
    timer is gone."""
    session, case = step.session, step.case
    known = step.jobs()
    live = {t.task_id: t for t in snapshot.timers}
    names = step.instance.definition.element_names
    for task_id, job in known.items():
        if job.state in (J.SUSPENDED, J.FAILED) and task_id not in live:
            job.state, job.finished_at = J.CANCELLED, now  # the case moved on meanwhile
        if job.state != J.PENDING:
            continue
        if task_id in live:
            if job.due_at != live[task_id].due_at:
                job.due_at = live[task_id].due_at
                wakeup.announce(session, job.due_at)
                record = _record_for(step, task_id)
                job.provisional, job.due_rule = bool(record and record.provisional), _rule(record)
        elif task_id in step.instance.fired:
            job.state, job.finished_at = J.DONE, now
            step.log.append("timer_fired", "timer", f"期限届满：{names.get(job.element_id, job.element_id)}",
                            {"element_id": job.element_id, "job_id": job.id,
                             "due_at": job.due_at.isoformat()})
        else:
            job.state, job.finished_at = J.CANCELLED, now
    for task_id, timer in live.items():
        if task_id not in known:
            record = _record_for(step, task_id)
            # a working-day deadline created while a special procedure runs waits for its end
            paused = bool(case.special_procedure and record)
            session.add(J.Job(case_id=case.id, engine_task_id=task_id, element_id=timer.spec_id,
                              kind="timer", due_at=timer.due_at, state=J.SUSPENDED if paused else J.PENDING,
                              attempts=0, created_at=now, provisional=bool(record and record.provisional),
                              due_rule=_rule(record)))
            if paused:
                step.instance.set_timer_due(task_id, J.OUT_OF_REACH)
            else:
                wakeup.announce(session, timer.due_at)


def _sync_case(step, snapshot, actor: str, now) -> None:
    case, data = step.case, snapshot.data
    for name, (types, longest) in _MIRRORED.items():
        if name not in data or getattr(case, name) == data[name]:
            continue
        value = data[name]
        if not isinstance(value, types) or isinstance(value, bool) != (bool in types) \
                or (longest and isinstance(value, str) and len(value) > longest):
            step.log.append("warning", "system", f"流程变量 {name} 的取值不能登记到办件上，已忽略",
                            {"variable": name, "value": repr(value)[:200]})
            continue
        setattr(case, name, value)
    status = data.get("case_status")
    if status in C.STATUS_LABELS and status != case.status:
        old = case.status
        case.status = status
        message = f"状态：{C.STATUS_LABELS.get(old, old)} → {C.STATUS_LABELS[status]}"
        if status in (C.NOT_ACCEPTED, C.DENIED) and case.status_reason:
            message += f"（理由：{case.status_reason}）"
        step.log.append("status_changed", actor, message, {"from": old, "to": status})
        step.status_changes.append((old, status))
        decisions.record(case, old, status, now)
    waiting = "supplement" in snapshot.waiting_messages
    dues = [t.due_at for t in snapshot.timers if t.due_at < J.OUT_OF_REACH]  # parked timers have no date
    case.supplement_due_at = min(dues, default=None) if waiting else None
    case.active_elements = snapshot.active_elements


STUCK = "stuck"  # the kind of the incident a case that cannot go on raises
STUCK_MESSAGE = "办件未结束，但没有待办任务、计时器或等待的消息：流程无法继续，请管理员处理"


def _flag_if_stuck(step, snapshot, now) -> None:
    """A case that is not finished but waits for nothing the platform delivers (no open task, no
    timer, no message it sends: e.g. a signal) becomes an incident at once, instead of hanging
    silently. One open incident per case: the query runs only when the case is stuck."""
    if snapshot.completed or snapshot.user_tasks or snapshot.timers or snapshot.waiting_messages:
        return
    session, case = step.session, step.case
    if session.scalar(select(J.Job.id).where(J.Job.case_id == case.id, J.Job.kind == STUCK,
                                             J.Job.state == J.FAILED).limit(1)) is not None:
        return
    names = step.instance.definition.element_names
    waiting = [names.get(e, e) for e in snapshot.active_elements]
    session.add(J.Job(case_id=case.id, engine_task_id=STUCK, element_id=(snapshot.active_elements or ["process"])[0],
                      kind=STUCK, due_at=now, state=J.FAILED, attempts=0, created_at=now, finished_at=now,
                      last_error=STUCK_MESSAGE + (f"（停在：{'、'.join(waiting)}）" if waiting else "")))
    step.log.append("incident", "system", f"流程无法继续，已转为故障：{'、'.join(waiting) or '无活动环节'}",
                    {"active_elements": snapshot.active_elements})


def _close_if_done(step, snapshot, actor: str, now) -> None:
    case = step.case
    if snapshot.completed and case.closed_at is None:
        case.closed_at, case.special_procedure = now, None
        step.log.append("case_closed", actor, f"办件已结束：{C.STATUS_LABELS.get(case.status, case.status)}",
                        {"status": case.status})


CASE_DEADLINES = {"acceptance": "acceptance_due", "decision": "decision_due", "legal": "legal_due"}


def apply_deadline_rules(case) -> None:
    """Set the case's due dates from its rules on the calendar in scope."""
    provisional = False
    for kind, rule in (case.deadline_rules or {}).items():
        due, rule_provisional = deadlines.compute(date.fromisoformat(rule["start"]), rule["days"])
        setattr(case, CASE_DEADLINES[kind], due)
        provisional = provisional or rule_provisional
    case.deadlines_provisional = provisional


def _sync_deadlines(step, now, old_status: str) -> None:
    """Acceptance is due 1 working day after submission, and again after each supplement
    (art. 13); the decision within the promised and legal limits from acceptance (art. 14)."""
    case = step.case
    today = now.astimezone(clock.LOCAL_TZ).date().isoformat()
    rules = dict(case.deadline_rules or {})
    if "acceptance" not in rules or (case.status == C.SUBMITTED and old_status == C.AWAITING_CORRECTION):
        rules["acceptance"] = {"start": today, "days": ACCEPTANCE_LIMIT_DAYS}
    if case.status == C.UNDER_REVIEW and case.accepted_at is None:
        case.accepted_at = now
        rules["decision"] = {"start": today, "days": case.guide.promised_limit_days}
        rules["legal"] = {"start": today, "days": case.guide.legal_limit_days}
    if rules != case.deadline_rules:
        case.deadline_rules = rules
        apply_deadline_rules(case)


def sync_from_engine(step, actor: str) -> None:
    now = clock.now()
    snapshot = step.instance.snapshot()
    old_status = step.case.status
    _sync_case(step, snapshot, actor, now)
    _sync_deadlines(step, now, old_status)
    _sync_tasks(step, snapshot, actor, now)
    _sync_jobs(step, snapshot, now)
    _close_if_done(step, snapshot, actor, now)
    _flag_if_stuck(step, snapshot, now)
