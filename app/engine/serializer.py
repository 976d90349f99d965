"""Workflow state without its spec.

SpiffWorkflow's serializer embeds the whole spec in every instance (about three quarters of
a young case's bytes). The spec is stored once per process version, so we register a
converter for BpmnWorkflow that leaves it out and re-attaches the cached spec on load.
"""
import json
import threading
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow


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


# The registry toggles an "encoder mode" flag while it serializes, so threads get their own.
_local = threading.local()


def _serializer() -> BpmnWorkflowSerializer:
    serializer = getattr(_local, "serializer", None)
    if serializer is None:
        registry = BpmnWorkflowSerializer.configure()
        SpeclessWorkflowConverter(BpmnWorkflow, registry)
        serializer = _local.serializer = BpmnWorkflowSerializer(registry)
    return serializer


def dumps(workflow: BpmnWorkflow) -> str:
    return _serializer().serialize_json(workflow)


def loads(state: str, spec, subprocess_specs, script_engine) -> BpmnWorkflow:
    serializer = _serializer()
    dct = json.loads(state)
    serializer.migrate(dct)
    return serializer.registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs,
                                       script_engine=script_engine)


def dumps_with_spec(workflow: BpmnWorkflow) -> str:
    """SpiffWorkflow's own full serialization (for comparison in benchmarks)."""
    return BpmnWorkflowSerializer().serialize_json(workflow)
