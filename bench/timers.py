"""Timer throughput and punctuality on PostgreSQL (run on demand: `.venv/bin/python bench/timers.py`).

1. Burst: N timers (default 10,000) all due at once; scheduler processes (`flask timers fire`,
   1 and then 2 of them) fire them; prints the time until all fired and timers per second.
2. Punctuality: 200 timers due at staggered moments while a `flask scheduler run` process
   runs; prints how late each fired (p50, p95, max) from its due time to its timer_fired event.

It creates its own database (onewindow_bench_timers_<random>) on --pg-url and drops it at the
end. Timers come from tests/data/short_timer.bpmn (start → wait `wait_for` → completed),
deployed through the API; the burst clones one waiting case's rows (SQL) N times, so setting
up 10,000 timers takes seconds.

The `flask` processes run as deployed: ONEWINDOW_ENV=production, with what production
requires (SECRET_KEY — this run's, the one the bench's own app signs with — and
PUBLIC_BASE_URL, a placeholder: timers build no links), DATABASE_URL, ONEWINDOW_INSTANCE (the
run's temp dir, not the repository's instance/), LOG_LEVEL=WARNING. Their output is captured;
a process that exits non-zero, or timers that did not fire, stop the run with that output.

--smoke: 50 burst timers, 5 staggered over 1.5 s (a few seconds of scheduler startup dominate).

Imports from app/: only `app.create_app` (bench/common.py); the rest is the HTTP API, the
`flask` commands and SQL on the `case`, `job` and `case_event` tables.
"""
import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    DEFAULT_PG_URL,
    HALL,
    PUBLIC_BASE_URL,
    Api,
    BenchError,
    PgDatabase,
    add_smoke,
    check,
    dispose,
    exit_on_signals,
    guide_doc,
    make_app,
    parse,
    person,
    sql,
)

DATA = ROOT / "tests" / "data"
SHORT_ITEM = "BENCH-SHORT-TIMER"
SMOKE = {"timers": 50, "staggered": 5, "spread": 1.5, "lead": 1.0}


