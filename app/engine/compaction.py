"""Compaction of a stored instance: drop the finished history nobody can read any more, so a
case that loops (correction rounds) costs on its 30th round what it did on its first, and never
reaches SpiffWorkflow's depth limits (its task search stops at depth 1000, about 143 rounds of the
standard flow's correction loop; its recursive helpers hit Python's recursion limit near 165).

A set K of tasks the engine or this adapter can still look at is kept; every other task is
dropped and the tree contracted: each kept task's new parent is its nearest kept ancestor, children
keep their order. Among kept tasks this preserves ancestry, depth-first order (get_tasks, engine
steps, snapshots), the order of `workflow.tasks` (parents before children, which the serializer's
parent-relative data needs) and each task's data, internal data, state and time of its last change.

K is:
  P1 the root task;
  P2 every unfinished task and all its descendants;
  P3 the parent of each of those (a task inherits its parent's data when it becomes ready; the
     joins read `task.parent`);
  P4 for an unfinished structured join (BoundaryEventJoin: `spec.split_task`), its split and the
     split's whole subtree (the join reads the split's children);
  P5 every finished parallel/inclusive/end join with its parent (they look at all instances of
     their spec) — except the process EndJoin when every end event a main token can reach
     terminates (then the EndJoin never runs);
  P6 `workflow.last_task` and the most recently completed task (ProcessInstance.latest_data);
  P7 finished tasks that own a subprocess (`workflow.subprocesses` is keyed by task id);
  P8 the newest completed task of each BPMN element (snapshot().completed_elements).
Nothing is dropped from a completed workflow or from subprocess trees.

It relies on SpiffWorkflow 3.2.0's internals (Task._parent/_children, the order of
workflow.tasks, the join specs): with any other version it does nothing.
tests/unit/test_state_compaction.py runs the standard flow with and without it in lockstep.
"""
from importlib.metadata import version

from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin, StartEventJoin, _EndJoin
from SpiffWorkflow.bpmn.specs.event_definitions.simple import TerminateEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState


def _descendants(task, tasks):
    stack, out = list(task._children), []
    while stack:
        tid = stack.pop()
        child = tasks.get(tid)
        if child is None:
            continue
        out.append(child)
        stack.extend(child._children)
    return out


def _find_ancestor(task, spec_name, tasks):
    """Iterative Task.find_ancestor (SpiffWorkflow's is recursive)."""
    current = tasks.get(task._parent)
    while current is not None:
        if current.task_spec.name == spec_name:
            return current
        current = tasks.get(current._parent)
    return None


def _latest_completed(workflow):
    """The task ProcessInstance.latest_data() reads (same query, same tie-break)."""
    done = workflow.get_tasks(state=TaskState.COMPLETED)
    return max(done, key=lambda t: t.last_state_change) if done else None


_end_join_cache: dict = {}


def end_join_never_runs(spec) -> bool:
    """True if the process-level EndJoin can never fire, so its finished instances are never read.

    _EndJoin fires only when no other task is unfinished; UnstructuredJoin._run_hook then merges
    the parent data of every finished EndJoin instance into the workflow data. If every end event
    that a *main* token can reach (from the start, following all flows except the branches of
    non-interrupting boundary events) is a terminate end event, the main token always ends the
    workflow by terminating it (cancelling the rest), so the EndJoin never fires.
    """
    key = id(spec)
    if key not in _end_join_cache:
        ok, seen, todo = True, set(), [spec.start]
        while todo and ok:
            ts = todo.pop()
            if ts.name in seen:
                continue
            seen.add(ts.name)
            if isinstance(ts, EndEvent):
                ok = isinstance(ts.event_definition, TerminateEventDefinition)
                continue
            if isinstance(ts, _EndJoin):  # reached without an end event: be conservative
                ok = False
                continue
            for out in ts.outputs:
                if isinstance(out, BoundaryEvent) and not out.cancel_activity:
                    continue
                todo.append(out)
        _end_join_cache[key] = ok
    return _end_join_cache[key]


