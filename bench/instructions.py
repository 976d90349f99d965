"""CPU instructions an action costs in the app, counted by valgrind's callgrind: the same
number on every run (within ~0.1 %), whatever else the VM is doing — unlike the timings of the
other benches, which vary by ±20 % here. Use it to judge a change to the step's code path.

    .venv/bin/python bench/instructions.py [--cases N] [--backend sqlite|postgresql] [--root DIR]

The happy path of the standard flow (start → accept → approve → window_pickup) runs in-process
through Flask's test client (the whole request cycle, no network), after --warmup untimed cases
and a `gc.freeze()` as wsgi.py does; callgrind counts only the measured cases (instrumentation
is switched on and off around them with `callgrind_control`). On PostgreSQL it counts this
process only: the server's work and the round trips are not in the figure.

--root DIR runs another checkout's app with this bench (e.g. `git worktree add /tmp/before
<commit>`), so two versions are compared on the same inputs. --smoke: one case, one warm-up,
SQLite (valgrind makes even that take ~40 s).

--round-trips (PostgreSQL): instead of instructions, the round trips to the server per action,
counted under strace (no valgrind): every time the process sends after it has received (or
first) is one. As repeatable as the instructions; the bench's own pickup-code lookups are left out.
"""
from __future__ import annotations

import argparse
import gc
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMOKE = {"cases": 1, "warmup": 1}
ACTIONS_PER_CASE = 4


def _parser() -> argparse.ArgumentParser:
    from bench.common import add_smoke

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10, help="measured cases (default 10)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed cases first (default 3)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=None)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app is measured")
    parser.add_argument("--round-trips", action="store_true",
                        help="count round trips to PostgreSQL per action (under strace) instead of instructions")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    add_smoke(parser, "1 case on SQLite")
    return parser


# --- the measured process (runs under valgrind) ---------------------------------------------

def child(args) -> None:
    sys.path.insert(0, str(args.root))  # the measured checkout's app (and this bench's helpers)
    from bench.common import DEFAULT_PG_URL, HALL, ITEM, Api, PgDatabase, check, dispose, make_app, person, sql

    tmp = Path(tempfile.mkdtemp(prefix="ow-instructions-"))
    database = PgDatabase(args.pg_url or DEFAULT_PG_URL) if args.backend == "postgresql" else None
    url = database.__enter__().url if database else f"sqlite:///{tmp}/bench.db"
    app = make_app(url, tmp / "instance", MIGRATIONS_DIR=str(args.root / "migrations"))
    measuring = False

    def measure(on: bool) -> None:
        nonlocal measuring
        if measuring == on:
            return
        measuring = on
        if args.round_trips:  # a marker strace records between the socket calls
            os.write(marker, MARK_ON if on else MARK_OFF)
        else:
            subprocess.run(["callgrind_control", f"--instr={'on' if on else 'off'}", str(os.getpid())], check=True,
                           capture_output=True)

    marker = os.open(os.devnull, os.O_WRONLY)
    try:
        clerks = {name: Api(app, name) for name in ("frontdesk", "backoffice", "pickup")}
        serial = iter(range(10**6))

        def one_case() -> None:
            body = {"item_code": ITEM, "channel": "window", "hall": HALL, "materials": ["SQS", "YYZZ", "FDDBR"],
                    "applicant": person(next(serial))}
            case = clerks["frontdesk"].post("/api/v1/cases", body, 201).get_json()
            for user, task, data in (("frontdesk", "front_desk_acceptance", {"outcome": "accept", "missing_materials": []}),
                                     ("backoffice", "back_office_review", {"decision": "approve"}),
                                     ("pickup", "window_delivery", {"delivery_method": "window_pickup"})):
                if task == "window_delivery":
                    counting = measuring
                    if args.round_trips:
                        measure(False)  # the bench's lookup, not the app's
                    data = {**data, "pickup_code": sql(app, 'SELECT pickup_code FROM "case" WHERE id = :id',
                                                       id=case["id"])[0][0]}
                    measure(counting)
                found = [t["id"] for t in case["open_tasks"] if t["name"] == task]
                check(found, f"case {case['id']}: no open {task}")
                case = clerks[user].post(f"/api/v1/tasks/{found[0]}/complete", {"data": data}).get_json()
            check(case["status"] == "completed", f"case {case['id']} ended {case['status']}")

        for _ in range(args.warmup):
            one_case()
        gc.collect()
        gc.freeze()  # as wsgi.py does after loading the app
        measure(True)
        for _ in range(args.cases):
            one_case()
        measure(False)
    finally:
        os.close(marker)
        dispose(app)
        if database:
            database.__exit__(None, None, None)


