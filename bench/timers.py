"""Timer throughput and punctuality on PostgreSQL (run on demand: `.venv/bin/python bench/timers.py`).

1. Burst: N timers (default 10,000) all due at once; scheduler processes (`flask timers fire`,
   1 and then 2 of them) fire them; prints the time until all fired and timers per second.
2. Punctuality: 200 timers due at staggered moments while a `flask scheduler run` process
   runs; prints how late each fired (p50, p95, max) from its due time to its timer_fired event.

It creates its own database (onewindow_bench_timers_<random>) and drops it at the end.
Timers come from tests/data/short_timer.bpmn (start → wait `wait_for` → completed); the burst
clones one waiting case's rows N times, so setting up 10,000 timers takes seconds.
"""
import argparse
import os
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ONEWINDOW_ENV", "testing")

from sqlalchemy import create_engine, delete, func, select, text  # noqa: E402

from app import clock  # noqa: E402
from app.cases.models import Case, CaseEvent  # noqa: E402
from app.extensions import db  # noqa: E402
from app.timers.models import DONE, Job  # noqa: E402
from tests.concurrency.test_pg_schedulers import _clone, _start_short_cases  # noqa: E402
from tests.conftest import Api, _migrated_app  # noqa: E402
from tests.timing import deploy_short_timer  # noqa: E402


def _env(database_url: str) -> dict:
    return {**os.environ, "ONEWINDOW_ENV": "production", "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_hex(16), "LOG_LEVEL": "WARNING", "SCHEDULER_ENABLED": "0"}


def _flask(database_url: str, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                            env=_env(database_url), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def _done(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Job).where(Job.state == DONE))
        db.session.remove()
    return count


def _reset(app) -> None:
    with app.app_context():
        for model in (CaseEvent, Job, Case):
            db.session.execute(delete(model))
        db.session.commit()
        db.session.remove()


def burst(app, url: str, count: int, processes: int) -> tuple[float, float]:
    _reset(app)
    [first] = _start_short_cases(app, 1, "PT1S")
    _clone(app, first, count - 1)
    time.sleep(1.2)
    started = time.monotonic()
    workers = [_flask(url, "timers", "fire") for _ in range(processes)]
    for worker in workers:
        worker.wait()
    elapsed = time.monotonic() - started
    assert _done(app) == count, f"only {_done(app)} of {count} fired"
    return elapsed, count / elapsed


def punctuality(app, url: str, count: int, spread: float) -> list[float]:
    _reset(app)
    scheduler = _flask(url, "scheduler", "run")
    try:
        time.sleep(3)  # the scheduler is up and listening
        lead = 5 + count * 0.06  # creating the cases takes time: all are due after that
        began = time.monotonic()
        for n in range(count):
            wait = lead - (time.monotonic() - began) + spread * n / count
            _start_short_cases(app, 1, f"PT{max(wait, 0.5):.3f}S")
        deadline = time.monotonic() + lead + spread + 60
        while _done(app) < count and time.monotonic() < deadline:
            time.sleep(0.5)
        with app.app_context():
            events = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "timer_fired")).all()
            late = [(e.at - datetime.fromisoformat(e.data["due_at"])).total_seconds() for e in events]
            db.session.remove()
        return late
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=10)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--staggered", type=int, default=200)
    parser.add_argument("--spread", type=float, default=20.0, help="seconds over which the staggered timers fall due")
    parser.add_argument("--pg-url", default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args(argv)
    clock.reset()
    admin_url = args.pg_url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"onewindow_bench_timers_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        import tempfile

        app = _migrated_app(url, Path(tempfile.mkdtemp()))
        deploy_short_timer(app, Api(app, "designer"))
        print(f"PostgreSQL timers — {os.cpu_count()} CPUs; database {name} (dropped at the end)\n")
        print(f"Burst: {args.timers:,} timers due at once")
        for processes in (1, 2):
            elapsed, rate = burst(app, url, args.timers, processes)
            print(f"  {processes} scheduler process(es): all fired in {elapsed:6.1f} s  = {rate:7.1f} timers/s")
        late = punctuality(app, url, args.staggered, args.spread)
        late_ms = sorted(x * 1000 for x in late)
        print(f"\nPunctuality: {args.staggered} timers due over {args.spread:.0f} s, one `flask scheduler run` process")
        print(f"  fired {len(late_ms)} of {args.staggered}; lateness after the due time: "
              f"p50 {statistics.median(late_ms):.0f} ms, p95 {late_ms[int(len(late_ms) * 0.95) - 1]:.0f} ms, "
              f"max {late_ms[-1]:.0f} ms")
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
