"""The engine side of a draft's test run (试运行): a sandbox instance of the draft's BPMN and forms,
run on its own clock and the real working-day calendar, recorded step by step and replayed.

Nothing here writes a case, a task row, a document or a message: the platform's answers to what the
flow says (documents at a status change, messages to the applicant) are left to the page to show.
Each action runs under `clock.sandbox(run's time)`, so the timers and `workdays(n)` of the draft
count from the sandbox's day, and moving the run's clock fires what falls due.
"""
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app import clock, engine
from app.calendar import service as calendar
from app.calendar.days import WorkingCalendar
from app.engine.deadlines import calendar_context
from app.engine.scripting import script_limits
from app.errors import Conflict, DeploymentRejected, DomainError, ProcessFailure, ValidationFailed
from app.processes import service as processes
from app.processes.models import DraftTestRun
from app.settings import Settings
from app.taskforms.schema import compile_form, validate_submission

SUPPLEMENT = "supplement"
# What a test run's forms offer where a real case offers its guide's materials.
SAMPLE_MATERIALS = [{"label": "申请书", "value": "SQS"}, {"label": "营业执照复印件", "value": "YYZZ"},
                    {"label": "身份证明", "value": "SFZ"}]
MAX_STEPS = 200  # a recorded path longer than this is a loop nobody is testing by hand


@dataclass
class Draftee:
    """What a run needs of a draft: its process checked and parsed, its forms resolved."""

    loaded: engine.LoadedDefinition
    forms: dict
    start_form_key: str | None
    names: dict  # element id -> name
    document_tasks: dict = field(default_factory=dict)  # 出具文书 steps: element id -> document kind


@dataclass
class Env:
    settings: Settings
    calendar: WorkingCalendar


@dataclass
class View:
    """A run as the page shows it."""

    outcome: str
    now: datetime
    status: str | None
    open_tasks: list[dict] = field(default_factory=list)
    timers: list[dict] = field(default_factory=list)
    waiting_messages: list[str] = field(default_factory=list)
    active_elements: list[str] = field(default_factory=list)
    completed_elements: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)  # element id -> name


def env(session: Session, settings: Settings) -> Env:
    """The installation's settings and the working-day calendar as stored now."""
    return Env(settings, calendar.working(session, settings.end_of_day))


def prepare(bpmn: bytes, forms: dict, limits: processes.DeployLimits) -> Draftee:
    """The draft ready to run, or DeploymentRejected with the findings that stand in the way."""
    files = processes.form_files(forms)
    inspection, resolved, problems = processes.check(bpmn, files, limits)
    if problems:
        raise DeploymentRejected(f"草稿有 {len(problems)} 个校验问题，请先解决再试运行", problems)
    process = inspection.process
    sha = hashlib.sha256(bpmn).hexdigest()
    loaded = engine.load_definition(0, f"draft:{sha}", process.key, lambda: bpmn,
                                    {k: v.to_dict() for k, v in process.user_tasks.items()}, process.element_names)
    return Draftee(loaded, resolved, process.start_form_key, process.element_names, dict(process.document_tasks))


@contextmanager
def _at(moment: datetime, env: Env) -> Iterator[None]:
    with clock.sandbox(moment), calendar_context(env.calendar), script_limits(env.settings.scripts):
        yield


def start_data(draftee: Draftee, env: Env, application: dict, materials: list[str], promised: int,
               legal: int) -> dict:
    """What a real case starts with (app.cases.receiving), with sample values and the application
    checked against the draft's start form."""
    if draftee.start_form_key:
        spec, _ = compile_form(draftee.forms[draftee.start_form_key])
        try:
            application = validate_submission(spec, application, {})
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, {f"data.{k}": v for k, v in exc.errors.items()}) from None
    elif application:
        raise ValidationFailed("该流程没有申请表", {"data": ["流程的开始事件没有表单，不需要申请数据"]})
    known = {m["value"] for m in SAMPLE_MATERIALS}
    if any(code not in known for code in materials):
        raise ValidationFailed("材料不正确", {"materials": ["只能是：" + "、".join(sorted(known))]})
    rules = env.settings.cases
    return {"case_id": 0, "case_no": "试运行", "item_code": "SANDBOX", "channel": "window", "hall": "sandbox",
            "submitted_materials": materials, "case_status": "submitted", "correction_round": 0,
            "max_correction_rounds": rules.max_correction_rounds,
            "correction_limit_days": rules.correction_limit_days,
            "tolerance_limit_days": rules.tolerance_limit_days,
            "legal_limit_days": legal, "promised_limit_days": promised, **application}


# --- acting -------------------------------------------------------------------------------

def _status(instance) -> str | None:
    return instance.latest_data().get("case_status")


