"""Appointments benchmark: booking latency, the front desk's day list, and a rush of parallel
bookings on a few seats over real HTTP (exactly `capacity` succeed).

    .venv/bin/python bench/appointments.py                      # SQLite
    .venv/bin/python bench/appointments.py --backend postgresql

Prints medians (and p90) in milliseconds.
"""
import argparse
import contextlib
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.catalog import show  # noqa: E402
from bench.engine_overhead import PgDatabase, Server, make_app  # noqa: E402

ITEM, HALL = "610118-SCJG-0001", "HY-ZWFW"


def person(n: int) -> dict:
    from datetime import date

    from app.applicants.idnumbers import with_check_digit_id_card

    born = date(1950, 1, 1) + timedelta(days=n // 1000)  # a valid birth date, 1,000 people per day
    return {"name": f"申请人{n}", "id_type": "id_card", "phone": f"139{n:08d}",
            "id_number": with_check_digit_id_card(f"610124{born:%Y%m%d}{n % 1000:03d}")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--bookings", type=int, default=300)
    parser.add_argument("--rush", type=int, default=200, help="parallel requests for the rush")
    parser.add_argument("--seats", type=int, default=20, help="seats in the rushed slot")
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="bench-appointments-"))
    with contextlib.ExitStack() as stack:
        if args.backend == "postgresql":
            url = stack.enter_context(PgDatabase("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")).url
        else:
            url = f"sqlite:///{instance / 'bench.db'}"
        run(args, url, instance)


def run(args, url: str, instance: Path) -> None:
    """Time bookings and the day list, then rush one slot from many threads."""
    from app import clock

    app = make_app(url, instance)
    from tests.conftest import Api

    supervisor, frontdesk = Api(app, "supervisor"), Api(app, "frontdesk")
    start = clock.now().astimezone(clock.LOCAL_TZ).date() + timedelta(days=1)
    made = supervisor.post("/api/v1/appointments/slots", json={
        "hall": HALL, "item_code": ITEM, "date_from": start.isoformat(), "date_to": (start + timedelta(days=13)).isoformat(),
        "times": ["09:00-10:00", "10:00-11:00"], "capacity": 500})
    assert made.status_code == 201, made.get_json()
    slots = frontdesk.get(f"/api/v1/appointments/slots?item_code={ITEM}").get_json()["items"]
    print(f"backend {args.backend}; {made.get_json()['created']} slots published")
    samples = []
    for n in range(args.bookings):
        t0 = time.perf_counter()
        r = frontdesk.post("/api/v1/appointments", json={"slot_id": slots[0]["id"], "item_code": ITEM,
                                                         "channel": "phone", "applicant": person(n)})
        samples.append(time.perf_counter() - t0)
        assert r.status_code == 201, r.get_json()
    show(f"POST /api/v1/appointments ({args.bookings} sequential)", samples)
    day = slots[0]["day"]
    listing = []
    for _ in range(20):
        t0 = time.perf_counter()
        assert len(frontdesk.get(f"/api/v1/appointments?day={day}").get_json()["items"]) == args.bookings
        listing.append(time.perf_counter() - t0)
    show(f"GET /api/v1/appointments?day= ({args.bookings} bookings)", listing)
    with app.app_context():
        from app.appointments.models import AppointmentSlot
        from app.extensions import db

        db.session.get(AppointmentSlot, slots[1]["id"]).capacity = args.seats
        db.session.commit()
        db.session.remove()
    token = frontdesk.token()
    barrier = threading.Barrier(min(args.rush, 32))
    with Server(app) as server:
        def book(n):
            if n < 32:
                barrier.wait()
            return requests.post(f"{server.base}/api/v1/appointments", timeout=120,
                                 headers={"Authorization": f"Bearer {token}"},
                                 json={"slot_id": slots[1]["id"], "item_code": ITEM, "channel": "phone",
                                       "applicant": person(100000 + n)}).status_code
        t0 = time.perf_counter()
        with ThreadPoolExecutor(32) as pool:
            codes = Counter(pool.map(book, range(args.rush)))
        took = time.perf_counter() - t0
    print(f"rush: {args.rush} parallel requests (32 threads) for {args.seats} seats: {dict(codes)} "
          f"in {took:.2f} s ({args.rush / took:.0f} requests/s)")
    assert codes[201] == args.seats, codes


if __name__ == "__main__":
    main()
