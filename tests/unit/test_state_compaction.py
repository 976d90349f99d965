"""Compaction of stored instances (app/engine/compaction.py), proven in lockstep: the standard flow
runs twice through the adapter, A stored as SpiffWorkflow serializes it, B compacted as
ProcessInstance.dump stores it; after every load, action and compaction everything observable is
compared (open tasks with their ids, data, timers, messages, the latest data, the event manager,
errors). Correction rounds with escalations, moved timers and idle days; at checkpoints every
ending is played on forks of both. And the stored state of the 30th round is the first's size."""
import random
import uuid
from datetime import timedelta

import pytest
import SpiffWorkflow.task as spiff_task_module
from SpiffWorkflow.util.task import TaskState

from app import clock
from app.engine import ProcessInstance, load_definition, serializer
from app.engine.compaction import check_order, compact
from app.errors import DomainError
from tests.conftest import ROOT

BPMN = ROOT / "processes" / "standard_licence.bpmn"
ROUNDS = 30
CHECKPOINTS = {0, 1, 3, 10, ROUNDS}
_ids = random.Random(0)


def _uuid4():
    return uuid.UUID(int=_ids.getrandbits(128), version=4)


def reseed(n):
    _ids.seed(n)


@pytest.fixture(autouse=True)
def same_task_ids(monkeypatch):
    """Both sides get the same sequence of new task ids for each action."""
    monkeypatch.setattr(spiff_task_module, "uuid4", _uuid4)


def definition():
    import hashlib

    xml = BPMN.read_bytes()
    return load_definition(-2, hashlib.sha256(xml).hexdigest(), "standard_licence", lambda: xml, {}, {})


D = None


def start_data(n=1, max_rounds=10_000):
    return {
        "case_id": n, "case_no": f"OW20261130{n:06d}", "item_code": "610118-SCJG-0001",
        "channel": "window", "hall": "HY-ZWFW", "submitted_materials": ["SQS", "YYZZ", "FDDBR"],
        "case_status": "submitted", "correction_round": 0, "max_correction_rounds": max_rounds,
        "correction_limit_days": 5, "tolerance_limit_days": 10, "legal_limit_days": 20,
        "promised_limit_days": 10,
    }


CORRECT = {"outcome": "correct", "missing_materials": ["PMT", "GLZD"], "reason": None}
ACCEPT = {"outcome": "accept", "missing_materials": [], "reason": None}
TOLERATE = {"outcome": "tolerate", "missing_materials": ["PMT"], "reason": None}
APPROVE = {"decision": "approve", "reason": None}
DELIVER = {"delivery_method": "window_pickup", "tracking_no": None}


def supplement_payload(i=0):
    return {"supplied_materials": ["PMT", "GLZD"], "supplement_note": f"round {i}"}


def user_task_id(instance, spec_id):
    snap = instance.snapshot()
    for t in snap.user_tasks:
        if t.spec_id == spec_id:
            return t.id
    raise LookupError(f"no open {spec_id}: {[t.spec_id for t in snap.user_tasks]}")


REG = serializer._serializer().registry
LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
outcomes = {}
stats = {"compares": 0, "actions": 0, "completed_elements_diff": 0, "endings": 0}


def all_tasks(wf):
    out = list(wf.tasks.values())
    for sp in wf.subprocesses.values():
        out.extend(sp.tasks.values())
    return out


def observe(inst):
    wf = inst.workflow
    snap = inst.snapshot()
    unfinished = {}
    for t in all_tasks(wf):
        if t.has_state(TaskState.NOT_FINISHED_MASK):
            unfinished[str(t.id)] = (
                t.task_spec.name, t.state, str(t._parent),
                REG.convert(t.internal_data),
                REG.convert(REG.clean(dict(t.data))) if t.has_state(LIVE) else None,
                [str(c) for c in t._children],
            )
    return {
        "completed": snap.completed, "success": wf.success,
        "user_tasks": snap.user_tasks, "timers": snap.timers,
        "waiting_messages": snap.waiting_messages, "latest_data": snap.data,
        "active_elements": snap.active_elements,
        "workflow_data": REG.convert(REG.clean(dict(wf.data))),
        "subprocess_data": {str(k): REG.convert(REG.clean(dict(sp.data))) for k, sp in wf.subprocesses.items()},
        "unfinished": unfinished,
        "event_manager": [str(k) for k in wf.event_manager.tasks],
        "last_task": str(wf.last_task.id) if wf.last_task is not None else None,
        "bpmn_events": REG.convert(wf.bpmn_events),
        "_completed_elements": snap.completed_elements,
    }


