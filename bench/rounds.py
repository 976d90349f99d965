"""Correction rounds: one case of the standard flow corrected and supplemented --rounds times
through the HTTP API (Flask's test client; SQLite and PostgreSQL), timing each round's two
actions and weighing the stored state after it. Prints round 1 beside the last: with finished
rounds compacted out of the stored state (app/engine/compaction.py) the last costs what the first
does.

`--smoke` (1 case × 3 rounds) runs in `make test` (tests/test_bench_smoke.py).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    DEFAULT_PG_URL,
    Api,
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

ITEM = "610118-SCJG-0001"
SMOKE = {"rounds": 3, "cases": 1}


def _one_case(app, rounds: int, n: int) -> list[tuple[float, int]]:
    """[(ms for correct + supplement, stored state length)] per round."""
    frontdesk = Api(app, "frontdesk")
    body = {"item_code": ITEM, "applicant": person(n), "channel": "window", "hall": "HY-ZWFW",
            "materials": ["SQS", "YYZZ", "FDDBR"]}
    case = frontdesk.post("/api/v1/cases", body, expect=201).get_json()
    out = []
    for _ in range(rounds):
        task = case["open_tasks"][0]["id"]
        began = time.perf_counter()
        case = frontdesk.post(f"/api/v1/tasks/{task}/complete",
                              {"data": {"outcome": "correct", "missing_materials": ["PMT"]}}).get_json()
        check(case["status"] == "awaiting_correction", f"after correct: {case['status']}")
        case = frontdesk.post(f"/api/v1/cases/{case['id']}/supplements", {"materials": ["PMT"]}).get_json()
        took = (time.perf_counter() - began) * 1000
        check(case["status"] == "submitted", f"after supplement: {case['status']}")
        size = sql(app, 'SELECT length(state) FROM "case" WHERE id = :id', id=case["id"])[0][0]
        out.append((took, size))
    return out


def _report(backend: str, runs: list[list[tuple[float, int]]]) -> None:
    rounds = len(runs[0])
    per_round = [statistics.median(run[r][0] for run in runs) for r in range(rounds)]
    sizes = [runs[0][r][1] for r in range(rounds)]
    first = statistics.mean(per_round[:3]) if rounds >= 3 else per_round[0]
    last = statistics.mean(per_round[-3:]) if rounds >= 3 else per_round[-1]
    print(f"{backend:<11} round 1: {per_round[0]:6.1f} ms, {sizes[0]:,} B stored   round {rounds}: "
          f"{per_round[-1]:6.1f} ms, {sizes[-1]:,} B stored   (first three {first:.1f} ms, last three {last:.1f} ms: "
          f"{last / first:.2f}x)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="correction rounds per case (default 30)")
    parser.add_argument("--cases", type=int, default=5, help="cases per backend; the median is shown (default 5)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    add_smoke(parser, f"--rounds {SMOKE['rounds']} --cases {SMOKE['cases']}")
    args = parse(parser, argv, SMOKE)
    exit_on_signals()
    config = {"MAX_CORRECTION_ROUNDS": args.rounds + 1}
    print(f"{args.cases} case(s) x {args.rounds} rounds of correct + supplement (the round's two actions timed)")
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as folder:
            if backend == "sqlite":
                app = make_app(f"sqlite:///{Path(folder) / 'rounds.db'}", Path(folder), **config)
                try:
                    _report(backend, [_one_case(app, args.rounds, n) for n in range(args.cases)])
                finally:
                    dispose(app)
            else:
                with PgDatabase(args.pg_url, "onewindow_bench_rounds") as database:
                    app = make_app(database.url, Path(folder), **config)
                    try:
                        _report(backend, [_one_case(app, args.rounds, n) for n in range(args.cases)])
                    finally:
                        dispose(app)


if __name__ == "__main__":
    run(main)