class FlaskProcess:
    """`python -m flask --app wsgi <args>` in the repository, output (stdout and stderr)
    captured to a file; every way it can fail raises BenchError with that output."""

    def __init__(self, env: dict, log_dir: Path, *args: str):
        self.args = " ".join(args)
        self.log_path = Path(tempfile.mkstemp(prefix="flask-", suffix=".log", dir=log_dir)[1])
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                                            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def output(self) -> str:
        text = self.log_path.read_text(errors="replace")
        return text if text.strip() else "(no output)"

    def last_line(self) -> str:
        lines = [line for line in self.log_path.read_text(errors="replace").splitlines() if line.strip()]
        return lines[-1] if lines else "(no output)"

    def failure(self, what: str) -> BenchError:
        return BenchError(f"`flask {self.args}` (pid {self.process.pid}) {what}; its output:\n{self.output()}")

    def wait(self, timeout: float) -> None:
        """Wait for it to exit; it must exit 0."""
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise self.failure(f"did not finish within {timeout:.0f} s") from None
        if self.process.returncode != 0:
            raise self.failure(f"exited {self.process.returncode}")

    def ensure_running(self) -> None:
        if self.process.poll() is not None:
            raise self.failure(f"exited early with {self.process.returncode}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def production_env(app, database_url: str, instance: Path) -> dict:
    env = {**os.environ, "ONEWINDOW_ENV": "production", "DATABASE_URL": database_url,
           "SECRET_KEY": app.config["SECRET_KEY"], "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
           "ONEWINDOW_INSTANCE": str(instance), "LOG_LEVEL": "WARNING", "SCHEDULER_ENABLED": "0"}
    env.pop("FLASK_APP", None)
    return env


def deploy_short_timer(app) -> Api:
    """Deploy tests/data/short_timer.bpmn and draft an item running it (as a designer, through the
    API), published by an administrator; returns a front desk client."""
    designer = Api(app, "designer")
    designer.post("/api/v1/processes", expect=(200, 201), content_type="multipart/form-data", data={
        "file": (io.BytesIO((DATA / "short_timer.bpmn").read_bytes()), "short_timer.bpmn"),
        "forms": (io.BytesIO((DATA / "timer_test_application.form").read_bytes()), "timer_test_application.form"),
    })
    designer.post("/api/v1/catalog/items", guide_doc(SHORT_ITEM, process_key="short_timer", legal=1, promised=1,
                                                     materials=[("SQS", "申请书")]), expect=201)
    Api(app, "admin").post(f"/api/v1/catalog/items/{SHORT_ITEM}/versions/1/publish")
    return Api(app, "frontdesk")


def start_case(frontdesk: Api, n: int, wait_for: str) -> int:
    """One case of the short-timer item waiting `wait_for` (ISO 8601 duration)."""
    case = frontdesk.post("/api/v1/cases", {"item_code": SHORT_ITEM, "channel": "window", "hall": HALL,
                                            "materials": ["SQS"], "applicant": person(n),
                                            "data": {"wait_for": wait_for}}, expect=201).get_json()
    return case["id"]


def count(app, statement: str, **params) -> int:
    return sql(app, statement, **params)[0][0]


def _columns(app, table: str, leave_out: tuple) -> list[str]:
    rows = sql(app, "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                    "AND table_name = :t ORDER BY ordinal_position", t=table)
    return [f'"{name}"' for (name,) in rows if name not in leave_out]


def clone(app, case_id: int, copies: int) -> None:
    """Copies of a waiting case's row and its pending job: thousands of due timers without
    thousands of engine steps."""
    # the copies have no history of their own: their chains start empty (seq 0, the genesis hash)
    case_columns = _columns(app, "case", ("id", "case_no", "history_seq", "history_head"))
    job_columns = _columns(app, "job", ("id", "case_id"))
    sql(app, f"""
        WITH new AS (
            INSERT INTO "case" ({", ".join(case_columns)}, case_no, history_seq, history_head)
            SELECT {", ".join("s." + c for c in case_columns)}, s.case_no || '-' || g, 0, repeat('0', 64)
            FROM "case" s, generate_series(1, :copies) AS g WHERE s.id = :id
            RETURNING id)
        INSERT INTO job ({", ".join(job_columns)}, case_id)
        SELECT {", ".join("j." + c for c in job_columns)}, new.id
        FROM job j, new WHERE j.case_id = :id AND j.state = 'pending'""", id=case_id, copies=copies)


def reset(app) -> None:
    """No cases, jobs or events (and nothing that refers to them)."""
    sql(app, 'TRUNCATE "case", job, case_event CASCADE')


def check_fired(app, expected: int, processes: list, what: str) -> None:
    """Every timer fired exactly once and its case completed."""
    done = count(app, "SELECT count(*) FROM job WHERE state = 'done'")
    pending = count(app, "SELECT count(*) FROM job WHERE state <> 'done'")
    events = count(app, "SELECT count(*) FROM case_event WHERE kind = 'timer_fired'")
    completed = count(app, """SELECT count(*) FROM "case" WHERE status = 'completed'""")
    if not done == events == completed == expected or pending:
        outputs = "\n".join(f"--- `flask {p.args}` output:\n{p.output()}" for p in processes)
        raise BenchError(f"{what}: expected {expected} timers fired and cases completed; jobs done {done}, "
                         f"other jobs {pending}, timer_fired events {events}, completed cases {completed}\n{outputs}")


def burst(app, env: dict, log_dir: Path, frontdesk: Api, timers: int, processes: int) -> tuple[float, float, str]:
    reset(app)
    first = start_case(frontdesk, 0, "PT1S")
    clone(app, first, timers - 1)
    waiting = count(app, "SELECT count(*) FROM job WHERE state = 'pending'")
    check(waiting == timers, f"burst set-up: {waiting} pending timers, expected {timers}")
    due = sql(app, "SELECT max(due_at) FROM job WHERE state = 'pending'")[0][0]
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.1)  # every timer is due now
    started = time.monotonic()
    workers = [FlaskProcess(env, log_dir, "timers", "fire") for _ in range(processes)]
    try:
        for worker in workers:
            worker.wait(timeout=600)
    finally:
        for worker in workers:
            worker.stop()
    elapsed = time.monotonic() - started
    check_fired(app, timers, workers, f"burst with {processes} process(es)")
    return elapsed, timers / elapsed, " + ".join(worker.last_line() for worker in workers)


def wait_until_listening(app, scheduler: FlaskProcess, seconds: float = 60) -> None:
    """Until the scheduler's LISTEN connection shows in pg_stat_activity (it is then awake for
    NOTIFY); fails if the process exits meanwhile."""
    deadline = time.monotonic() + seconds
    while not count(app, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                         "AND query LIKE 'LISTEN %'"):
        scheduler.ensure_running()
        if time.monotonic() > deadline:
            scheduler.stop()
            raise scheduler.failure(f"was not listening after {seconds:.0f} s")
        time.sleep(0.1)


def punctuality(app, env: dict, log_dir: Path, frontdesk: Api, timers: int, spread: float,
                lead: float | None) -> list[float]:
    reset(app)
    scheduler = FlaskProcess(env, log_dir, "scheduler", "run")
    try:
        wait_until_listening(app, scheduler)
        lead = lead if lead is not None else 5 + timers * 0.06  # creating the cases takes time: all fall due after
        began = time.monotonic()
        for n in range(timers):
            wait = lead - (time.monotonic() - began) + spread * n / timers
            start_case(frontdesk, n, f"PT{max(wait, 0.5):.3f}S")
        deadline = time.monotonic() + lead + spread + 60
        while count(app, "SELECT count(*) FROM job WHERE state = 'done'") < timers and time.monotonic() < deadline:
            scheduler.ensure_running()
            time.sleep(0.2)
        scheduler.ensure_running()
        check_fired(app, timers, [scheduler], "punctuality")
        late = []
        for at, data in sql(app, "SELECT at, data FROM case_event WHERE kind = 'timer_fired'"):
            at = at if at.tzinfo else at.replace(tzinfo=UTC)
            late.append((at - datetime.fromisoformat(data["due_at"])).total_seconds())
        return late
    finally:
        scheduler.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timers", type=int, default=10_000, help="timers of the burst (default 10,000)")
    parser.add_argument("--staggered", type=int, default=200, help="timers of the punctuality run (default 200)")
    parser.add_argument("--spread", type=float, default=20.0, help="seconds over which the staggered timers fall due")
    parser.add_argument("--lead", type=float, default=None,
                        help="seconds until the first staggered timer falls due (default 5 + 0.06 per timer)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL,
                        help="PostgreSQL server (admin database) to create the bench database on "
                             "(default $TEST_DATABASE_URL or postgresql://postgres@127.0.0.1:5432/postgres)")
    add_smoke(parser, ", ".join(f"--{k} {v}" for k, v in SMOKE.items()))
    args = parse(parser, argv, SMOKE)
    if args.timers < 1 or args.staggered < 1 or args.spread < 0:
        parser.error("bad --timers, --staggered or --spread")
    exit_on_signals()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="onewindow-bench-timers-") as tmp, \
            PgDatabase(args.pg_url, prefix="onewindow_bench_timers") as pg:
        instance, log_dir = Path(tmp) / "instance", Path(tmp)
        app = make_app(pg.url, instance)
        try:
            frontdesk = deploy_short_timer(app)
            env = production_env(app, pg.url, instance)
            print(("SMOKE RUN (correctness only; figures of a few timers mean nothing)\n" if args.smoke else "")
                  + f"PostgreSQL timers — {os.cpu_count()} CPUs; database {pg.name} (dropped at the end); "
                  "`flask --app wsgi` processes with ONEWINDOW_ENV=production\n")
            print(f"Burst: {args.timers:,} timers due at once")
            for processes in (1, 2):
                elapsed, rate, said = burst(app, env, log_dir, frontdesk, args.timers, processes)
                print(f"  {processes} scheduler process(es): all fired in {elapsed:6.1f} s  = {rate:7.1f} timers/s"
                      f"   (`flask timers fire` printed {said})")
            late = punctuality(app, env, log_dir, frontdesk, args.staggered, args.spread, args.lead)
            late_ms = sorted(x * 1000 for x in late)
            print(f"\nPunctuality: {args.staggered} timers due over {args.spread:g} s, one `flask scheduler run` process")
            print(f"  fired {len(late_ms)} of {args.staggered}; lateness after the due time: "
                  f"p50 {statistics.median(late_ms):.0f} ms, p95 {late_ms[max(0, int(len(late_ms) * 0.95) - 1)]:.0f} ms, "
                  f"max {late_ms[-1]:.0f} ms")
        finally:
            dispose(app)
    print(f"\ndropped database {pg.name}; total run time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    from bench.common import run

    run(main)
