"""What OneWindow costs on top of SpiffWorkflow, and what its spec-less state saves.

Run on demand (not a test):

    cd /work/main && .venv/bin/python bench/engine_overhead.py [--cases N] [--clients C]

On the standard flow (processes/standard_licence.bpmn) it measures, in one run:

(a)  SpiffWorkflow alone, in-process: every action is deserialize -> complete the user task
     (or deliver the message) -> do_engine_steps -> serialize, with SpiffWorkflow's own
     BpmnWorkflowSerializer (full spec embedded), BpmnParser, BpmnWorkflow and the default
     PythonScriptEngine with a calendar-day `workdays` stand-in in its environment globals.
(a') for orientation: OneWindow's engine adapter (app.engine) in-process, no DB and no HTTP:
     spec-less load with the cached spec -> act (RestrictedPython) -> snapshot -> dump.
(b)  the same actions through the HTTP API, served for real (gunicorn, 2 workers x 4 threads,
     as the README deploys it; `--server werkzeug`: werkzeug's threaded server in a background
     thread) on a fresh SQLite file and on a fresh PostgreSQL database
     (onewindow_bench_<random>, created and dropped here), driven with `requests`:
     one client sequentially, then C concurrent clients (one requests.Session each).
(b)/(a) is taken twice: against the (a) run at the start, and against (a) run again right before
     and right after each HTTP run ("beside it"), since this VM's speed drifts by ±25 % within
     minutes and a ratio of two runs minutes apart measures the drift as much as the app.
(c)  bytes of the stored `state` column (spec-less) at several points of a case beside
     SpiffWorkflow's own full serialization of the same workflow.

Paths: happy = start -> front desk accept -> back office approve -> window_pickup (4 actions);
correction = start -> correct -> supplement (message) -> accept -> approve -> window_pickup (6).
"start" counts as an action everywhere (POST /api/v1/cases over HTTP; a new workflow that is
run to its first wait and serialized in-process). Over HTTP every action must answer its
expected status and leave the case in its expected status, or the run stops (exit 1).
The pickup window needs the applicant's 6-digit pickup code: the bench reads it from the
case's row (SQL, before the timed request, like the applicant reading it off the progress page).

--smoke: 2 happy and 1 correction case per mode, 2 HTTP clients, both backends (seconds).

Imports from app/: `app.create_app` (bench/common.py) and the engine adapter (app_engine()
below: `app.engine.ProcessInstance`, `app.engine.load_definition`,
`app.engine.serializer.dumps_with_spec`), which (a') and (c) measure. The rest goes through
the HTTP API, the `flask` commands and SQL on the `case` and `process_definition` tables.
"""
from __future__ import annotations

import argparse
import gc
import gzip
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    DEFAULT_PG_URL,
    DEMO_PASSWORD,
    HALL,
    ITEM,
    BenchError,
    Gunicorn,
    PgDatabase,
    Server,
    add_smoke,
    dispose,
    engine_of,
    exit_on_signals,
    id_card,
    make_app,
    parse,
)

BPMN_PATH = ROOT / "processes" / "standard_licence.bpmn"
PROCESS_KEY = "standard_licence"
SUPPLEMENT = "supplement"
SMOKE = {"cases": 2, "correction_cases": 1, "clients": 2, "warmup": 1}


def app_engine() -> SimpleNamespace:
    """The only imports from app/ besides create_app: OneWindow's engine adapter, measured by
    (a') and used by (c) to restore a stored state. Imported late: importing it patches
    SpiffWorkflow's timer clock, so (a) runs before."""
    from app.engine import ProcessInstance, load_definition
    from app.engine.serializer import dumps_with_spec

    return SimpleNamespace(ProcessInstance=ProcessInstance, load_definition=load_definition,
                           dumps_with_spec=dumps_with_spec)


# --- the scenarios ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    kind: str           # label in the tables
    action: str         # start | task | message
    user: str           # demo user acting over HTTP
    spec_id: str | None = None
    submit: dict | None = None   # what the clerk POSTs
    cleaned: dict | None = None  # what the engine receives (the server's cleaned form data)
    materials: tuple = ()
    note: str | None = None
    status: str = ""             # the case's status after the step (HTTP runs check it)
    pickup_code: bool = False    # the clerk also types the applicant's pickup code


