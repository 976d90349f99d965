"""On PostgreSQL, with requests arriving together: every wrong pickup code is counted exactly
once (the counting transaction locks the case) and the code is locked once, and window pickup
is suspended once at the last lockout; a new seal key met by several decisions at once is
inserted by one of them (the others take the unique-violation path) and signs them all. The
statistics' query of decisions (a JSON field of case events) runs on PostgreSQL too."""
import threading
from collections import Counter
from functools import partial
from pathlib import Path

from sqlalchemy import select

from tests.concurrency.harness import Client, in_threads
from tests.flows import application

PARALLEL = 8


def _decided(base_url: str) -> dict:
    frontdesk, backoffice = Client(base_url, "frontdesk"), Client(base_url, "backoffice")
    case = frontdesk.post("/api/v1/cases", json=application()).json()
    task = case["open_tasks"][0]["id"]
    case = frontdesk.post(f"/api/v1/tasks/{task}/complete", json={"data": {"outcome": "accept"}}).json()
    task = case["open_tasks"][0]["id"]
    case = backoffice.post(f"/api/v1/tasks/{task}/complete", json={"data": {"decision": "approve"}}).json()
    assert case["status"] == "awaiting_delivery", case
    return case


def _wrong_codes_at_once(pg_url, case, code):
    """PARALLEL pickup clerks each enter a different wrong code at the same moment."""
    task = next(t["id"] for t in case["open_tasks"] if t["name"] == "window_delivery")
    clerks = [Client(pg_url, "pickup") for _ in range(PARALLEL)]
    barrier = threading.Barrier(PARALLEL, timeout=30)

    def wrong(n):
        barrier.wait()
        guess = f"{(int(code) + n + 1) % 10 ** 6:06d}"
        return clerks[n].post(f"/api/v1/tasks/{task}/complete",
                              json={"data": {"delivery_method": "window_pickup", "pickup_code": guess}})

    return in_threads([partial(wrong, n) for n in range(PARALLEL)])


def test_parallel_wrong_pickup_codes_are_each_counted_and_lock_once(pg, pg_url):
    from app.cases.models import Case
    from app.extensions import db

    case = _decided(pg_url)
    with pg.app_context():
        code = db.session.get(Case, case["id"]).pickup_code
        db.session.remove()
    responses = _wrong_codes_at_once(pg_url, case, code)
    assert Counter(r.status_code for r in responses) == Counter({422: PARALLEL - 1, 409: 1}), \
        [(r.status_code, r.text[:160]) for r in responses]
    with pg.app_context():
        row = db.session.get(Case, case["id"])
        assert row.pickup_code != code and row.pickup_code_lockouts == 1
        assert row.pickup_code_failures == PARALLEL - 5  # the tries after the lock count against the new code
        db.session.remove()
    events = Client(pg_url, "pickup").get(f"/api/v1/cases/{case['id']}").json()["events"]
    kinds = Counter(e["kind"] for e in events)
    assert kinds["pickup_code_rejected"] == PARALLEL and kinds["pickup_code_locked"] == 1

    stats = Client(pg_url, "admin").get("/api/v1/statistics/evaluation")
    assert stats.status_code == 200, stats.text
    assert (stats.json()["cases_decided"], stats.json()["decided_on_time"]) == (1, 1)


def test_parallel_wrong_codes_at_the_last_lockout_suspend_pickup_once(pg, pg_url):
    """Two lockouts behind, four wrong tries on the current code: of eight wrong codes at once
    the first counted suspends window pickup, the others find it suspended; nothing more is
    counted and no new code goes out."""
    from app.cases.models import Case
    from app.documents.delivery import PICKUP_CODE_ATTEMPTS, PICKUP_CODE_LOCKOUTS, SUSPENDED
    from app.extensions import db

    case = _decided(pg_url)
    with pg.app_context():
        row = db.session.get(Case, case["id"])
        code = row.pickup_code
        row.pickup_code_lockouts, row.pickup_code_failures = PICKUP_CODE_LOCKOUTS - 1, PICKUP_CODE_ATTEMPTS - 1
        db.session.commit()
        db.session.remove()
    responses = _wrong_codes_at_once(pg_url, case, code)
    assert [(r.status_code, r.json()["message"]) for r in responses] == [(409, SUSPENDED)] * PARALLEL, \
        [(r.status_code, r.text[:160]) for r in responses]
    with pg.app_context():
        row = db.session.get(Case, case["id"])
        assert (row.pickup_code, row.pickup_code_lockouts, row.pickup_code_failures) == (code, PICKUP_CODE_LOCKOUTS, 0)
        db.session.remove()
    events = Client(pg_url, "pickup").get(f"/api/v1/cases/{case['id']}").json()["events"]
    kinds = Counter(e["kind"] for e in events)
    assert (kinds["pickup_code_rejected"], kinds["pickup_code_locked"], kinds["pickup_suspended"]) == (1, 1, 1)
    assert kinds["pickup_code_reissued"] == 0


