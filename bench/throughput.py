"""Whole-flow throughput: --clients separate client processes each drive --cases cases of the
standard flow (start, accept, approve, deliver by mail: 4 actions) through HTTP against gunicorn
(--workers x 4 threads) on PostgreSQL, with one `flask scheduler run` beside it drawing the
documents and sending the messages, as a hall runs it. Prints actions per second over the wall
time of the whole run and p50/p95 per action.

`--smoke` (2 clients × 2 cases) runs in `make test` (tests/test_bench_smoke.py).
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    DEFAULT_PG_URL,
    BenchError,
    Client,
    Gunicorn,
    PgDatabase,
    add_smoke,
    check,
    dispose,
    exit_on_signals,
    make_app,
    parse,
    person,
    run,
    sql,
)

ITEM = "610118-SCJG-0001"  # 食品经营许可（新办）, the standard flow
SMOKE = {"clients": 2, "cases": 2, "workers": 2}
ACTIONS = ("start", "accept", "approve", "deliver")
MAILED = {"delivery_method": "mail", "carrier": "sf", "tracking_no": "SF0000000001"}


def _drive(base: str, client_no: int, cases: int, go, results) -> None:
    """One client process: its own HTTP sessions, cases one after the other."""
    try:
        frontdesk, backoffice = Client(base, "frontdesk"), Client(base, "backoffice")
        pickup = Client(base, "pickup")
        times: dict[str, list[float]] = {a: [] for a in ACTIONS}
        go.wait()
        for n in range(cases):
            body = {"item_code": ITEM, "applicant": person(10_000 * (client_no + 1) + n), "channel": "window",
                    "hall": "HY-ZWFW", "materials": ["SQS", "YYZZ", "FDDBR"]}
            took, case = frontdesk.post("/api/v1/cases", body, expect=201)
            times["start"].append(took)
            for action, clerk, data in (("accept", frontdesk, {"outcome": "accept"}),
                                        ("approve", backoffice, {"decision": "approve"}),
                                        ("deliver", pickup, MAILED)):
                task = case["open_tasks"][0]["id"]
                took, case = clerk.post(f"/api/v1/tasks/{task}/complete", {"data": data})
                times[action].append(took)
            check(case["status"] == "completed", f"case {case['case_no']} ended as {case['status']}")
        results.put((client_no, times, None))
    except Exception as error:  # noqa: BLE001 - reported by the parent
        results.put((client_no, None, f"{type(error).__name__}: {error}"))


def _scheduler(app, database_url: str, instance: Path):
    env = {**os.environ, "ONEWINDOW_ENV": "production", "DATABASE_URL": database_url,
           "SECRET_KEY": app.config["SECRET_KEY"], "PUBLIC_BASE_URL": "https://onewindow.bench.invalid",
           "ONEWINDOW_INSTANCE": str(instance), "LOG_LEVEL": "WARNING", "SMS_CHANNEL": "log"}
    env.pop("FLASK_APP", None)
    output = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - lives as long as the process
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run"], cwd=ROOT, env=env,
                               stdout=output, stderr=subprocess.STDOUT, text=True)
    return process, output


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="client processes (default 8)")
    parser.add_argument("--cases", type=int, default=25, help="cases per client (default 25)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, one per core)")
    parser.add_argument("--no-scheduler", action="store_true",
                        help="no scheduler beside it: the documents wait (the request path alone)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    add_smoke(parser, f"--clients {SMOKE['clients']} --cases {SMOKE['cases']}")
    args = parse(parser, argv, SMOKE)
    exit_on_signals()
    with PgDatabase(args.pg_url, "onewindow_bench_throughput") as database, tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        app = make_app(database.url, instance)
        dispose(app)
        url = database.url.replace("postgresql+psycopg://", "postgresql://", 1)
        scheduler, log = (None, None) if args.no_scheduler else _scheduler(app, url, instance)
        try:
            with Gunicorn(app, url, instance, workers=args.workers) as server:
                context = multiprocessing.get_context("spawn")
                go, results = context.Event(), context.Queue()
                clients = [context.Process(target=_drive, args=(server.base, n, args.cases, go, results))
                           for n in range(args.clients)]
                for process in clients:
                    process.start()
                time.sleep(2)  # every client signed in and waiting
                began = time.perf_counter()
                go.set()
                outcomes = [results.get(timeout=3600) for _ in clients]
                wall = time.perf_counter() - began
                for process in clients:
                    process.join(timeout=30)
        finally:
            if scheduler is not None:
                scheduler.terminate()
                scheduler.wait(timeout=30)
        failures = [f"client {n}: {error}" for n, _, error in outcomes if error]
        if failures:
            raise BenchError("\n".join(failures))
        if scheduler is not None and scheduler.returncode not in (0, -15):
            log.seek(0)
            raise BenchError(f"the scheduler exited {scheduler.returncode}:\n{log.read()[-3000:]}")
        times = {a: sorted(t for _, found, _ in outcomes for t in found[a]) for a in ACTIONS}
        actions = sum(len(v) for v in times.values())
        drawn = sql(app, "SELECT count(*) FILTER (WHERE file_id IS NOT NULL), count(*) FROM document")[0]
        dispose(app)
        beside = "no scheduler" if scheduler is None else "one scheduler"
        print(f"{args.clients} clients x {args.cases} cases, gunicorn {args.workers} workers x 4 threads, "
              f"{beside}: {actions} actions in {wall:.1f} s = {actions / wall:.1f} actions/s")
        print(f"documents drawn meanwhile: {drawn[0]} of {drawn[1]}")
        print(f"\n{'action':<10} {'p50 ms':>8} {'p95 ms':>8}")
        for action in ACTIONS:
            values = times[action]
            p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
            print(f"{action:<10} {statistics.median(values):8.1f} {p95:8.1f}")


if __name__ == "__main__":
    run(main)