def _record(run: DraftTestRun, instance, before_status: str | None, entry: dict, draftee: Draftee, env: Env,
            opened_before: set[str]) -> None:
    """Append one step: what was done, the status change it made, the tasks it opened (with their
    due dates, computed now as the real step computes them) and whether the process ended."""
    snapshot = instance.snapshot()
    after = snapshot.data.get("case_status")
    opened = []
    for task in snapshot.user_tasks:
        if task.id in opened_before:
            continue
        due = None
        if task.due_expression:
            try:
                due = instance.evaluate(task.id, task.due_expression)
            except DomainError:
                due = None
        opened.append({"task_id": task.id, "element": task.spec_id, "due": str(due) if due else None})
    facts = {k: snapshot.data.get(k) for k in ("decision", "tolerated")}
    issued = [draftee.document_tasks[e] for e in instance.finished_here() if e in draftee.document_tasks]
    entry.update(documents=issued, at=run.sandbox_now.isoformat(), opened=opened, ended=snapshot.completed, facts=facts,
                 status=[before_status, after] if after != before_status else None)
    run.steps = [*(run.steps or []), entry]
    if len(run.steps) > MAX_STEPS:
        raise Conflict(f"试运行已记录 {MAX_STEPS} 步，请重新开始试运行")
    run.state = instance.dump(env.settings.scripts.state_bytes)
    run.outcome = "completed" if snapshot.completed else "running"


def begin(run: DraftTestRun, draftee: Draftee, env: Env) -> None:
    with _at(run.sandbox_now, env):
        instance = engine.ProcessInstance.start(draftee.loaded, dict(run.start_data))
        run.steps = []
        _record(run, instance, None, {"action": "start"}, draftee, env, set())


def _load(run: DraftTestRun, draftee: Draftee):
    if run.outcome != "running":
        raise Conflict("试运行已结束，请重新开始")
    try:
        return engine.ProcessInstance.load(draftee.loaded, run.state or "")
    except DomainError:
        raise
    except Exception as exc:  # noqa: BLE001 - the draft changed under a stored run
        raise Conflict("草稿已修改，原试运行无法继续，请重新开始试运行") from exc


def task_context(instance, task_id: str) -> dict:
    """A task's data plus the sample materials a real case would take from its guide."""
    return {**instance.task_data(task_id), "item_materials": SAMPLE_MATERIALS}


def complete(run: DraftTestRun, draftee: Draftee, env: Env, task_id: str, data) -> None:
    with _at(run.sandbox_now, env):
        instance = _load(run, draftee)
        tasks = instance.snapshot().user_tasks
        open_ids = {t.id for t in tasks}
        task = next((t for t in tasks if t.id == task_id), None)
        if task is None:
            raise Conflict("该任务已不在待办状态")
        cleaned = _answer(draftee, task, data, task_context(instance, task.id))
        before = _status(instance)
        instance.complete_user_task(task.id, cleaned)
        # the answer as given (the cleaned one fills hidden fields, which a replay would be refused)
        _record(run, instance, before, {"action": "complete", "element": task.spec_id, "name": task.name, "data": data,
                                        "role": task.role}, draftee, env, open_ids - {task.id})


def _answer(draftee: Draftee, task, data, context: dict) -> dict:
    if not task.form_key:
        return {}
    spec, _ = compile_form(draftee.forms[task.form_key])
    return validate_submission(spec, data if isinstance(data, dict) else {}, context)


def supplement(run: DraftTestRun, draftee: Draftee, env: Env, materials: list[str], note: str) -> None:
    """The applicant's supplement, as the platform delivers it (app.cases.service.supplement_step)."""
    known = {m["value"] for m in SAMPLE_MATERIALS}
    if not materials or any(code not in known for code in materials):
        raise ValidationFailed("请选择补交的材料", {"materials": ["至少一项，只能是：" + "、".join(sorted(known))]})
    with _at(run.sandbox_now, env):
        instance = _load(run, draftee)
        open_ids = {t.id for t in instance.snapshot().user_tasks}
        if SUPPLEMENT not in instance.snapshot_waiting_messages():
            raise Conflict("流程当前没有在等待申请人补正")
        before = _status(instance)
        payload = {"supplied_materials": materials, "supplement_note": note}
        instance.deliver_message(SUPPLEMENT, payload)
        _record(run, instance, before, {"action": "message", "message": SUPPLEMENT, "data": payload},
                draftee, env, open_ids)


def advance(run: DraftTestRun, draftee: Draftee, env: Env, workdays: int | None, next_timer: bool) -> None:
    """Move the run's clock: past the end of the n-th working day from the run's today, or just past
    the next waiting timer; then fire what fell due, as the scheduler does."""
    if next_timer:
        timers = _load(run, draftee).timers()
        if not timers:
            raise Conflict("流程当前没有等待中的计时器")
        target = min(t.due_at for t in timers) + timedelta(seconds=1)
    else:
        if workdays is None or not 1 <= workdays <= 366:
            raise ValidationFailed("请填写要前进的工作日数", {"workdays": ["1 到 366 之间的整数"]})
        today = run.sandbox_now.astimezone(clock.LOCAL_TZ).date()
        target = env.calendar.deadline(today, workdays)[0] + timedelta(seconds=1)
    advance_to(run, draftee, env, max(target, run.sandbox_now), workdays)