def test_a_new_seal_key_met_by_parallel_decisions_is_registered_once(pg, pg_url, monkeypatch):
    """The decisions' documents are drawn by several schedulers at once, each finding the new key
    unregistered and inserting it (a spy holds the inserts until all have looked): one insert
    wins, the others meet the unique key, take the row the winner committed and sign — nothing
    fails, one row, every document under the new key."""
    from app.bootstrap import runtime_of
    from app.documents import keys
    from app.documents.models import Document, SealKey
    from app.documents.seal import _write_new_key, load_or_create
    from app.documents.service import draw_pending
    from app.extensions import db

    key_path = Path(pg.config["INSTANCE_PATH"]) / "seal" / "office_ed25519.pem"
    load_or_create(key_path, "测试")
    _write_new_key(key_path).replace(key_path)  # a new key file, not yet in the table
    new_id = load_or_create(key_path, "测试").key_id
    frontdesk = Client(pg_url, "frontdesk")
    cases = [frontdesk.post("/api/v1/cases", json=application()).json() for _ in range(PARALLEL)]
    clerks = [Client(pg_url, "frontdesk") for _ in range(PARALLEL)]
    barrier = threading.Barrier(PARALLEL, timeout=30)

    def correct(n):
        barrier.wait()
        return clerks[n].post(f"/api/v1/tasks/{cases[n]['open_tasks'][0]['id']}/complete",
                              json={"data": {"outcome": "correct", "missing_materials": ["PMT"]}})

    responses = in_threads([partial(correct, n) for n in range(PARALLEL)])
    assert [r.status_code for r in responses] == [200] * PARALLEL, [r.text[:160] for r in responses]
    numbers = [d["document_no"] for c in cases
               for d in frontdesk.get(f"/api/v1/cases/{c['id']}/documents").json()["items"]]
    assert sorted(int(n[-7:-1]) for n in numbers) == list(range(1, PARALLEL + 1))  # gapless under concurrency

    all_looked = threading.Barrier(PARALLEL, timeout=30)
    inserts, insert = [], keys._insert

    def spy(session, current):
        all_looked.wait()  # every scheduler has found no row before any inserts
        added = insert(session, current)
        inserts.append(added)
        return added

    monkeypatch.setattr(keys, "_insert", spy)
    runtime = runtime_of(pg)

    def scheduler_draws():
        with pg.app_context():
            try:
                return draw_pending(db.session, runtime.key_file, runtime.settings.store,
                                    runtime.settings.document_base_url, limit=1)
            finally:
                db.session.remove()

    counts = in_threads([scheduler_draws for _ in range(PARALLEL)])
    assert sum(c["drawn"] for c in counts) == PARALLEL and not any(c["failed"] for c in counts), counts
    assert sorted(inserts) == [False] * (PARALLEL - 1) + [True]  # the conflict path, taken by all but one
    with pg.app_context():
        assert db.session.scalars(select(SealKey.key_id).where(SealKey.key_id == new_id)).all() == [new_id]
        assert set(db.session.scalars(select(Document.key_id))) == {new_id}
        db.session.remove()
    document = frontdesk.get(f"/api/v1/cases/{cases[0]['id']}/documents").json()["items"][0]
    page = Client(pg_url).get(document["verify_path"])
    assert "电子签章有效" in page.text