START = Step("start", "start", "frontdesk", status="submitted")
ACCEPT = Step("accept", "task", "frontdesk", "front_desk_acceptance",
              {"outcome": "accept", "missing_materials": [], "reason": ""},
              {"outcome": "accept", "missing_materials": [], "reason": None}, status="under_review")
CORRECT = Step("correct", "task", "frontdesk", "front_desk_acceptance",
               {"outcome": "correct", "missing_materials": ["PMT", "GLZD"]},
               {"outcome": "correct", "missing_materials": ["PMT", "GLZD"], "reason": None},
               status="awaiting_correction")
SUPPLY = Step("supplement", "message", "frontdesk", materials=("PMT", "GLZD"), note="申请人现场补交",
              status="submitted")
APPROVE = Step("approve", "task", "backoffice", "back_office_review",
               {"decision": "approve"}, {"decision": "approve", "reason": None}, status="awaiting_delivery")
DELIVER = Step("deliver", "task", "pickup", "window_delivery",
               {"delivery_method": "window_pickup"},
               {"delivery_method": "window_pickup", "tracking_no": None}, status="completed", pickup_code=True)

PATHS = {
    "happy": ([START, ACCEPT, APPROVE, DELIVER], "start → accept → approve → window_pickup"),
    "correction": ([START, CORRECT, SUPPLY, ACCEPT, APPROVE, DELIVER],
                   "start → correct → supplement → accept → approve → window_pickup"),
}
KIND_ORDER = ["start", "correct", "supplement", "accept", "approve", "deliver"]
USERS = ("frontdesk", "backoffice", "pickup")


def start_data(n: int) -> dict:
    """What app.cases.service.start_case hands the engine (demo item 610118-SCJG-0001)."""
    return {
        "case_id": n, "case_no": f"OW20261130{n:06d}", "item_code": "610118-SCJG-0001",
        "channel": "window", "hall": "HY-ZWFW", "submitted_materials": ["SQS", "YYZZ", "FDDBR"],
        "case_status": "submitted", "correction_round": 0, "max_correction_rounds": 3,
        "correction_limit_days": 5, "tolerance_limit_days": 10, "legal_limit_days": 20,
        "promised_limit_days": 10,
    }


def message_payload(step: Step) -> dict:
    return {"supplied_materials": list(step.materials), "supplement_note": step.note or ""}


# --- measurements ----------------------------------------------------------------------------

