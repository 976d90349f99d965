"""One running process instance: start, load, act, run, read, dump.

This is the whole surface the rest of OneWindow sees of SpiffWorkflow. Every method either
succeeds or raises a domain error; after an error the caller must discard the instance
(SpiffWorkflow leaves a failed step half-applied in memory).
"""
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.none_task import NoneTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from app import clock
from app.engine import compaction, failures, scripting, serializer, timeclock
from app.engine.specs import LoadedDefinition
from app.errors import Conflict, ProcessFailure

timeclock.install()
_script_engine = scripting.make_script_engine()


@dataclass(frozen=True)
class OpenUserTask:
    id: str
    spec_id: str
    name: str
    role: str | None
    form_key: str | None
    due_expression: str | None
    applicant_contact: str | None = None  # absent from versions deployed before art. 18 was modelled


@dataclass(frozen=True)
class PendingTimer:
    task_id: str
    spec_id: str
    due_at: datetime


@dataclass
class Snapshot:
    completed: bool
    user_tasks: list[OpenUserTask]
    timers: list[PendingTimer]
    waiting_messages: set[str]
    data: dict
    active_elements: list[str] = field(default_factory=list)
    completed_elements: list[str] = field(default_factory=list)


def _parse_due(value) -> datetime | None:
    if isinstance(value, dict):  # cycle timers keep their next occurrence
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        due = TimerEventDefinition.get_datetime(value)
    except ValueError:
        return None
    return due.astimezone(UTC)


