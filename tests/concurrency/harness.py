"""Real HTTP against a real threaded server, for the concurrency tests.

- `serving(app)` runs the Flask app in Werkzeug's threaded server on an ephemeral port of
  127.0.0.1 (one thread per connection, like `flask run --with-threads`).
- `Client` is a `requests` session that logs in through POST /api/v1/auth/token.
- `in_threads` runs callables in real threads and re-raises the first failure in the caller.
- `Driver` takes one case through the standard flow, recording every status it gets.
- `scratch_session(url, metadata)` gives a session on a test's own tables, dropped afterwards.
"""
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial

import requests
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from werkzeug.serving import WSGIRequestHandler, make_server

from app.parties.idnumbers import with_check_digit_id_card
from tests.flows import application

PASSWORD = "onewindow-demo"
TIMEOUT = 60  # seconds for one HTTP call; a request waiting longer than this is a hang


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # a thousand access-log lines help nobody
        pass


@contextmanager
def serving(app):
    """Serve `app` over HTTP in a background thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="onewindow-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class Client:
    """One clerk's HTTP session, logged in with the demo password."""

    def __init__(self, base_url: str, username: str | None = None):
        self.base_url = base_url
        self.username = username
        self.http = requests.Session()
        if username:
            self.login(username)

    def login(self, username: str | None = None, password: str = PASSWORD) -> None:
        username = username or self.username
        response = self.http.post(f"{self.base_url}/api/v1/auth/token",
                                  json={"username": username, "password": password}, timeout=TIMEOUT)
        assert response.status_code == 200, (username, response.status_code, response.text)
        self.username = username
        self.http.headers["Authorization"] = f"Bearer {response.json()['token']}"

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base_url + path, timeout=TIMEOUT, **kwargs)

    def post(self, path: str, json=None, **kwargs) -> requests.Response:
        return self.http.post(self.base_url + path, json=json, timeout=TIMEOUT, **kwargs)

    def close(self) -> None:
        self.http.close()


def body_of(response: requests.Response):
    try:
        return response.json()
    except ValueError:
        return response.text


def assert_error_body(response: requests.Response, status: int) -> dict:
    """The API's error shape: JSON with a human message."""
    assert response.status_code == status, (response.status_code, body_of(response))
    assert response.headers.get("Content-Type", "").startswith("application/json"), response.headers
    payload = response.json()
    assert payload["code"] == status, payload
    assert isinstance(payload.get("message"), str) and payload["message"].strip(), payload
    return payload


def in_threads(functions, timeout: float = 150):
    """Run each callable in its own thread; return their results in order, or re-raise the
    first exception (an assertion inside a worker fails the test)."""
    with ThreadPoolExecutor(max_workers=len(functions), thread_name_prefix="clerk") as pool:
        futures = [pool.submit(fn) for fn in functions]
        deadline = time.monotonic() + timeout
        return [f.result(timeout=max(0.1, deadline - time.monotonic())) for f in futures]


def person_id(n: int) -> str:
    """A valid resident id card number, distinct for every n < 1000 * 28."""
    day, seq = divmod(n, 1000)
    assert day < 28
    return with_check_digit_id_card(f"610124199002{day + 1:02d}{seq:03d}")


def person(n: int) -> dict:
    return {"name": f"测试申请人{n:05d}", "id_type": "id_card", "id_number": person_id(n),
            "phone": "13800000000"}


# --- driving the standard flow -----------------------------------------------------------

ACCEPT = "accept"                 # accept -> approve -> mail
CORRECT = "correct_supplement"    # correct(PMT) -> supplement -> accept -> approve -> mail
TOLERATE = "tolerate_supplement"  # tolerate(GLZD) -> supplement -> approve -> mail

# tasks each path leaves behind, by BPMN element id (all completed, none open or cancelled)
EXPECTED_TASKS = {
    ACCEPT: {"front_desk_acceptance": 1, "back_office_review": 1, "window_delivery": 1},
    CORRECT: {"front_desk_acceptance": 2, "back_office_review": 1, "window_delivery": 1},
    TOLERATE: {"front_desk_acceptance": 1, "back_office_review": 1, "window_delivery": 1},
}
# timer jobs each path creates (each cancelled when the supplement arrives)
EXPECTED_JOBS = {ACCEPT: 0, CORRECT: 1, TOLERATE: 1}


