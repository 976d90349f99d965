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
            "throughput.py", "rounds.py", "instructions.py", "board.py"} <= set(BENCHES)


# runs besides each script's own --smoke: (script, its options)
EXTRA_RUNS = [("instructions.py", ("--round-trips", "--backend", "postgresql"))]


def test_round_trips_are_counted_from_an_strace_log():
    sys.path.insert(0, str(ROOT))
    from bench.instructions import round_trips

    log = "\n".join([
        '1 sendto(5, "Q", 10, 0, NULL, 0) = 10',                 # before the window: not counted
        '1 write(7, "onewindow-measure-on", 20) = 20',
        '1 sendto(5, "B", 10, 0, NULL, 0) = 10', '1 sendto(5, "E", 10, 0, NULL, 0) = 10',  # one burst
        '1 recvfrom(5, 0x1, 8192, 0, NULL, NULL) = -1 EAGAIN (Resource temporarily unavailable)',
        '1 sendto(5, "S", 10, 0, NULL, 0) = 10',                 # still the same round trip
        '1 recvfrom(5, "2", 8192, 0, NULL, NULL) = 30',
        '1 recvfrom(5, "C", 8192, 0, NULL, NULL) = 30',
        '1 sendto(5, "Q", 10, 0, NULL, 0) = 10',                 # answered, then sent again: the second
        '1 recvfrom(5, "C", 8192, 0, NULL, NULL) = 30',
        '1 write(7, "onewindow-measure-off", 21) = 21',
        '1 sendto(5, "Q", 10, 0, NULL, 0) = 10',
    ])
    assert round_trips(log) == 2


@pytest.mark.parametrize("script,options", [(name, ()) for name in BENCHES] + EXTRA_RUNS)
def test_bench_smoke_run(script, options):
    process = subprocess.Popen([sys.executable, str(ROOT / "bench" / script), "--smoke", *options], cwd=ROOT, env=_env(),
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
