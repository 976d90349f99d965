"""预约 on PostgreSQL: many people booking the last seat at the same moment get exactly one
booking; one person booking twice at once gets one. Real HTTP, real threads."""
import threading
from collections import Counter
from functools import partial

from sqlalchemy import func, select

from app.parties.idnumbers import with_check_digit_id_card
from tests.concurrency.harness import Client, in_threads
from tests.flows import HALL, ITEM

PARALLEL = 20


def _slot(url: str, capacity: int, first: str = "2026-12-01", last: str = "2026-12-02",
          times: tuple = ("09:00-10:00",)) -> int:
    """Publish slots as the supervisor; the id of the earliest bookable one."""
    supervisor = Client(url, "supervisor")
    made = supervisor.post("/api/v1/appointments/slots", json={
        "hall": HALL, "item_code": ITEM, "date_from": first, "date_to": last,
        "times": list(times), "capacity": capacity})
    assert made.status_code == 201, made.text
    slots = supervisor.get(f"/api/v1/appointments/slots?item_code={ITEM}").json()["items"]
    return slots[0]["id"]


def _book(client: Client, barrier, slot_id: int, n: int):
    barrier.wait()
    return client.post("/api/v1/appointments", json={
        "slot_id": slot_id, "item_code": ITEM, "channel": "phone",
        "applicant": {"name": f"申请人{n}", "id_type": "id_card", "phone": f"1390000{n:04d}",
                      "id_number": with_check_digit_id_card(f"61012419900101{n:03d}")}})


def test_twenty_parallel_bookings_of_the_last_seat_make_one_booking(pg, pg_url):
    from app.appointments.models import Appointment, AppointmentSlot
    from app.extensions import db

    slot_id = _slot(pg_url, capacity=3)
    frontdesk = Client(pg_url, "frontdesk")
    for n in (900, 901):  # two seats taken beforehand: one left
        assert _book(frontdesk, threading.Barrier(1), slot_id, n).status_code == 201
    clients = [Client(pg_url, "frontdesk") for _ in range(PARALLEL)]
    barrier = threading.Barrier(PARALLEL, timeout=30)
    responses = in_threads([partial(_book, clients[n], barrier, slot_id, n) for n in range(PARALLEL)])
    assert Counter(r.status_code for r in responses) == Counter({201: 1, 409: PARALLEL - 1}), \
        [(r.status_code, r.text[:100]) for r in responses]
    assert all("已约满" in r.json()["message"] for r in responses if r.status_code == 409)
    with pg.app_context():
        slot = db.session.get(AppointmentSlot, slot_id)
        active = db.session.scalar(select(func.count()).select_from(Appointment).where(
            Appointment.slot_id == slot_id, Appointment.state == "booked"))
        assert (slot.booked, slot.capacity, active) == (3, 3, 3)
        db.session.remove()


def test_one_person_booking_twice_at_once_gets_one_booking(pg, pg_url):
    from app.appointments.models import Appointment
    from app.extensions import db

    slot_id = _slot(pg_url, capacity=10)
    clients = [Client(pg_url, "frontdesk") for _ in range(6)]
    barrier = threading.Barrier(len(clients), timeout=30)
    responses = in_threads([partial(_book, c, barrier, slot_id, 7) for c in clients])
    assert Counter(r.status_code for r in responses) == Counter({201: 1, 409: len(clients) - 1}), \
        [(r.status_code, r.text[:100]) for r in responses]
    with pg.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == 1
        from app.appointments.models import AppointmentSlot

        assert db.session.get(AppointmentSlot, slot_id).booked == 1  # the losers' seats were given back
        db.session.remove()


def test_check_in_and_cancel_racing_on_one_booking_leave_one_outcome(pg, pg_url):
    from app.appointments.models import Appointment, AppointmentSlot
    from app.cases.models import Case
    from app.extensions import db

    slot_id = _slot(pg_url, 5, "2026-11-30", "2026-11-30", ("14:00-15:00",))
    made = _book(Client(pg_url, "frontdesk"), threading.Barrier(1), slot_id, 3).json()
    clients = [Client(pg_url, "frontdesk") for _ in range(8)]
    barrier = threading.Barrier(len(clients), timeout=30)

    def act(n):
        barrier.wait()
        action = "check-in" if n % 2 else "cancel"
        return action, clients[n].post(f"/api/v1/appointments/{made['id']}/{action}", json={})

    results = in_threads([partial(act, n) for n in range(len(clients))])
    won = [(a, r.status_code) for a, r in results if r.status_code in (200, 201)]
    assert len(won) == 1 and all(r.status_code == 409 for _, r in results if r.status_code not in (200, 201)), \
        [(a, r.status_code, r.text[:80]) for a, r in results]
    with pg.app_context():
        row = db.session.get(Appointment, made["id"])
        booked = db.session.get(AppointmentSlot, slot_id).booked
        cases = db.session.scalar(select(func.count()).select_from(Case))
        if won[0][0] == "cancel":
            assert (row.state, booked, cases, row.case_id) == ("cancelled", 0, 0, None)
        else:
            assert (row.state, booked, cases) == ("checked_in", 1, 1) and row.case_id is not None
        db.session.remove()


def test_parallel_reminder_sweeps_send_one_reminder(pg, pg_url):
    from datetime import timedelta

    from app import clock
    from app.appointments.reminders import remind_due
    from app.extensions import db
    from app.notify.models import Notification

    slot_id = _slot(pg_url, 5, "2026-12-02", "2026-12-02")
    assert _book(Client(pg_url, "frontdesk"), threading.Barrier(1), slot_id, 5).status_code == 201
    clock.freeze(clock.now() + timedelta(days=1, minutes=1))  # Tuesday 09:01: the booking is within a day
    barrier = threading.Barrier(6, timeout=30)

    def sweep(_):
        with pg.app_context():
            barrier.wait()
            try:
                return remind_due(db.session)
            finally:
                db.session.remove()

    assert sum(in_threads([partial(sweep, n) for n in range(6)])) == 1
    with pg.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.kind == "appointment_reminder")) == 1
        db.session.remove()