def advance_to(run: DraftTestRun, draftee: Draftee, env: Env, target: datetime, workdays: int | None = None) -> None:
    instance = _load(run, draftee)
    open_ids = {t.id for t in instance.snapshot().user_tasks}
    before = _status(instance)
    run.sandbox_now = target
    due = [t for t in instance.timers() if t.due_at < target]
    with _at(target, env):
        fired = set(instance.fire_due_timers())
        names = sorted({draftee.names.get(t.spec_id) or t.spec_id for t in due if t.task_id in fired})
        _record(run, instance, before, {"action": "clock", "workdays": workdays, "fired": names},
                draftee, env, open_ids)


# --- reading and replaying ------------------------------------------------------------------

def view(run: DraftTestRun, draftee: Draftee | None) -> View:
    """The run now: open tasks (with their forms' option lists), timers, waits, the token."""
    if draftee is None or not run.state:
        return View("stale", run.sandbox_now, None)
    try:
        instance = engine.ProcessInstance.load(draftee.loaded, run.state)
    except Exception:  # noqa: BLE001 - the draft changed under the stored run
        return View("stale", run.sandbox_now, None, names=draftee.names)
    snapshot = instance.snapshot()
    dues = {o["task_id"]: o["due"] for step in run.steps or [] for o in step.get("opened", [])}
    tasks = []
    for task in snapshot.user_tasks:
        form = draftee.forms.get(task.form_key) if task.form_key else None
        options = {}
        if form is not None:
            spec, _ = compile_form(form)
            context = task_context(instance, task.id)
            options = {k: context[k] for k in spec.values_keys() if k in context}
        tasks.append({"id": task.id, "element": task.spec_id, "name": task.name, "role": task.role,
                      "form_key": task.form_key, "form": form, "options": options, "due": dues.get(task.id)})
    timers = [{"element": t.spec_id, "name": draftee.names.get(t.spec_id) or t.spec_id, "due": t.due_at.isoformat()}
              for t in sorted(snapshot.timers, key=lambda t: t.due_at)]
    return View(run.outcome, run.sandbox_now, snapshot.data.get("case_status"), tasks, timers,
                sorted(snapshot.waiting_messages), snapshot.active_elements, snapshot.completed_elements,
                snapshot.data, draftee.names)


def replay(run: DraftTestRun, draftee: Draftee, env: Env) -> list[dict]:
    """The recorded path on the draft as it is now: a finding for the first step that can no longer
    be taken, or for an end that differs from the recording. Nothing is stored."""
    ghost = DraftTestRun(sandbox_now=datetime.fromisoformat(run.steps[0]["at"]), start_data=dict(run.start_data),
                         steps=[], outcome="running")
    try:
        begin(ghost, draftee, env)
        for number, step in enumerate(run.steps[1:], start=2):
            problem = _replay_step(ghost, draftee, env, step, number)
            if problem:
                return [problem]
    except (ProcessFailure, Conflict, ValidationFailed) as exc:
        return [{"element_id": exc.extra.get("element_id"), "rule": "test_run_replay",
                 "message": f"试运行记录无法在当前草稿上重放：{exc.message}。请重新试运行，或清除试运行记录"}]
    recorded, replayed = run.steps[-1], ghost.steps[-1]
    if (recorded.get("ended"), _final_status(run)) != (replayed.get("ended"), _final_status(ghost)):
        return [{"element_id": None, "rule": "test_run_replay",
                 "message": "按试运行记录重放，流程的结果与记录不同（是否办结或办件状态）。请重新试运行，或清除试运行记录"}]
    return []


def _final_status(run: DraftTestRun) -> str | None:
    status = None
    for step in run.steps:
        if step.get("status"):
            status = step["status"][1]
    return status


def _replay_step(ghost: DraftTestRun, draftee: Draftee, env: Env, step: dict, number: int) -> dict | None:
    if step["action"] == "complete":
        instance = engine.ProcessInstance.load(draftee.loaded, ghost.state or "")
        task = next((t for t in instance.snapshot().user_tasks if t.spec_id == step["element"]), None)
        if task is None:
            name = step.get("name") or step["element"]
            return {"element_id": step["element"] if step["element"] in draftee.names else None,
                    "rule": "test_run_replay",
                    "message": f"试运行记录的第 {number} 步“{name}”在当前草稿上不是待办任务。请重新试运行，或清除试运行记录"}
        complete(ghost, draftee, env, task.id, step.get("data") or {})
    elif step["action"] == "message":
        data = step.get("data") or {}
        supplement(ghost, draftee, env, data.get("supplied_materials") or [], data.get("supplement_note") or "")
    elif step["action"] == "clock":
        # the recorded time was reached by this move: fire what was due by then
        advance_to(ghost, draftee, env, datetime.fromisoformat(step["at"]), step.get("workdays"))
    return None


def _before(step: dict, ghost: DraftTestRun) -> datetime:
    return datetime.fromisoformat(ghost.steps[-1]["at"]) if ghost.steps else datetime.fromisoformat(step["at"])