class Driver:
    """One thread's clerks (front desk, back office, pickup window) and what they saw.

    `retry_conflicts`: on 409 "busy"/"stale" answers, try the same call again (counted in
    `conflicts`); without it a 409 fails the test. A 5xx always fails the test.
    """

    def __init__(self, base_url: str, retry_conflicts: bool = False, max_retries: int = 50):
        self.frontdesk = Client(base_url, "frontdesk")
        self.backoffice = Client(base_url, "backoffice")
        self.pickup = Client(base_url, "pickup")
        self.retry_conflicts = retry_conflicts
        self.max_retries = max_retries
        self.statuses: Counter = Counter()     # (operation, status) -> count
        self.conflicts: list[tuple[str, str]] = []  # (operation, message) of every 409
        self.finished: dict[int, dict] = {}    # case id -> {"path", "case_no", "final"}

    def close(self) -> None:
        for client in (self.frontdesk, self.backoffice, self.pickup):
            client.close()

    def call(self, operation: str, client: Client, path: str, payload: dict, expect: int) -> dict:
        for attempt in range(self.max_retries + 1):
            response = client.post(path, json=payload)
            self.statuses[(operation, response.status_code)] += 1
            assert response.status_code < 500, (operation, path, response.status_code, body_of(response))
            if response.status_code == 409:
                message = assert_error_body(response, 409)["message"]
                self.conflicts.append((operation, message))
                if self.retry_conflicts and attempt < self.max_retries:
                    time.sleep(0.01 * (attempt + 1))
                    continue
            assert response.status_code == expect, (operation, path, response.status_code, body_of(response))
            return response.json()
        raise AssertionError(f"{operation}: still 409 after {self.max_retries} retries")

    @staticmethod
    def task_of(case: dict, name: str) -> str:
        tasks = [t for t in case["open_tasks"] if t["name"] == name]
        assert len(tasks) == 1, (case["id"], name, [t["name"] for t in case["open_tasks"]])
        return tasks[0]["id"]

    def complete(self, operation: str, client: Client, case: dict, name: str, data: dict) -> dict:
        return self.call(operation, client, f"/api/v1/tasks/{self.task_of(case, name)}/complete",
                         {"data": data}, 200)

    def run_case(self, path: str, applicant: dict) -> dict:
        case = self.call("start", self.frontdesk, "/api/v1/cases", application(applicant=applicant), 201)
        assert case["status"] == "submitted", case
        if path == ACCEPT:
            case = self.complete("accept", self.frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
        elif path == CORRECT:
            case = self.complete("correct", self.frontdesk, case, "front_desk_acceptance",
                                 {"outcome": "correct", "missing_materials": ["PMT"]})
            assert case["status"] == "awaiting_correction" and case["open_tasks"] == [], case
            case = self.call("supplement", self.frontdesk, f"/api/v1/cases/{case['id']}/supplements",
                             {"materials": ["PMT"]}, 200)
            assert case["status"] == "submitted", case
            case = self.complete("accept", self.frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
        elif path == TOLERATE:
            case = self.complete("tolerate", self.frontdesk, case, "front_desk_acceptance",
                                 {"outcome": "tolerate", "missing_materials": ["GLZD"]})
            assert case["status"] == "under_review" and case["tolerated"] is True, case
            case = self.call("supplement", self.frontdesk, f"/api/v1/cases/{case['id']}/supplements",
                             {"materials": ["GLZD"]}, 200)
            assert case["outstanding_materials"] == [], case
        else:
            raise ValueError(path)
        assert case["status"] == "under_review", case
        case = self.complete("approve", self.backoffice, case, "back_office_review", {"decision": "approve"})
        assert case["status"] == "awaiting_delivery", case
        # Mail: no pickup code to look up, so the threads race only for what is under test.
        case = self.complete("deliver", self.pickup, case, "window_delivery",
                             {"delivery_method": "mail", "carrier": "sf", "tracking_no": "SF1234567890"})
        assert case["status"] == "completed" and case["open_tasks"] == [], case
        full = self.pickup.get(f"/api/v1/cases/{case['id']}").json()  # the dossier carries the history
        assert full["history_intact"] is True, full
        self.finished[case["id"]] = {"path": path, "case_no": case["case_no"], "final": case}
        return case


def drive_cases(base_url: str, threads: int, per_thread: int, retry_conflicts: bool = False):
    """`threads` drivers each take `per_thread` cases to the end at once. Returns the status
    counts of every request, the paths by case id, the case numbers and the conflicts seen."""
    drivers = in_threads([partial(Driver, base_url, retry_conflicts=retry_conflicts) for _ in range(threads)])
    barrier = threading.Barrier(threads, timeout=30)

    def work(index: int, driver: Driver):
        barrier.wait()
        for n in range(per_thread):
            # each thread serves a few applicants of its own, who come back for new cases
            driver.run_case(path_for(index * per_thread + n), person(index * 10 + n % 3))

    try:
        in_threads([partial(work, i, d) for i, d in enumerate(drivers)], timeout=170)
    finally:
        for driver in drivers:
            driver.close()
    statuses = Counter()
    for driver in drivers:
        statuses.update(driver.statuses)
    assert not [k for k in statuses if k[1] >= 500], statuses
    paths = {case_id: info["path"] for d in drivers for case_id, info in d.finished.items()}
    numbers = [info["case_no"] for d in drivers for info in d.finished.values()]
    conflicts = [c for d in drivers for c in d.conflicts]
    return statuses, paths, numbers, conflicts


def race_to_complete(clients: list, task_id: str, data: dict) -> dict:
    """All clients complete one task at the same instant: exactly one 200, the rest 409 with
    a JSON message. Returns the winner's case."""
    barrier = threading.Barrier(len(clients), timeout=30)

    def complete(client: Client):
        barrier.wait()
        return client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data})

    responses = in_threads([partial(complete, c) for c in clients])
    statuses = Counter(r.status_code for r in responses)
    assert statuses == Counter({200: 1, 409: len(clients) - 1}), \
        {s: [body_of(r) for r in responses if r.status_code == s] for s in statuses}
    for response in responses:
        if response.status_code == 409:
            assert_error_body(response, 409)
    return next(r.json() for r in responses if r.status_code == 200)