@dataclass
class Result:
    label: str
    path: str
    clients: int
    cases: int = 0
    actions: int = 0
    wall: float = 0.0
    latencies: dict = field(default_factory=dict)  # kind -> [seconds]
    retries: int = 0
    failures: list = field(default_factory=list)
    untimed: float = 0.0  # the bench's own pickup-code lookups: outside the latencies and the rate
    beside: list = field(default_factory=list)  # (a) measured right before and after this run: its rates

    def record(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    def merge(self, other: Result) -> None:
        for kind, values in other.latencies.items():
            self.latencies.setdefault(kind, []).extend(values)
        self.actions += other.actions
        self.cases += other.cases
        self.retries += other.retries
        self.failures.extend(other.failures)
        self.untimed += other.untimed

    @property
    def rate(self) -> float:
        """Actions per second of the app's time: one client's own SQL lookups are not the app's (with
        several, they overlap the others' requests and stay in)."""
        busy = self.wall - (self.untimed if self.clients == 1 else 0.0)
        return self.actions / busy if busy > 0 else 0.0

    @property
    def rate_beside(self) -> float:
        """The mean rate of (a) in the runs right before and after this one."""
        return statistics.fmean(self.beside) if self.beside else 0.0

    def all_latencies(self) -> list:
        return [v for values in self.latencies.values() for v in values]


def pct(values, q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


# --- (a) SpiffWorkflow alone -----------------------------------------------------------------

def calendar_days(n) -> str:
    """End of the n-th calendar day after today (Asia/Shanghai), aware ISO-8601 (like OneWindow's)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    day = datetime.now(tz).date() + timedelta(days=int(n))
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=tz).isoformat()


class PlainSpiff:
    """Plain SpiffWorkflow: parse once, full-spec JSON between actions."""

    def __init__(self):
        from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
        from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
        from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment
        from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer

        parser = BpmnParser()
        parser.add_bpmn_file(str(BPMN_PATH))
        self.spec = parser.get_spec(PROCESS_KEY)
        self.subprocess_specs = parser.get_subprocess_specs(PROCESS_KEY)
        self.script_engine = PythonScriptEngine(environment=TaskDataEnvironment({"workdays": calendar_days}))
        self.serializer = BpmnWorkflowSerializer()

    def _ready_user_tasks(self, workflow) -> dict:
        from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
        from SpiffWorkflow.util.task import TaskState

        return {t.task_spec.bpmn_id: t.id for t in workflow.get_tasks(state=TaskState.READY)
                if isinstance(t.task_spec, UserTask)}

    def act(self, state: str | None, ready: dict, step: Step, n: int) -> tuple[str, dict, object]:
        """One action on the state the previous one left (`ready`: its open user tasks by spec id);
        returns (serialized state, open user tasks by spec id, workflow)."""
        from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
        from SpiffWorkflow.bpmn.util.event import BpmnEvent
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
        from SpiffWorkflow.util.task import TaskState

        if step.action == "start":
            workflow = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=self.script_engine)
            workflow.get_tasks(state=TaskState.READY)[0].data.update(start_data(n))
        else:
            workflow = self.serializer.deserialize_json(state)
            workflow.script_engine = self.script_engine
            if step.action == "task":
                task = workflow.get_task_from_id(ready[step.spec_id])
                task.set_data(**step.cleaned)
                task.run()
            else:
                workflow.send_event(BpmnEvent(MessageEventDefinition(SUPPLEMENT), message_payload(step)))
        workflow.do_engine_steps()
        return self.serializer.serialize_json(workflow), self._ready_user_tasks(workflow), workflow


def run_plain(path: str, cases: int, warmup: int) -> tuple[Result, dict]:
    steps, _ = PATHS[path]
    engine = PlainSpiff()
    result = Result("(a) SpiffWorkflow alone, full-spec JSON", path, 1)
    sizes = {}
    for n in range(warmup):
        state, ready = None, {}
        for step in steps:
            state, ready, _ = engine.act(state, ready, step, n)
    gc.collect()
    began = time.perf_counter()
    for n in range(cases):
        state, ready = None, {}
        for step in steps:
            t0 = time.perf_counter()
            state, ready, workflow = engine.act(state, ready, step, n)
            result.record(step.kind, time.perf_counter() - t0)
            result.actions += 1
            if n == 0:
                sizes[step.kind] = len(state.encode())
        if not workflow.completed or workflow.data.get("case_status") != "completed":
            result.failures.append(f"case {n}: ended {workflow.data.get('case_status')!r}")
        result.cases += 1
    result.wall = time.perf_counter() - began
    return result, sizes


# --- (a') OneWindow's engine adapter in-process ---------------------------------------------

def adapter_definition():
    import hashlib

    xml = BPMN_PATH.read_bytes()
    # Only the spec matters here; the snapshot falls back to the BPMN names without metadata.
    return app_engine().load_definition(-1, hashlib.sha256(xml).hexdigest(), PROCESS_KEY, lambda: xml, {}, {})


def run_adapter(path: str, cases: int, warmup: int) -> Result:
    ProcessInstance = app_engine().ProcessInstance

    steps, _ = PATHS[path]
    definition = adapter_definition()
    result = Result("(a') app.engine adapter, spec-less, no DB/HTTP", path, 1)

    def act(state, previous, step, n):
        """load -> act -> snapshot (what close_step syncs from) -> dump."""
        if step.action == "start":
            instance = ProcessInstance.start(definition, start_data(n))
        else:
            instance = ProcessInstance.load(definition, state)
            if step.action == "task":
                task_id = next(t.id for t in previous.user_tasks if t.spec_id == step.spec_id)
                instance.complete_user_task(task_id, dict(step.cleaned))
            else:
                instance.deliver_message(SUPPLEMENT, message_payload(step))
        snapshot = instance.snapshot()
        return instance.dump(), snapshot

    for n in range(warmup):
        state, snapshot = None, None
        for step in steps:
            state, snapshot = act(state, snapshot, step, n)
    gc.collect()
    began = time.perf_counter()
    for n in range(cases):
        state, snapshot = None, None
        for step in steps:
            t0 = time.perf_counter()
            state, snapshot = act(state, snapshot, step, n)
            result.record(step.kind, time.perf_counter() - t0)
            result.actions += 1
        if not snapshot.completed or snapshot.data.get("case_status") != "completed":
            result.failures.append(f"case {n}: ended {snapshot.data.get('case_status')!r}")
        result.cases += 1
    result.wall = time.perf_counter() - began
    return result


# --- (b) the HTTP API ------------------------------------------------------------------------

class IdNumbers:
    """Distinct, valid resident ID numbers (GB 11643 check digit), one per application."""

    def __init__(self):
        self._lock = threading.Lock()
        self._next = 0

    def take(self) -> str:
        with self._lock:
            n = self._next
            self._next += 1
        born = date(1960, 1, 1) + timedelta(days=n // 900)
        return id_card(f"610118{born:%Y%m%d}{100 + n % 900:03d}")


class PickupCodes:
    """The applicant's 6-digit pickup code of a case, as the pickup window is shown it. The
    applicant reads it off the public progress page; the bench reads the case's row instead
    (one indexed SELECT, about 1–2 ms), so no extra HTTP request competes with the timed ones."""

    def __init__(self, app):
        self.engine = engine_of(app)

    def __call__(self, case_id: int) -> str:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            code = conn.execute(text('SELECT pickup_code FROM "case" WHERE id = :id'), {"id": case_id}).scalar()
        if not (isinstance(code, str) and len(code) == 6 and code.isdigit()):
            raise BenchError(f"case {case_id}: no 6-digit pickup code in its row (found {code!r})")
        return code


class Client:
    """One clerk terminal: its own requests.Session and tokens for the three demo users."""

    RETRY_STATUSES = {409, 503}

    def __init__(self, base: str, pickup_codes: PickupCodes):
        import requests

        self.base = base
        self.pickup_codes = pickup_codes
        self.http = requests.Session()
        self.http.trust_env = False  # never through a proxy
        self.tokens = {}
        for user in USERS:
            response = self.http.post(f"{base}/api/v1/auth/token",
                                      json={"username": user, "password": DEMO_PASSWORD}, timeout=60)
            if response.status_code != 200:
                raise BenchError(f"login {user}: HTTP {response.status_code} {response.text[:300]}")
            self.tokens[user] = response.json()["token"]

    def post(self, user: str, path: str, body: dict, expect: int, result: Result) -> dict:
        for attempt in range(6):
            response = self.http.post(self.base + path, json=body, timeout=120,
                                      headers={"Authorization": f"Bearer {self.tokens[user]}"})
            if response.status_code == expect:
                return response.json()
            if response.status_code in self.RETRY_STATUSES and attempt < 5:
                result.retries += 1
                time.sleep(0.01 * (attempt + 1))
                continue
            raise BenchError(f"POST {path} as {user}: HTTP {response.status_code} {response.text[:400]}")
        raise AssertionError("unreachable")

    def act(self, case: dict | None, step: Step, ids: IdNumbers, result: Result, extra: dict) -> dict:
        if step.action == "start":
            body = {"item_code": ITEM, "channel": "window", "hall": HALL,
                    "materials": ["SQS", "YYZZ", "FDDBR"],
                    "applicant": {"name": "鄠邑区申请人", "id_type": "id_card", "id_number": ids.take(),
                                  "phone": "13800000000"}}
            return self.post(step.user, "/api/v1/cases", body, 201, result)
        if step.action == "task":
            open_ids = [t["id"] for t in case["open_tasks"] if t["name"] == step.spec_id]
            if not open_ids:
                raise BenchError(f"case {case['id']}: no open {step.spec_id}; "
                                 f"open: {[t['name'] for t in case['open_tasks']]}")
            return self.post(step.user, f"/api/v1/tasks/{open_ids[0]}/complete",
                             {"data": {**step.submit, **extra}}, 200, result)
        return self.post(step.user, f"/api/v1/cases/{case['id']}/supplements",
                         {"materials": list(step.materials), "note": step.note}, 200, result)

    def run_case(self, steps, ids: IdNumbers, result: Result, on_step=None) -> dict:
        case = None
        for step in steps:
            extra = {}
            if step.pickup_code:  # the applicant shows the code: not part of the timed request
                t0 = time.perf_counter()
                extra["pickup_code"] = self.pickup_codes(case["id"])
                result.untimed += time.perf_counter() - t0
            t0 = time.perf_counter()
            case = self.act(case, step, ids, result, extra)
            result.record(step.kind, time.perf_counter() - t0)
            result.actions += 1
            if case.get("status") != step.status:
                raise BenchError(f"case {case.get('id')}: status {case.get('status')!r} after {step.kind}, "
                                 f"expected {step.status!r}; open tasks: "
                                 f"{[t['name'] for t in case.get('open_tasks', [])]}")
            if on_step is not None:
                on_step(step, case)
        result.cases += 1
        return case

    def close(self):
        self.http.close()


def warm_up(terminals: list, paths: list, warmup: int, ids: IdNumbers) -> None:
    """Untimed cases per terminal and path: connection pools, spec, form and compile caches."""
    scratch = Result("warm-up", "-", len(terminals))
    for terminal in terminals:
        for p in paths:
            for _ in range(warmup):
                terminal.run_case(PATHS[p][0], ids, scratch)
    if scratch.failures:
        raise BenchError(f"warm-up failed: {scratch.failures[:3]}")


def run_http(terminals: list, backend: str, path: str, cases: int, ids: IdNumbers) -> Result:
    """`cases` cases of `path`, shared round-robin among the terminals, all started together."""
    steps, _ = PATHS[path]
    clients = len(terminals)
    label = f"(b) HTTP API + {backend}"
    shares = [len(range(i, cases, clients)) for i in range(clients)]
    partial = [Result(label, path, clients) for _ in range(clients)]
    errors = []
    barrier = threading.Barrier(clients + 1)

    def work(i):
        try:
            barrier.wait()
            for _ in range(shares[i]):
                terminals[i].run_case(steps, ids, partial[i])
        except Exception as exc:  # reported after the run
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,), name=f"bench-client-{i}", daemon=True)
               for i in range(clients)]
    gc.collect()
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        while thread.is_alive():  # short joins: SIGTERM/Ctrl-C are handled between them
            thread.join(timeout=0.2)
    result = Result(label, path, clients)
    result.wall = time.perf_counter() - began
    for part in partial:
        result.merge(part)
    if errors:
        raise BenchError(f"{label}, {clients} client(s): {errors[0]}") from errors[0]
    return result


def serve(app, url: str, instance: Path, how: str):
    """gunicorn (2 workers x 4 threads, in processes of their own, as the README deploys it) or,
    with --server werkzeug, werkzeug's threaded server in a thread of this process."""
    return Gunicorn(app, url, instance) if how == "gunicorn" else Server(app)


def run_backend(app, url: str, instance: Path, backend: str, paths: list, counts: dict, args, ids: IdNumbers,
                results: dict, size_rows: list | None, plain_sizes: dict) -> list:
    """Serve `app`, run every path with 1 and with --clients terminals; returns stored averages."""
    client_counts = [1] + ([args.clients] if args.clients > 1 else [])
    codes = PickupCodes(app)
    with serve(app, url, instance, args.server) as server:
        terminals = [Client(server.base, codes) for _ in range(max(client_counts))]  # logins are not timed
        try:
            warm_up(terminals, paths, args.warmup, ids)
            for p in paths:
                for clients in client_counts:
                    # (a) again right before and after: this VM's speed drifts by ±25 % within minutes,
                    # so the ratio is also taken against (a) measured beside the run
                    before = run_plain(p, counts[p], 1)[0].rate
                    http = run_http(terminals[:clients], backend, p, counts[p], ids)
                    http.beside = [before, run_plain(p, counts[p], 1)[0].rate]
                    results[p].append(http)
        finally:
            for terminal in terminals:
                terminal.close()
        if size_rows is not None:
            for p in paths:
                size_rows.extend(probe_sizes(app, server.base, codes, p, ids, plain_sizes[p]))
    averages = stored_averages(app, backend)
    dispose(app)
    return averages


# --- (c) state sizes -------------------------------------------------------------------------

@dataclass
class SizeRow:
    path: str
    point: str
    status: str
    column_length: int   # SQL length(state)
    stored_bytes: int    # UTF-8 bytes of the stored spec-less JSON
    full_bytes: int      # SpiffWorkflow's own serialization of the same workflow
    stored_gzip: int
    full_gzip: int
    plain_full: int | None  # (a)'s own full serialization at the same point


def probe_sizes(app, base: str, codes: PickupCodes, path: str, ids: IdNumbers, plain_sizes: dict) -> list[SizeRow]:
    """Drive one case through HTTP and weigh its stored state after every action."""
    from sqlalchemy import text

    engine = app_engine()
    db = engine_of(app)
    steps, _ = PATHS[path]
    rows = []

    def weigh(step, case_json):
        with db.connect() as conn:
            row = conn.execute(text(
                'SELECT c.status, c.state, length(c.state), d.id, d.sha256, d.key, d.bpmn_xml '
                'FROM "case" c JOIN process_definition d ON d.id = c.definition_id WHERE c.id = :id'),
                {"id": case_json["id"]}).one()
        status, state, column, definition_id, sha256, key, xml = row
        # A cache key of its own (negative id): the server's cached definition keeps its metadata.
        definition = engine.load_definition(-definition_id, sha256, key, lambda: xml, {}, {})
        full = engine.dumps_with_spec(engine.ProcessInstance.load(definition, state).workflow)
        rows.append(SizeRow(path, f"after {step.kind}", status, column, len(state.encode()),
                            len(full.encode()), len(gzip.compress(state.encode())),
                            len(gzip.compress(full.encode())), plain_sizes.get(step.kind)))

    terminal = Client(base, codes)
    try:
        terminal.run_case(steps, ids, Result("probe", path, 1), on_step=weigh)
    finally:
        terminal.close()
    return rows


def stored_averages(app, backend: str) -> list:
    """Average length(state) of every completed case in the database (warm-up and probe cases
    included), split by path: correction-path cases have correction_round 1."""
    from sqlalchemy import text

    with engine_of(app).connect() as conn:
        rows = conn.execute(text(
            "SELECT correction_round, count(*), avg(length(state)) FROM \"case\" "
            "WHERE status = 'completed' GROUP BY correction_round ORDER BY correction_round")).all()
    return [(backend, "happy" if rnd == 0 else "correction", int(n), float(avg)) for rnd, n, avg in rows]


# --- output ----------------------------------------------------------------------------------

def fmt_rate(value: float) -> str:
    return f"{value:,.1f}"


def print_table(headers: list[str], rows: list[list[str]], align: str) -> None:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]

    def line(cells):
        parts = []
        for cell, width, how in zip(cells, widths, align, strict=False):
            parts.append(str(cell).ljust(width) if how == "l" else str(cell).rjust(width))
        return "  ".join(parts).rstrip()

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def report_throughput(path: str, results: list[Result], baseline: Result) -> None:
    lookups = [r for r in results if r.untimed]
    steps, description = PATHS[path]
    print(f"\nThroughput — path '{path}': {description} ({len(steps)} actions per case)")
    headers = ["mode", "clients", "cases", "actions", "wall s", "actions/s", "cases/s",
               "mean ms", "p50 ms", "p95 ms", "(b)/(a)", "retries"]
    rows = []
    for r in results:
        values = r.all_latencies()
        rows.append([r.label, r.clients, r.cases, r.actions, f"{r.wall:.2f}", fmt_rate(r.rate),
                     f"{r.cases / r.wall:,.1f}" if r.wall else "-",
                     f"{statistics.fmean(values) * 1000:.2f}", f"{pct(values, .5) * 1000:.2f}",
                     f"{pct(values, .95) * 1000:.2f}",
                     "1" if r is baseline else f"{r.rate / baseline.rate:.4f}", r.retries])
    print_table(headers, rows, "lrrrrrrrrrrr")
    for r in lookups:
        print(f"  {r.label}, {r.clients} client(s): pickup-code lookups (SQL, not in the latencies, in wall s) "
              f"{r.untimed / r.cases * 1000:.2f} ms per case")

    kinds = [k for k in KIND_ORDER if any(k in r.latencies for r in results)]
    print(f"\nMean latency per action (ms) — path '{path}'  [single client rows are service times; "
          "multi-client rows include queueing]")
    headers = ["mode", "clients"] + kinds
    rows = [[r.label, r.clients] + [f"{statistics.fmean(r.latencies[k]) * 1000:.2f}" for k in kinds]
            for r in results]
    print_table(headers, rows, "lr" + "r" * len(kinds))


def report_sizes(rows: list[SizeRow], averages: list[tuple[str, int, float]]) -> None:
    print("\n(c) Stored workflow state per case (bytes): the `state` column (spec-less) vs "
          "SpiffWorkflow's own full serialization of the same workflow")
    headers = ["path", "point", "case status", "length(state)", "stored B", "full B (Spiff)",
               "saved", "spec part B", "stored gz", "full gz", "(a) full B"]
    out = []
    for r in rows:
        out.append([r.path, r.point, r.status, r.column_length, r.stored_bytes, r.full_bytes,
                    f"{100 * (1 - r.stored_bytes / r.full_bytes):.1f}%", r.full_bytes - r.stored_bytes,
                    r.stored_gzip, r.full_gzip, r.plain_full if r.plain_full is not None else "-"])
    print_table(headers, out, "lllrrrrrrrr")
    print("  length(state) is SQL length() of the column (characters; the JSON is ASCII-escaped, so = bytes).")
    print("  full B: app.engine.serializer.dumps_with_spec (BpmnWorkflowSerializer().serialize_json) of the")
    print("  workflow restored from that very state; (a) full B: the plain-SpiffWorkflow run's own case 0.")
    for backend, path, count, avg in averages:
        print(f"  average length(state) of the {count} completed '{path}' cases on {backend}: {avg:,.0f}")


def report_summary(results: dict, size_rows: list) -> None:
    print("\nSummary")
    for path, rows in results.items():
        baseline = rows[0]
        parts = [f"(a) {fmt_rate(baseline.rate)} actions/s"]
        for r in rows[2:]:
            name = r.label.split("+ ")[-1]
            parts.append(f"{name} x{r.clients} {fmt_rate(r.rate)} "
                         f"(= {r.rate / baseline.rate:.3f} of (a), {baseline.rate / r.rate:.1f}x slower; "
                         f"{r.rate / r.rate_beside:.3f} of (a) beside it, {fmt_rate(r.rate_beside)})")
        print(f"  {path}: " + "; ".join(parts))
    ends = [r for r in size_rows if r.point == "after deliver"]
    for r in ends:
        print(f"  state at the end of a '{r.path}' case: {r.stored_bytes:,} B stored vs {r.full_bytes:,} B "
              f"full SpiffWorkflow serialization ({100 * (1 - r.stored_bytes / r.full_bytes):.1f}% saved, "
              f"{r.full_bytes - r.stored_bytes:,} B of spec per case)")


# --- main ------------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100, help="happy-path cases per mode (default 100)")
    parser.add_argument("--correction-cases", type=int, default=None,
                        help="correction-path cases per mode (default: --cases // 4; 0 skips the path)")
    parser.add_argument("--clients", type=int, default=4,
                        help="concurrent HTTP clients for the second HTTP run (default 4; 0 or 1: skip)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--warmup", type=int, default=2,
                        help="untimed warm-up cases per path, mode and HTTP client (default 2)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL,
                        help="PostgreSQL server (admin database) to create the bench database on "
                             "(default $TEST_DATABASE_URL or postgresql://postgres@127.0.0.1:5432/postgres)")
    parser.add_argument("--server", choices=("gunicorn", "werkzeug"), default="gunicorn",
                        help="what serves (b): gunicorn as deployed (default) or werkzeug in this process")
    add_smoke(parser, ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in SMOKE.items()))
    args = parse(parser, argv, SMOKE)
    if args.correction_cases is None:
        args.correction_cases = max(1, args.cases // 4)
    counts = {"happy": args.cases, "correction": args.correction_cases}
    paths = [p for p in PATHS if counts[p] > 0]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if args.cases < 1 or args.correction_cases < 0 or args.warmup < 1 or \
            any(b not in ("sqlite", "postgresql") for b in backends):
        parser.error("bad --cases, --correction-cases, --warmup or --backends")

    exit_on_signals()
    logging.basicConfig(level=logging.WARNING)

    from importlib.metadata import version

    print(("SMOKE RUN (correctness only; figures of a few cases mean nothing)\n" if args.smoke else "")
          + f"OneWindow engine overhead — SpiffWorkflow {version('SpiffWorkflow')}, Python "
          f"{sys.version.split()[0]}, {os.cpu_count()} CPU(s); cases per mode: "
          + ", ".join(f"{p} {counts[p]}" for p in paths))
    print("HTTP: " + ("gunicorn, 2 workers x 4 threads in processes of their own (as the README deploys it)"
                      if args.server == "gunicorn" else
                      "werkzeug threaded server in this process (client and server share the GIL)")
          + "; clients = threads of this process with one requests.Session each")
    t_start = time.perf_counter()

    # (a) first: OneWindow's engine module patches SpiffWorkflow's timer clock when imported.
    results = {p: [] for p in paths}
    plain_sizes = {}
    for p in paths:
        plain, plain_sizes[p] = run_plain(p, counts[p], args.warmup)
        results[p].append(plain)
    for p in paths:
        results[p].append(run_adapter(p, counts[p], args.warmup))

    ids = IdNumbers()
    size_rows, averages = [], []
    with tempfile.TemporaryDirectory(prefix="onewindow-bench-") as tmp:
        for backend in backends:
            if backend == "sqlite":
                url, instance = f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp) / "instance-sqlite"
                averages += run_backend(make_app(url, instance), url, instance, "SQLite", paths, counts, args, ids,
                                        results, size_rows, plain_sizes)
            else:
                with PgDatabase(args.pg_url) as pg:
                    print(f"PostgreSQL: created database {pg.name} (dropped at the end)")
                    instance = Path(tmp) / "instance-pg"
                    averages += run_backend(make_app(pg.url, instance), pg.url, instance, "PostgreSQL", paths,
                                            counts, args, ids, results, None if "sqlite" in backends else size_rows,
                                            plain_sizes)
                print(f"PostgreSQL: dropped database {pg.name}")

    failures = []
    for p in paths:
        report_throughput(p, results[p], results[p][0])
        for r in results[p]:
            failures.extend(f"{r.label} ({r.clients} client(s), {p}): {f}" for f in r.failures)
    report_sizes(size_rows, averages)
    print("\n(b)/(a) is actions/s through HTTP divided by actions/s of plain SpiffWorkflow on the same path\n"
          "(the bench's own pickup-code lookups left out of the HTTP time); 'beside it': divided by the mean\n"
          "rate of (a) run again right before and right after that HTTP run, as the VM's speed drifts.")
    report_summary(results, size_rows)
    print(f"total run time {time.perf_counter() - t_start:.1f} s")
    if failures:
        print("\nFAILURES (cases that did not end 'completed'):")
        for f in failures[:20]:
            print("  " + f)
        return 1
    return 0


if __name__ == "__main__":
    from bench.common import run

    run(main)