def compare(a, b, where):
    oa, ob = observe(a), observe(b)
    stats["compares"] += 1
    if oa.pop("_completed_elements") != ob.pop("_completed_elements"):
        stats["completed_elements_diff"] += 1
    for key in oa:
        if oa[key] != ob[key]:
            if key == "unfinished":
                ka, kb = set(oa[key]), set(ob[key])
                detail = f"only A {ka - kb}, only B {kb - ka}, differ " + str(
                    [(k, oa[key][k], ob[key][k]) for k in ka & kb if oa[key][k] != ob[key][k]][:2])
            else:
                detail = f"A={oa[key]!r}\nB={ob[key]!r}"
            raise AssertionError(f"[{where}] {key} differs: {detail}")


class Pair:
    """The two stored states, A plain and B compacted."""

    def __init__(self, a, b):
        self.a, self.b = a, b

    def fork(self):
        return Pair(self.a, self.b)

    def act(self, label, fn):
        if isinstance(fn, tuple):  # ("advance", timedelta): move the shared clock once
            clock.advance(fn[1])
            return None
        """load both -> compare -> fn(instance) on both -> compare results/observations -> dump."""
        ia, ib = ProcessInstance.load(D, self.a), ProcessInstance.load(D, self.b)
        compare(ia, ib, f"{label} (after load)")
        ra = rb = None
        ea = eb = None
        seed = stats["actions"] * 7919 + 17
        reseed(seed)
        try:
            ra = fn(ia)
        except DomainError as exc:
            ea = (type(exc).__name__, str(exc))
        reseed(seed)
        try:
            rb = fn(ib)
        except DomainError as exc:
            eb = (type(exc).__name__, str(exc))
        if ea != eb or ra != rb:
            raise AssertionError(f"[{label}] results differ: A={ra!r}/{ea!r} B={rb!r}/{eb!r}")
        stats["actions"] += 1
        if ea is not None:  # the app discards an instance after an error
            return ea
        compare(ia, ib, label)
        ia.fired.clear()
        ib.fired.clear()
        self.a = serializer.dumps(ia.workflow)  # as SpiffWorkflow stores it, uncompacted
        compact(ib.workflow)
        check_order(ib.workflow)
        compare(ia, ib, f"{label} (after compact)")
        self.b = ib.dump()  # compacts (again: nothing left to drop)
        return ra

    def open_tasks(self, spec_id):
        inst = ProcessInstance.load(D, self.b)
        return [t.id for t in inst.snapshot().user_tasks if t.spec_id == spec_id]


def complete(spec_id, data, which=0):
    def fn(inst):
        ids = [t.id for t in inst.snapshot().user_tasks if t.spec_id == spec_id]
        task_id = ids[which] if ids else "00000000-0000-0000-0000-000000000000"  # -> Conflict
        inst.complete_user_task(task_id, dict(data))
    return fn


def message(payload):
    return lambda inst: inst.deliver_message("supplement", dict(payload))


def fire(inst):
    return inst.fire_due_timers()


def move_timer(spec_id, days):
    def fn(inst):
        for t in inst.timers():
            if t.spec_id == spec_id:
                return inst.set_timer_due(t.task_id, t.due_at + timedelta(days=days))
        return None
    return fn


class Clock:
    """Both sides share app.clock; endings run on forks, so save/restore around them."""

    def __enter__(self):
        self.saved = clock.now()

    def __exit__(self, *exc):
        clock.freeze(self.saved)


