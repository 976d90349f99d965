"""Every benchmark in bench/ runs with --smoke (a few cases, seconds each) and exits 0, so the
benches keep working while the app changes under them. Only success is judged, never the
figures; a failing bench shows its whole output here.

Each bench runs as a subprocess, as by hand: `python bench/<script> --smoke` from the
repository root, with TEST_DATABASE_URL (the PostgreSQL server the benches create and drop
their own databases on) and without the ONEWINDOW_ENV=testing that tests/conftest.py sets.
pages.py needs Debian's Chromium and `make assets` (both of which `make test` has).
"""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHES = sorted(p.name for p in (ROOT / "bench").glob("*.py") if p.name != "common.py")
TIMEOUT = 300  # seconds; a smoke run takes well under a minute


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "ONEWINDOW_ENV"}
    env["TEST_DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    env["PYTHONUNBUFFERED"] = "1"  # output in the order it happened
    return env


def test_every_bench_is_here():
    assert {"engine_overhead.py", "timers.py", "catalog.py", "pages.py", "appointments.py", "scale.py",
            "throughput.py", "rounds.py", "instructions.py"} <= set(BENCHES)


@pytest.mark.parametrize("script", BENCHES)
def test_bench_smoke_run(script):
    process = subprocess.Popen([sys.executable, str(ROOT / "bench" / script), "--smoke"], cwd=ROOT, env=_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.terminate()  # a bench drops its database and stops its processes on SIGTERM
        try:
            stdout, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the bench and what it started
            stdout, stderr = process.communicate()
        pytest.fail(f"bench/{script} --smoke did not finish within {TIMEOUT} s\n"
                    f"--- stdout\n{stdout}\n--- stderr\n{stderr}", pytrace=False)
    assert process.returncode == 0, (f"bench/{script} --smoke exited {process.returncode}\n"
                                     f"--- stdout\n{stdout}\n--- stderr\n{stderr}")