def path_for(n: int) -> str:
    """The mix: mostly straight acceptances, every 5th a correction, every 7th a tolerance."""
    if n % 5 == 1:
        return CORRECT
    if n % 7 == 3:
        return TOLERATE
    return ACCEPT


# --- consistency of the stored rows ------------------------------------------------------

def check_store(app, expected_paths: dict[int, str]) -> None:
    """Every case, task, job and event row agrees with what the drivers did: the cases in
    `expected_paths` (id -> path) and nothing else, all completed."""
    from sqlalchemy import func, select

    from app.cases import history
    from app.cases.models import Case, CaseEvent
    from app.cases.tasks import COMPLETED, Task
    from app.extensions import db
    from app.timers.models import CANCELLED, PENDING, Job

    with app.app_context():
        try:
            session = db.session
            cases = {c.id: c for c in session.scalars(select(Case))}
            assert set(cases) == set(expected_paths), "cases in the database differ from those started"
            not_done = {c.id: c.status for c in cases.values() if c.status != "completed" or c.closed_at is None}
            assert not not_done, f"cases not completed: {not_done}"
            numbers = [c.case_no for c in cases.values()]
            assert None not in numbers and len(set(numbers)) == len(numbers), "case_no not unique"
            for case in cases.values():
                assert case.case_no.endswith(f"{case.id:06d}"), (case.id, case.case_no)

            assert session.scalar(select(func.count()).select_from(Task).where(Task.state != COMPLETED)) == 0, \
                "open or cancelled tasks left"
            assert session.scalar(select(func.count()).select_from(Job).where(Job.state == PENDING)) == 0, \
                "pending timer jobs left"

            tasks: dict[int, list] = {}
            for task in session.scalars(select(Task)):
                tasks.setdefault(task.case_id, []).append(task)
            jobs: dict[int, list] = {}
            for job in session.scalars(select(Job)):
                if job.element_id == "acceptance_overdue":  # clerks act within the working day
                    assert job.state == CANCELLED, (job.case_id, job.state)
                    continue
                jobs.setdefault(job.case_id, []).append(job)
            events: dict[int, list] = {}
            for event in session.scalars(select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.seq)):
                events.setdefault(event.case_id, []).append(event)

            for case_id, path in expected_paths.items():
                mine = tasks.get(case_id, [])
                by_name: dict[str, int] = {}
                for task in mine:
                    by_name[task.spec_id] = by_name.get(task.spec_id, 0) + 1
                    assert task.completed_at is not None and task.completed_by_id is not None, (case_id, task.id)
                assert by_name == EXPECTED_TASKS[path], (case_id, path, by_name)

                case_jobs = jobs.get(case_id, [])
                assert len(case_jobs) == EXPECTED_JOBS[path], (case_id, path, [(j.element_id, j.state) for j in case_jobs])
                assert all(j.state == CANCELLED for j in case_jobs), (case_id, [(j.element_id, j.state) for j in case_jobs])

                log = events.get(case_id, [])
                seqs = [e.seq for e in log]
                assert seqs == list(range(1, len(log) + 1)), (case_id, seqs)
                kinds = [e.kind for e in log]
                assert kinds[0] == "case_submitted" and kinds.count("case_submitted") == 1, (case_id, kinds)
                assert kinds[-1] == "case_closed" and kinds.count("case_closed") == 1, (case_id, kinds)
                completed_ids = [e.data["task_id"] for e in log if e.kind == "task_completed"]
                assert sorted(completed_ids) == sorted(t.id for t in mine), (case_id, kinds)
                created_ids = [e.data["task_id"] for e in log if e.kind == "task_created"]
                assert sorted(created_ids) == sorted(t.id for t in mine), (case_id, kinds)
                assert kinds.count("supplement_received") == (0 if path == ACCEPT else 1), (case_id, kinds)
                assert "timer_fired" not in kinds and "task_cancelled" not in kinds, (case_id, kinds)
                assert history.verify(session, case_id), f"history of case {case_id} broken"
        finally:
            db.session.remove()


@contextmanager
def scratch_session(url: str, metadata, seed=None):
    """A session on `metadata`'s tables, created afresh on `url` (after `seed(session)` has stored
    its rows and committed), and dropped with the engine at the end."""
    engine = create_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    try:
        if seed is not None:
            with Session(engine) as session:
                seed(session)
                session.commit()
        with Session(engine) as session:
            yield session
    finally:
        metadata.drop_all(engine)
        engine.dispose()
