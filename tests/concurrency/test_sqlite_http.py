"""SQLite (`make run`'s database) under concurrent HTTP requests: every transaction takes the
write lock up front (BEGIN IMMEDIATE) and waits behind the busy timeout, so requests are
serialized or answered 409 — never a 500 for a locked database."""
import threading
from collections import Counter
from functools import partial

from sqlalchemy import select

from app.cases.models import CaseEvent
from app.extensions import db
from app.inbox.models import COMPLETED, OPEN, Task
from tests.concurrency.harness import Client, Driver, assert_error_body, body_of, check_store, in_threads, path_for, person
from tests.flows import application

CONTENDERS = 16
THREADS = 8
CASES_PER_THREAD = 10


def test_sixteen_completions_of_one_task_on_sqlite(app, sqlite_url):
    clients = in_threads([partial(Client, sqlite_url, "frontdesk") for _ in range(CONTENDERS)])
    try:
        started = clients[0].post("/api/v1/cases", json=application())
        assert started.status_code == 201, body_of(started)
        case = started.json()
        [task_id] = [t["id"] for t in case["open_tasks"]]
        barrier = threading.Barrier(CONTENDERS, timeout=30)

        def complete(client: Client):
            barrier.wait()
            return client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"outcome": "accept"}})

        responses = in_threads([partial(complete, c) for c in clients])
        statuses = Counter(r.status_code for r in responses)
        assert statuses == Counter({200: 1, 409: CONTENDERS - 1}), \
            {s: [body_of(r) for r in responses if r.status_code == s] for s in statuses}
        for response in responses:
            if response.status_code == 409:
                assert_error_body(response, 409)

        detail = clients[0].get(f"/api/v1/cases/{case['id']}").json()
        assert detail["status"] == "under_review" and detail["history_intact"] is True
        assert [t["name"] for t in detail["open_tasks"]] == ["back_office_review"]
        with app.app_context():
            try:
                tasks = list(db.session.scalars(select(Task).where(Task.case_id == case["id"])))
                assert sorted((t.spec_id, t.state) for t in tasks) == [
                    ("back_office_review", OPEN), ("front_desk_acceptance", COMPLETED)]
                events = list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case["id"])
                                                 .order_by(CaseEvent.seq)))
                assert [e.seq for e in events] == list(range(1, len(events) + 1))
                assert [e.data["task_id"] for e in events if e.kind == "task_completed"] == [task_id]
            finally:
                db.session.remove()
    finally:
        for client in clients:
            client.close()


def test_eight_threads_drive_ten_cases_each_on_sqlite(app, sqlite_url):
    drivers = in_threads([partial(Driver, sqlite_url, retry_conflicts=True) for _ in range(THREADS)])
    barrier = threading.Barrier(THREADS, timeout=30)

    def work(index: int, driver: Driver):
        barrier.wait()
        for n in range(CASES_PER_THREAD):
            number = index * CASES_PER_THREAD + n
            driver.run_case(path_for(number), person(index * 10 + n % 3))

    try:
        in_threads([partial(work, i, d) for i, d in enumerate(drivers)], timeout=170)
    finally:
        for driver in drivers:
            driver.close()

    statuses = Counter()
    for driver in drivers:
        statuses.update(driver.statuses)
    conflicts = [c for d in drivers for c in d.conflicts]
    print(f"sqlite: {sum(statuses.values())} requests, {len(conflicts)} answered 409 and retried")
    assert not [k for k in statuses if k[1] >= 500], statuses
    paths = {case_id: info["path"] for d in drivers for case_id, info in d.finished.items()}
    assert len(paths) == THREADS * CASES_PER_THREAD
    check_store(app, paths)