def _timer_element(task) -> str:
    """The BPMN id of the timer event a waiting task stands for. An event-based gateway waits
    on behalf of its catch events, so name the timer event after it, not the gateway."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        # The gateway took over its children's definitions, in the order it connected them.
        for output, child in zip(task.task_spec.outputs, definition.event_definitions, strict=False):
            if isinstance(child, TimerEventDefinition):
                return getattr(output, "bpmn_id", None) or output.name
    return failures.bpmn_id(task)


def _event_definitions(task):
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition] if definition is not None else []


_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED | TaskState.ERROR
_PASS_THROUGH = (NoneTask, ManualTask)  # bpmn:task and bpmn:manualTask


class ProcessInstance:
    def __init__(self, definition: LoadedDefinition, workflow: BpmnWorkflow):
        self.definition = definition
        self.workflow = workflow
        # Engine task ids of the timers that fired while this instance was in memory. A timer
        # fires only in refresh_timers (which do_engine_steps also calls), so we watch it there;
        # a waiting timer that vanishes otherwise was cancelled (its task completed, its case moved on).
        self.fired: set[str] = set()
        # Tasks that were finished when the instance was read: their data came from the stored JSON
        # and no script of this step can reach it, so the size check before saving skips them
        # (the saved text's own length still counts all of it).
        self._settled: set = set()
        # When this instance came into memory: the tasks it completes from now on are this step's
        # (SpiffWorkflow stamps each state change with time.time()).
        self._began = time.time()
        original = workflow.refresh_timers

        def watched_refresh():
            due = {t.task_id for t in self._timers() if t.due_at < clock.now()}
            original()
            self.fired |= due - self.pending_timer_ids()

        workflow.refresh_timers = watched_refresh

    # --- lifecycle ---------------------------------------------------------------------

    @classmethod
    def start(cls, definition: LoadedDefinition, data: dict) -> "ProcessInstance":
        workflow = BpmnWorkflow(definition.spec, definition.subprocess_specs,
                                script_engine=_script_engine)
        start = workflow.get_tasks(state=TaskState.READY)[0]
        start.data.update(data)
        instance = cls(definition, workflow)
        instance.run("启动")
        return instance

    @classmethod
    def load(cls, definition: LoadedDefinition, state: str) -> "ProcessInstance":
        workflow = serializer.loads(state, definition.spec, definition.subprocess_specs,
                                    _script_engine)
        instance = cls(definition, workflow)
        instance._settled = {t for t in instance._all_tasks() if t.state & _FINISHED}
        return instance

    def dump(self, max_bytes: int | None = None) -> str:
        """The instance as stored (JSON without its spec). Over `max_bytes` (the limits in force
        by default) it fails, naming the element whose data grew past the limit; the data is
        measured before it is serialized, so no script can make the serializer itself run away."""
        limit = scripting.active_limits().state_bytes if max_bytes is None else max_bytes
        # Finished loop rounds are not stored (engine/compaction.py). It is an optimisation: a tree
        # it cannot read is stored whole (it checks before it changes anything).
        try:
            compaction.compact(self.workflow)
        except Exception:  # noqa: BLE001
            logging.getLogger(__name__).exception("state compaction skipped")
        self._check_state_size(limit)
        try:
            state = serializer.dumps(self.workflow)
        except (TypeError, ValueError) as exc:  # a script left data that JSON cannot hold
            raise failures.failure(exc, "保存流程状态") from exc
        if len(state) > limit:
            raise self._too_large(len(state), limit)
        return state

    def _all_tasks(self) -> list:
        tasks = list(self.workflow.tasks.values())
        for sub in self.workflow.subprocesses.values():
            tasks.extend(sub.tasks.values())
        return tasks

    def _check_state_size(self, limit: int) -> None:
        """Fail if the data (as text, at least) is over `limit`; costs about `limit` steps at most."""
        sizes: dict = {}
        total = 0
        for task in self._all_tasks():
            if task in self._settled and task.state & _FINISHED:
                continue
            sizes[task] = scripting.measure(task.data, limit)
            total += sizes[task]
            if total > limit:
                raise self._too_large(total, limit, sizes)
        total += scripting.measure(self.workflow.data, limit)
        for sub in self.workflow.subprocesses.values():
            total += scripting.measure(sub.data, limit)
        if total > limit:
            raise self._too_large(total, limit, sizes)

    def _too_large(self, size: int, limit: int, sizes: dict | None = None) -> ProcessFailure:
        """The failure, naming the element whose data grew past the others: the first task holding
        the most data, or its earliest ancestor holding as much (data flows down the tree)."""
        if sizes is None:  # the measure passed, so measuring every task again is cheap
            sizes = {task: scripting.measure(task.data, limit) for task in self._all_tasks()}

        def size_of(task) -> int:
            if task not in sizes:
                sizes[task] = scripting.measure(task.data, limit)
            return sizes[task]

        task = max(sizes, key=sizes.__getitem__, default=None)
        while task is not None and task.parent is not None and size_of(task.parent) >= size_of(task):
            task = task.parent
        named = task is not None and getattr(task.task_spec, "bpmn_id", None) is not None
        where = f"（环节 {failures.element(task)}）" if named else ""
        message = (f"流程在保存流程状态时出错{where}：流程数据（至少 {failures.size(size)}）"
                   f"超过 {failures.size(limit)} 的上限，已中止")
        return ProcessFailure(message, errors={"process": [message]}, element_id=failures.bpmn_id(task) if named else None)

    def run(self, during: str = "自动推进") -> None:
        """Run what the engine runs by itself (scripts, gateways, events) until it waits. The
        step's wall-clock budget is checked before every task, so a loop in the diagram (with
        or without scripts) stops like a loop in a script."""
        deadline = scripting.step_deadline() or (time.monotonic() + scripting.active_limits().seconds)

        def before(task):
            try:
                scripting.check_deadline(deadline, "流程")
            except scripting.ScriptLimitExceeded as exc:
                raise WorkflowTaskException(str(exc), task=task, exception=exc) from exc

        try:
            self.workflow.do_engine_steps(will_complete_task=before)
            # Plain and manual tasks complete on their own, as in Camunda (SpiffWorkflow leaves
            # them READY for a person to run, which would hang the case with nothing to work on).
            while passing := [t for t in self.workflow.get_tasks(state=TaskState.READY)
                              if isinstance(t.task_spec, _PASS_THROUGH)]:
                for task in passing:
                    before(task)
                    task.run()
                self.workflow.do_engine_steps(will_complete_task=before)
        except Exception as exc:
            raise failures.failure(exc, during) from exc

    # --- actions -----------------------------------------------------------------------

    def _task(self, task_id: str):
        try:
            return self.workflow.get_task_from_id(UUID(task_id))
        except (ValueError, KeyError, WorkflowException):
            return None

    def complete_user_task(self, task_id: str, data: dict) -> None:
        task = self._task(task_id)
        if task is None or not isinstance(task.task_spec, UserTask) or task.state != TaskState.READY:
            raise Conflict("该任务已不在待办状态")
        task.set_data(**data)
        try:
            task.run()
        except Exception as exc:
            raise failures.failure(exc, "完成任务") from exc
        self.run()

    def deliver_message(self, name: str, payload: dict) -> None:
        if name not in self.snapshot_waiting_messages():
            raise Conflict(f"本办件当前不在等待“{name}”消息")
        # A deadline that has passed wins over a late message, even before the scheduler has
        # fired it: SpiffWorkflow's event-based gateway would otherwise take both branches.
        overdue = [t for t in self._timers(waiting_for=name) if t.due_at <= clock.now()]
        if overdue:
            local = overdue[0].due_at.astimezone(clock.LOCAL_TZ)
            raise Conflict(f"期限已于 {local:%Y-%m-%d %H:%M} 届满，不再接收“{name}”", deadline=overdue[0].due_at.isoformat())
        try:
            self.workflow.send_event(BpmnEvent(MessageEventDefinition(name), payload))
        except WorkflowException as exc:
            raise Conflict(f"本办件当前不在等待“{name}”消息") from exc
        except Exception as exc:
            raise failures.failure(exc, "接收消息") from exc
        self.run()

    def fire_due_timers(self) -> list[str]:
        """Fire every timer due by app.clock; returns the engine task ids that fired."""
        before = set(self.fired)
        try:
            self.workflow.refresh_timers()
        except Exception as exc:
            raise failures.failure(exc, "计时器触发") from exc
        self.run("计时器触发")
        return sorted(self.fired - before)

    def set_timer_due(self, task_id: str, due: datetime) -> bool:
        """Move a waiting timer (a recomputed or paused deadline). False if it no longer waits."""
        task = self._task(task_id)
        if task is None or not task.has_state(TaskState.WAITING):
            return False
        if not any(isinstance(d, TimerEventDefinition) for d in _event_definitions(task)):
            return False
        task._set_internal_data(event_value=due.isoformat())
        return True

    def evaluate(self, task_id: str, expression: str):
        task = self._task(task_id)
        try:
            return self.workflow.script_engine.evaluate(task, expression)
        except Exception as exc:
            raise failures.failure(exc, "计算表达式") from exc

    def finished_here(self) -> list[str]:
        """BPMN ids of the tasks completed since this instance was started or loaded (a loop passing
        one element twice lists it twice)."""
        return [bpmn_id for task in self._all_tasks()
                if task.state == TaskState.COMPLETED and task.last_state_change >= self._began
                and (bpmn_id := getattr(task.task_spec, "bpmn_id", None))]

    def task_data(self, task_id: str) -> dict:
        task = self._task(task_id)
        return dict(task.data) if task is not None else {}

    # --- reading -----------------------------------------------------------------------

    def _timers(self, waiting_for: str | None = None) -> list[PendingTimer]:
        """Waiting timers; with `waiting_for`, only those of tasks that also wait for that message."""
        timers = []
        for task in list(self.workflow.event_manager.tasks.values()):
            if not task.has_state(TaskState.WAITING):
                continue
            definitions = _event_definitions(task)
            if waiting_for and not any(isinstance(d, MessageEventDefinition) and d.name == waiting_for
                                       for d in definitions):
                continue
            if any(isinstance(d, TimerEventDefinition) for d in definitions):
                due = _parse_due(task._get_internal_data("event_value"))
                if due is not None:
                    timers.append(PendingTimer(str(task.id), _timer_element(task), due))
        return timers

    def timers(self) -> list[PendingTimer]:
        return self._timers()

    def pending_timer_ids(self) -> set[str]:
        return {t.task_id for t in self._timers()}

    def snapshot_waiting_messages(self) -> set[str]:
        names: set[str] = set()
        for task in list(self.workflow.event_manager.tasks.values()):
            if task.has_state(TaskState.WAITING):
                names.update(d.name for d in _event_definitions(task)
                             if isinstance(d, MessageEventDefinition))
        return names

    def latest_data(self) -> dict:
        """Data as the most recently finished step left it (branches and sub-processes included)."""
        if self.workflow.completed:
            return dict(self.workflow.data) or dict(self.workflow.last_task.data)
        done = self.workflow.get_tasks(state=TaskState.COMPLETED)
        latest = max(done, key=lambda t: t.last_state_change) if done else None
        return dict(latest.data) if latest is not None else {}

    def snapshot(self) -> Snapshot:
        user_tasks, active, completed = [], [], []
        for task in self.workflow.get_tasks():
            bpmn_id = failures.bpmn_id(task)
            if task.state == TaskState.READY and isinstance(task.task_spec, UserTask):
                meta = self.definition.user_tasks.get(bpmn_id, {})
                user_tasks.append(OpenUserTask(
                    id=str(task.id), spec_id=bpmn_id,
                    name=meta.get("name") or task.task_spec.bpmn_name or bpmn_id,
                    role=meta.get("role"), form_key=meta.get("form_key"),
                    due_expression=meta.get("due_expression"),
                    applicant_contact=meta.get("applicant_contact"),
                ))
            if getattr(task.task_spec, "bpmn_id", None) is None:
                continue  # engine-internal specs (start, end, boundary splits)
            if task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
                active.append(bpmn_id)
            elif task.state == TaskState.COMPLETED:
                completed.append(bpmn_id)
        return Snapshot(
            completed=self.workflow.completed,
            user_tasks=user_tasks,
            timers=self._timers(),
            waiting_messages=self.snapshot_waiting_messages(),
            data=self.latest_data(),
            active_elements=sorted(set(active)),
            completed_elements=sorted(set(completed)),
        )
