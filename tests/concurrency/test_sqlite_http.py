"""SQLite (`make run`'s database) under concurrent HTTP requests: every transaction takes the
write lock up front (BEGIN IMMEDIATE) and waits behind the busy timeout, so requests are
serialized or answered 409 — never a 500 for a locked database."""
from functools import partial

from sqlalchemy import select

from app.cases.models import CaseEvent
from app.cases.tasks import COMPLETED, OPEN, Task
from app.extensions import db
from tests.concurrency.harness import Client, body_of, check_store, drive_cases, in_threads, race_to_complete
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
        race_to_complete(clients, task_id, {"outcome": "accept"})

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
    statuses, paths, _, conflicts = drive_cases(sqlite_url, THREADS, CASES_PER_THREAD, retry_conflicts=True)
    print(f"sqlite: {sum(statuses.values())} requests, {len(conflicts)} answered 409 and retried")
    assert len(paths) == THREADS * CASES_PER_THREAD
    check_store(app, paths)