def play_endings(pair, r):
    endings = {
        "accept>approve>deliver": [complete("front_desk_acceptance", ACCEPT), complete("back_office_review", APPROVE),
                                   complete("window_delivery", DELIVER)],
        "tolerate>supplement>approve>deliver": [complete("front_desk_acceptance", TOLERATE),
                                                message({"supplied_materials": ["PMT"]}),
                                                complete("back_office_review", APPROVE), complete("window_delivery", DELIVER)],
        "tolerate>deadline": [complete("front_desk_acceptance", TOLERATE), ("advance", timedelta(days=40)), fire],
        "accept>deny>deliver": [complete("front_desk_acceptance", ACCEPT),
                                complete("back_office_review", {"decision": "deny", "reason": "no"}),
                                complete("window_delivery", DELIVER)],
        "correct>deadline": [complete("front_desk_acceptance", CORRECT), ("advance", timedelta(days=30)), fire],
        "reject": [complete("front_desk_acceptance", {"outcome": "reject", "missing_materials": [], "reason": "x"})],
        "late escalation>accept": [("advance", timedelta(days=3)), fire, complete("front_desk_acceptance", ACCEPT),
                                   complete("acceptance_escalation", {}, -1), complete("back_office_review", APPROVE),
                                   complete("window_delivery", DELIVER)],
    }
    for name, steps in endings.items():
        with Clock():
            fork = pair.fork()
            for n, fn in enumerate(steps):
                fork.act(f"round {r} ending {name} step {n}", fn)
            stats["endings"] += 1
            done = ProcessInstance.load(D, fork.b).snapshot()
            outcomes.setdefault(name, set()).add((done.completed, done.data.get("case_status")))



@pytest.mark.parametrize("seed", [1, 2])
def test_compacted_and_plain_instances_behave_alike_round_after_round(seed):
    global D
    D = definition()
    outcomes.clear()
    stats.update(compares=0, actions=0, completed_elements_diff=0, endings=0)
    rng = random.Random(seed)
    sizes: list = []
    reseed(1)
    inst = ProcessInstance.start(D, start_data())
    a = serializer.dumps(inst.workflow)
    compact(inst.workflow)
    pair = Pair(a, inst.dump())
    checkpoints = CHECKPOINTS
    for r in range(ROUNDS + 1):
        if r in checkpoints:
            play_endings(pair, r)
            sizes.append((r, len(pair.a), len(pair.b)))
        if r == ROUNDS:
            break
        # --- at acceptance ---
        if rng.random() < 0.3:  # the acceptance deadline passes: non-interrupting escalation opens
            pair.act(f"round {r} advance", ("advance", timedelta(days=3)))
            pair.act(f"round {r} fire", fire)
        if rng.random() < 0.2:
            pair.act(f"round {r} move acceptance timer", move_timer("acceptance_overdue", 2))
        if rng.random() < 0.3 and pair.open_tasks("acceptance_escalation"):
            which = rng.choice([0, -1])
            pair.act(f"round {r} complete escalation", complete("acceptance_escalation", {"note": r}, which))
        pair.act(f"round {r} correct", complete("front_desk_acceptance", CORRECT))
        # --- awaiting correction ---
        if rng.random() < 0.3:
            pair.act(f"round {r} idle", ("advance", timedelta(hours=20)))
            pair.act(f"round {r} idle fire", fire)
        if rng.random() < 0.2:
            pair.act(f"round {r} move correction timer", move_timer("correction_deadline", 1))
        if rng.random() < 0.1:  # a message nobody waits for in this state is refused the same way
            pair.act(f"round {r} stray", complete("back_office_review", APPROVE))
        pair.act(f"round {r} supplement", message(supplement_payload(r)))
    assert stats["endings"] == 7 * len(CHECKPOINTS)
    assert {status for seen in outcomes.values() for _, status in seen} >= {"completed", "denied", "not_accepted"}
    first, last = sizes[1], sizes[-1]
    assert last[1] > 3 * first[1]  # uncompacted, the state grows with every round
    assert last[2] < last[1] / 5, sizes  # compacted, a fraction (open escalations keep their branch)


def test_the_thirtieth_round_is_stored_in_the_size_of_the_first():
    global D
    D = definition()
    reseed(1)
    instance = ProcessInstance.start(D, start_data())
    state, sizes = instance.dump(), []
    for r in range(30):
        instance = ProcessInstance.load(D, state)
        instance.complete_user_task(user_task_id(instance, "front_desk_acceptance"), dict(CORRECT))
        state = ProcessInstance.load(D, instance.dump()).dump()
        instance = ProcessInstance.load(D, state)
        instance.deliver_message("supplement", supplement_payload(r))
        state = instance.dump()
        sizes.append((len(state), len(ProcessInstance.load(D, state).workflow.tasks)))
    assert sizes[-1][1] == sizes[0][1], sizes  # the same tasks kept
    assert sizes[-1][0] <= 1.1 * sizes[0][0], sizes  # within 10 % (the round number's digits, notes)
    instance = ProcessInstance.load(D, state)
    instance.complete_user_task(user_task_id(instance, "front_desk_acceptance"), dict(ACCEPT))
    assert [t.spec_id for t in instance.snapshot().user_tasks] == ["back_office_review"]