def pins(workflow, keep_element_history: bool = True) -> set:
    tasks = workflow.tasks
    root = workflow.task_tree
    keep = {root.id}

    unfinished = [t for t in tasks.values() if t.has_state(TaskState.NOT_FINISHED_MASK)]
    live = set()
    for task in unfinished:                                          # P2
        live.add(task.id)
        live.update(d.id for d in _descendants(task, tasks))
    keep |= live
    for tid in live:                                                 # P3
        parent_id = tasks[tid]._parent
        if parent_id is not None:
            keep.add(parent_id)

    for task in unfinished:                                          # P4
        split_name = getattr(task.task_spec, "split_task", None)
        if split_name:
            split = _find_ancestor(task, split_name, tasks)
            if split is not None:
                keep.add(split.id)
                keep.update(d.id for d in _descendants(split, tasks))

    skip_end_join = end_join_never_runs(workflow.spec)
    for task in tasks.values():                                      # P5, P7
        spec = task.task_spec
        if isinstance(spec, _EndJoin) and skip_end_join and not task.has_state(TaskState.NOT_FINISHED_MASK):
            pass
        elif isinstance(spec, Join) and not isinstance(spec, (BoundaryEventJoin, StartEventJoin)):
            keep.add(task.id)
            if task._parent is not None:
                keep.add(task._parent)
        if task.id in workflow.subprocesses:
            keep.add(task.id)

    if workflow.last_task is not None:                               # P6
        keep.add(workflow.last_task.id)
    latest = _latest_completed(workflow)
    if latest is not None and latest.workflow is workflow:
        keep.add(latest.id)

    if keep_element_history:                                         # P8
        # One COMPLETED instance per BPMN element, so snapshot().completed_elements is unchanged.
        newest: dict = {}
        for task in tasks.values():
            bpmn_id = getattr(task.task_spec, "bpmn_id", None)
            if bpmn_id is not None and task.state == TaskState.COMPLETED and (
                    bpmn_id not in newest or task.last_state_change >= newest[bpmn_id].last_state_change):
                newest[bpmn_id] = task
        keep.update(t.id for t in newest.values())
    return keep


SUPPORTED = version("SpiffWorkflow") == "3.2.0"


def compact(workflow, keep_element_history: bool = True) -> int:
    """Drop the finished tasks nobody can look at any more; returns how many were dropped."""
    if not SUPPORTED:
        return 0
    tasks = workflow.tasks
    if workflow.completed or not any(t.has_state(TaskState.NOT_FINISHED_MASK) for t in tasks.values()):
        return 0
    keep = pins(workflow, keep_element_history)
    if len(keep) == len(tasks):
        return 0

    root = workflow.task_tree
    new_parent: dict = {}
    new_children: dict = {root.id: []}
    # Iterative pre-order walk carrying the nearest kept ancestor.
    stack = [(cid, root.id) for cid in reversed(root._children)]
    while stack:
        tid, anchor = stack.pop()
        task = tasks.get(tid)
        if task is None:
            continue
        if tid in keep:
            new_parent[tid] = anchor
            new_children[anchor].append(tid)
            new_children[tid] = []
            anchor = tid
        stack.extend((cid, anchor) for cid in reversed(task._children))

    missing = keep - set(new_parent) - {root.id}
    if missing:  # a pin not reachable from the root: the tree is not what we expect, leave it alone
        raise RuntimeError(f"compact: {len(missing)} pinned tasks not under the root")

    for tid in keep:
        task = tasks[tid]
        if tid != root.id:
            task._parent = new_parent[tid]
        task._children = new_children[tid]
    dropped = [tid for tid in tasks if tid not in keep]
    for tid in dropped:  # in place: the kept tasks keep their relative order
        del tasks[tid]
        workflow.event_manager.tasks.pop(tid, None)  # finished tasks are not there; be safe
    return len(dropped)


def check_order(workflow) -> None:
    """Serializer invariant: every task comes after its parent in workflow.tasks."""
    seen = set()
    for tid, task in workflow.tasks.items():
        assert task._parent is None or task._parent in seen, f"{task} before its parent"
        seen.add(tid)
