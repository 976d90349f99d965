"""The step's load restores tasks with app.engine.serializer.FastTaskConverter (issue 15: a load
in less than half the time). Proven against SpiffWorkflow's own TaskConverter on the standard
flow at every stored point of a case with correction rounds, a decision and a delivery: the
same tasks (ids, parents, children, states, specs, data, internal data), the same event manager
and the same state when stored again — and the two loads then behave alike."""
import json

import pytest
from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task

from app.engine import ProcessInstance, serializer
from tests.unit.test_state_compaction import (
    ACCEPT,
    APPROVE,
    CORRECT,
    DELIVER,
    all_tasks,
    definition,
    start_data,
    supplement_payload,
    user_task_id,
)


def _reference_loads(state: str, loaded) -> BpmnWorkflow:
    """The same state restored with SpiffWorkflow's TaskConverter (our spec-less workflow converter)."""
    registry = BpmnWorkflowSerializer.configure()
    serializer.SpeclessWorkflowConverter(BpmnWorkflow, registry)
    TaskConverter(Task, registry)
    dct = json.loads(state)
    BpmnWorkflowSerializer(registry).migrate(dct)
    return registry.restore(dct, spec=loaded.spec, subprocess_specs=loaded.subprocess_specs, script_engine=None)


def _tasks(workflow) -> dict:
    as_data = serializer._serializer().registry.convert  # objects (events) by value, not identity
    return {str(t.id): (t.task_spec.name, t.state, str(t._parent), [str(c) for c in t._children],
                        as_data(t.data), as_data(t.internal_data), t.triggered, t.last_state_change)
            for t in all_tasks(workflow)}


def _states(definition_):
    """Every state a case stores on a long path: corrections, supplements, acceptance, decision, delivery."""
    instance = ProcessInstance.start(definition_, start_data())
    yield instance.dump()
    for n, (kind, payload) in enumerate([("task", CORRECT), ("message", None), ("task", CORRECT), ("message", None),
                                         ("task", ACCEPT), ("task", APPROVE), ("task", DELIVER)]):
        instance = ProcessInstance.load(definition_, instance.dump())
        if kind == "message":
            instance.deliver_message("supplement", supplement_payload(n))
        else:
            spec = {id(CORRECT): "front_desk_acceptance", id(ACCEPT): "front_desk_acceptance",
                    id(APPROVE): "back_office_review", id(DELIVER): "window_delivery"}[id(payload)]
            instance.complete_user_task(user_task_id(instance, spec), dict(payload))
        yield instance.dump()


def test_the_fast_restore_is_spiffworkflows_restore():
    loaded = definition()
    seen = 0
    for state in _states(loaded):
        fast = ProcessInstance.load(loaded, state)
        reference = _reference_loads(state, loaded)
        assert _tasks(fast.workflow) == _tasks(reference)
        assert sorted(map(str, fast.workflow.event_manager.tasks)) == sorted(map(str, reference.event_manager.tasks))
        assert fast.workflow.data == reference.data
        assert serializer.dumps(fast.workflow) == serializer.dumps(reference) == state
        seen += 1
    assert seen == 8


def test_a_task_never_shares_mutable_data_with_its_parent():
    loaded = definition()
    states = list(_states(loaded))
    workflow = ProcessInstance.load(loaded, states[2]).workflow
    pairs = [(t, t.parent) for t in all_tasks(workflow) if t.parent is not None]
    assert pairs
    for task, parent in pairs:
        for key, value in task.data.items():
            if isinstance(value, (dict, list)) and key in parent.data:
                assert value is not parent.data[key], (task.task_spec.name, key)


@pytest.mark.parametrize("which", ["fast", "reference"])
def test_both_loads_go_on_alike(which):
    loaded = definition()
    state = list(_states(loaded))[1]  # awaiting the supplement
    instance = ProcessInstance.load(loaded, state)
    if which == "reference":
        instance.workflow = _reference_loads(state, loaded)
        instance.workflow.script_engine = ProcessInstance.load(loaded, state).workflow.script_engine
    instance.deliver_message("supplement", supplement_payload())
    instance.complete_user_task(user_task_id(instance, "front_desk_acceptance"), dict(ACCEPT))
    assert [t.spec_id for t in instance.snapshot().user_tasks] == ["back_office_review"]
