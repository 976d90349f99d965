"""Workflow state without its spec.

SpiffWorkflow's serializer embeds the whole spec in every instance (about three quarters of
a young case's bytes). The spec is stored once per process version, so we register a
converter for BpmnWorkflow that leaves it out and re-attaches the cached spec on load.
"""
import json
import threading
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, TaskConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task, TaskState


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None, script_engine=None):
        if spec is None:
            raise ValueError("a spec-less workflow needs its spec to be restored")
        workflow = self.target_class(spec, subprocess_specs, script_engine=script_engine,
                                     deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class FastTaskConverter(TaskConverter):
    """SpiffWorkflow's TaskConverter.from_dict, restoring the same task in less than half the
    time: a task's id string becomes a UUID once per load (it recurs as its parent's child and
    its children's parent), and the copy of the parent's data that a task's delta applies to is
    one dict comprehension (what `DeepMerge.merge({}, parent.data)` does: a shallow copy of each
    mutable value). A load restores every task of the case (~30), on every step."""

    def from_dict(self, dct, workflow):
        ids = _local.__dict__.setdefault("ids", {})
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=_uuid(ids, dct["id"]))
        task._parent = _uuid(ids, dct["parent"]) if dct["parent"] is not None else None
        task._children = [_uuid(ids, child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = self.registry.restore(dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            task.workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        parent = task.parent
        if delta and parent is not None:
            data = {k: v.copy() if isinstance(v, (dict, list, set)) else v for k, v in parent.data.items()}
            data.update(self.registry.restore(delta.get("updates", {})))
            for key in delta.get("deletions", {}):
                data.pop(key, None)
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


def _uuid(ids: dict, text: str) -> UUID:
    found = ids.get(text)
    if found is None:
        found = ids[text] = UUID(text)
    return found


# The registry toggles an "encoder mode" flag while it serializes, so threads get their own.
_local = threading.local()


def _serializer() -> BpmnWorkflowSerializer:
    serializer = getattr(_local, "serializer", None)
    if serializer is None:
        registry = BpmnWorkflowSerializer.configure()
        SpeclessWorkflowConverter(BpmnWorkflow, registry)
        FastTaskConverter(Task, registry)
        serializer = _local.serializer = BpmnWorkflowSerializer(registry)
    return serializer


def dumps(workflow: BpmnWorkflow) -> str:
    return _serializer().serialize_json(workflow)


def loads(state: str, spec, subprocess_specs, script_engine) -> BpmnWorkflow:
    serializer = _serializer()
    dct = json.loads(state)
    serializer.migrate(dct)
    try:
        return serializer.registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs,
                                           script_engine=script_engine)
    finally:
        _local.__dict__.pop("ids", None)  # the task ids of this load (FastTaskConverter)


def dumps_with_spec(workflow: BpmnWorkflow) -> str:
    """SpiffWorkflow's own full serialization (for comparison in benchmarks)."""
    return BpmnWorkflowSerializer().serialize_json(workflow)
