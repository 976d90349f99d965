"""Appointments benchmark: booking latency, the front desk's day list, and a rush of parallel
bookings on a few seats over real HTTP (exactly `seats` succeed).

    .venv/bin/python bench/appointments.py                      # SQLite
    .venv/bin/python bench/appointments.py --backend postgresql
    .venv/bin/python bench/appointments.py --smoke              # 10 bookings, a rush of 20 for 3 seats

Prints medians (and p90) in milliseconds. Every request must answer its expected status (the
rush: 201 for exactly `seats` of them, 409 for the rest), or the run stops (exit 1).

Imports from app/: only `app.create_app` (bench/common.py); everything else is the HTTP API.
"""
import argparse
import contextlib
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.catalog import show  # noqa: E402
from bench.common import (  # noqa: E402
    DEFAULT_PG_URL,
    HALL,
    ITEM,
    Api,
    PgDatabase,
    Server,
    add_smoke,
    check,
    dispose,
    exit_on_signals,
    make_app,
    parse,
    person,
)

SMOKE = {"bookings": 10, "rush": 20, "seats": 3}
BOOKED, RUSHED = "08:00-09:00", "11:00-12:00"  # not among the demo's slots (`flask seed demo` publishes others)
SHANGHAI = timezone(timedelta(hours=8))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--bookings", type=int, default=300, help="sequential bookings of one slot (at most 500)")
    parser.add_argument("--rush", type=int, default=200, help="parallel requests for the rush")
    parser.add_argument("--seats", type=int, default=20, help="seats in the rushed slot")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL,
                        help="PostgreSQL server (admin database) for --backend postgresql "
                             "(default $TEST_DATABASE_URL or postgresql://postgres@127.0.0.1:5432/postgres)")
    add_smoke(parser, ", ".join(f"--{k} {v}" for k, v in SMOKE.items()))
    args = parse(parser, argv, SMOKE)
    if not (1 <= args.bookings <= 500 and 1 <= args.seats <= min(args.rush, 500)):
        parser.error("need 1 <= --bookings <= 500 and 1 <= --seats <= --rush")
    exit_on_signals()
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        instance = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="onewindow-bench-appointments-")))
        if args.backend == "postgresql":
            pg = stack.enter_context(PgDatabase(args.pg_url, prefix="onewindow_bench_appointments"))
            url = pg.url
            print(f"PostgreSQL: database {pg.name} (dropped at the end)")
        else:
            url = f"sqlite:///{instance / 'bench.db'}"
        if args.smoke:
            print("SMOKE RUN (correctness only; figures of a few bookings mean nothing)")
        run(args, url, instance)
    print(f"total run time {time.perf_counter() - started:.1f} s")
    return 0


def run(args, url: str, instance: Path) -> None:
    """Time bookings and the day list, then rush one slot from many threads."""
    app = make_app(url, instance)
    try:
        measure(app, args)
    finally:
        dispose(app)


def slot(client: Api, start, times: str) -> dict | None:
    """The first listed slot of the item at `times` ("HH:MM-HH:MM") from `start` on."""
    listing = client.get(f"/api/v1/appointments/slots?item_code={ITEM}&hall={HALL}&date_from={start}").get_json()
    ours = sorted((s for s in listing["items"] if f"{s['starts']}-{s['ends']}" == times), key=lambda s: s["day"])
    return ours[0] if ours else None


def measure(app, args) -> None:
    supervisor, frontdesk = Api(app, "supervisor"), Api(app, "frontdesk")
    start = datetime.now(SHANGHAI).date() + timedelta(days=1)
    made = supervisor.post("/api/v1/appointments/slots", {
        "hall": HALL, "item_code": ITEM, "date_from": start.isoformat(), "date_to": (start + timedelta(days=13)).isoformat(),
        "times": [BOOKED], "capacity": 500}, expect=201).get_json()
    booked = slot(frontdesk, start, BOOKED)
    check(booked and booked["free"] == 500, lambda: f"published {made}, but the first {BOOKED} slot is {booked}")
    # The rushed slot: the same day, `seats` seats. (Not PATCH /slots/{id}: that answers 500 on PostgreSQL.)
    supervisor.post("/api/v1/appointments/slots", {"hall": HALL, "item_code": ITEM, "date_from": booked["day"],
                                                   "date_to": booked["day"], "times": [RUSHED],
                                                   "capacity": args.seats}, expect=201)
    rushed = slot(frontdesk, start, RUSHED)
    check(rushed and rushed["day"] == booked["day"] and rushed["free"] == args.seats,
          lambda: f"the rushed slot should have {args.seats} free seats on {booked['day']}: {rushed}")
    print(f"backend {args.backend}; {made['created'] + 1} slots published")
    samples = []
    for n in range(args.bookings):
        t0 = time.perf_counter()
        frontdesk.post("/api/v1/appointments", {"slot_id": booked["id"], "item_code": ITEM, "channel": "phone",
                                                "applicant": person(n)}, expect=201)
        samples.append(time.perf_counter() - t0)
    show(f"POST /api/v1/appointments ({args.bookings} sequential)", samples)
    day = booked["day"]
    listed = []
    for _ in range(20):
        t0 = time.perf_counter()
        items = frontdesk.get(f"/api/v1/appointments?day={day}").get_json()["items"]
        listed.append(time.perf_counter() - t0)
        check(len(items) == args.bookings, f"day list of {day}: {len(items)} bookings, expected {args.bookings}")
    show(f"GET /api/v1/appointments?day= ({args.bookings} bookings)", listed)
    token = frontdesk.headers["Authorization"]
    threads = min(args.rush, 32)
    barrier = threading.Barrier(threads)
    with Server(app) as server:
        def book(n):
            if n < threads:
                barrier.wait()
            return requests.post(f"{server.base}/api/v1/appointments", timeout=120, headers={"Authorization": token},
                                 json={"slot_id": rushed["id"], "item_code": ITEM, "channel": "phone",
                                       "applicant": person(100000 + n)}).status_code
        t0 = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            codes = Counter(pool.map(book, range(args.rush)))
        took = time.perf_counter() - t0
    print(f"rush: {args.rush} parallel requests ({threads} threads) for {args.seats} seats: {dict(codes)} "
          f"in {took:.2f} s ({args.rush / took:.0f} requests/s)")
    check(codes[201] == args.seats and set(codes) <= {201, 409},
          f"rush: expected {args.seats} × 201 and the rest 409, got {dict(codes)}")
    after = frontdesk.get(f"/api/v1/appointments?day={day}").get_json()["items"]
    check(len(after) == args.bookings + args.seats,
          f"day list after the rush: {len(after)} bookings, expected {args.bookings + args.seats}")


if __name__ == "__main__":
    from bench.common import run as run_main

    run_main(main)