# --- the driver -----------------------------------------------------------------------------

MARK_ON, MARK_OFF = b"onewindow-measure-on", b"onewindow-measure-off"


def round_trips(trace: str) -> int:
    """Round trips in an strace log of sendto/recvfrom/write: a send after a receive (or the first
    send) inside the marked windows starts one."""
    count, measuring, sending = 0, False, False
    for line in trace.splitlines():
        if MARK_ON.decode() in line:
            measuring, sending = True, False
        elif MARK_OFF.decode() in line:
            measuring = False
        elif measuring and "sendto(" in line:
            if not sending:
                count += 1
            sending = True
        elif measuring and "recvfrom(" in line and "EAGAIN" not in line:
            sending = False
    return count


def main(argv=None) -> int:
    from bench.common import BenchError, check, parse

    args = parse(_parser(), argv, SMOKE)
    if args.child:
        child(args)
        return 0
    check(args.cases > 0, "--cases must be at least 1")
    if args.round_trips:
        check(args.backend == "postgresql", "--round-trips counts the round trips to PostgreSQL: add --backend postgresql")
        return _count_round_trips(args)
    with tempfile.TemporaryDirectory() as out:
        done = _measured(args, ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                                f"--callgrind-out-file={out}/callgrind.out"])
    counted = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or counted is None or int(counted.group(1)) == 0:
        raise BenchError(f"the measured process failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n"
                         f"{done.stderr[-5000:]}")
    total = int(counted.group(1))
    actions = _header(args)
    print(f"instructions: {total:,} in all, {total // actions:,} per action")
    return 0


def _measured(args, tool: list[str], *child_options: str) -> subprocess.CompletedProcess:
    """This bench's measured process (`child`) run under `tool` (valgrind or strace)."""
    from bench.common import BenchError

    command = [*tool, sys.executable, str(Path(__file__).resolve()), "--child", *child_options,
               "--cases", str(args.cases), "--warmup", str(args.warmup), "--backend", args.backend,
               "--root", str(args.root.resolve())]
    if args.pg_url:
        command += ["--pg-url", args.pg_url]
    try:
        return subprocess.run(command, cwd=args.root, capture_output=True, text=True, timeout=3600)
    except FileNotFoundError:
        raise BenchError(f"{tool[0]} is not installed (apt-get install {tool[0]})") from None


def _header(args) -> int:
    """Print what was measured; the number of actions."""
    actions = args.cases * ACTIONS_PER_CASE
    print(f"{args.root} on {args.backend}: {args.cases} happy cases ({actions} actions: start, accept, approve, "
          f"window_pickup)")
    return actions


def _count_round_trips(args) -> int:
    from bench.common import BenchError

    with tempfile.TemporaryDirectory() as out:
        done = _measured(args, ["strace", "-f", "-qq", "-e", "trace=sendto,recvfrom,write", "-e", "signal=none",
                                "-s", "40", "-o", f"{out}/trace"], "--round-trips")
        if done.returncode != 0:
            raise BenchError(f"the measured process failed (exit {done.returncode}):\n{done.stderr[-5000:]}")
        counted = round_trips(Path(f"{out}/trace").read_text(errors="replace"))
    if counted == 0:
        raise BenchError("no round trip was counted (is strace allowed to trace here?)")
    actions = _header(args)
    print(f"round trips to PostgreSQL: {counted:,} in all, {counted / actions:.2f} per action")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from bench.common import exit_on_signals, run

    exit_on_signals()
    run(main)
