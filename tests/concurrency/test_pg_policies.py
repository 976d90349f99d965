"""Policies (art. 30) under concurrency on PostgreSQL: several schedulers sweeping at the same
moment warn the owner once and raise the overdue flag once; editors publishing and saving the
same draft at once get one publish, and nothing changes a published policy."""
import threading
from collections import Counter
from datetime import datetime
from functools import partial

from sqlalchemy import select, update

from app import clock
from app.auth.models import User
from app.extensions import db
from app.notify.models import Notification
from tests.concurrency.harness import Client, assert_error_body, in_threads
from tests.conftest import Api

PARALLEL = 6


def _sweep_at_once(app) -> list[dict]:
    from app.bootstrap import runtime_of
    from app.policies.sweep import sweep

    barrier = threading.Barrier(PARALLEL, timeout=30)

    def one():
        with app.app_context():
            barrier.wait()
            try:
                return sweep(db.session, runtime_of(app).settings)
            finally:
                db.session.remove()

    return in_threads([one] * PARALLEL)


def _messages(app, kind: str, policy_id: int) -> list[str]:
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.kind == kind))
        found = [n.recipient for n in rows if n.params.get("policy_id") == policy_id]
        db.session.remove()
    return found


def test_parallel_sweeps_warn_and_flag_once(pg):
    with pg.app_context():
        db.session.execute(update(User).where(User.username == "designer").values(email="designer@example.cn"))
        db.session.commit()
        db.session.remove()
    clock.freeze(datetime(2026, 9, 28, 10, 0, tzinfo=clock.LOCAL_TZ))
    response = Api(pg, "designer").post("/api/v1/policies", json={
        "title": "并发测试政策", "issuing_body": "西安市鄠邑区人民政府办公室", "made_on": "2026-09-28",
        "full_text": "正文"})
    assert response.status_code == 201, response.get_json()
    pid = response.get_json()["id"]

    clock.freeze(datetime(2026, 10, 21, 9, 0, tzinfo=clock.LOCAL_TZ))
    _sweep_at_once(pg)
    assert _messages(pg, "policy_warning", pid) == ["designer@example.cn"]

    clock.freeze(datetime(2026, 10, 24, 0, 0, 1, tzinfo=clock.LOCAL_TZ))
    _sweep_at_once(pg)
    assert _messages(pg, "policy_overdue", pid) == ["designer@example.cn"]
    assert len(_messages(pg, "policy_warning", pid)) == 1


def _draft(client: Client, title: str) -> dict:
    response = client.post("/api/v1/policies", json={
        "title": title, "issuing_body": "西安市鄠邑区人民政府办公室", "made_on": "2026-11-30", "full_text": "原文"})
    assert response.status_code == 201, response.text
    return response.json()


def test_one_of_many_concurrent_publishes_wins(pg, pg_url):
    users = ["designer", "admin"] * (PARALLEL // 2)
    clients = in_threads([partial(Client, pg_url, u) for u in users])
    try:
        for round_no in range(3):
            pid = _draft(clients[0], f"并发公开 {round_no}")["id"]
            barrier = threading.Barrier(PARALLEL, timeout=30)

            def publish(client, barrier=barrier, pid=pid):
                barrier.wait()
                return client.post(f"/api/v1/policies/{pid}/publish")

            responses = in_threads([partial(publish, c) for c in clients])
            assert Counter(r.status_code for r in responses) == Counter({200: 1, 409: PARALLEL - 1}), \
                [(r.status_code, r.text[:200]) for r in responses]
            for loser in (r for r in responses if r.status_code == 409):
                assert_error_body(loser, 409)
            winner = next(r.json() for r in responses if r.status_code == 200)
            stored = clients[0].get(f"/api/v1/policies/{pid}").json()
            # the losers overwrote nothing: the moment and the editor are the winner's
            assert (stored["published_at"], stored["published_by"]) == (winner["published_at"], winner["published_by"])
    finally:
        for client in clients:
            client.close()


def test_saves_racing_a_publish_never_change_the_published_text(pg, pg_url):
    clients = in_threads([partial(Client, pg_url, "designer") for _ in range(PARALLEL)])
    try:
        for round_no in range(4):
            pid = _draft(clients[0], f"并发修改 {round_no}")["id"]
            barrier = threading.Barrier(PARALLEL, timeout=30)
            publisher = round_no % PARALLEL  # the publish leaves first, last or in between

            def act(client, index, barrier=barrier, pid=pid, publisher=publisher):
                barrier.wait()
                if index == publisher:
                    return "publish", client.post(f"/api/v1/policies/{pid}/publish")
                return "save", client.http.put(f"{pg_url}/api/v1/policies/{pid}",
                                               json={"full_text": f"第 {index} 人改过的正文", "title": f"改 {index}"},
                                               timeout=60)

            results = in_threads([partial(act, c, i) for i, c in enumerate(clients)])
            published = dict(results)["publish"]
            assert published.status_code == 200, published.text  # nothing else publishes: it always wins
            for kind, response in results:
                assert response.status_code in (200, 409), (kind, response.status_code, response.text)
                if response.status_code == 409:
                    assert_error_body(response, 409)
            text = published.json()["full_text"]
            staff = clients[0].get(f"/api/v1/policies/{pid}").json()
            public = clients[0].get(f"/api/v1/public/policies/{pid}").json()
            assert staff["full_text"] == public["full_text"] == text, (text, staff["full_text"])
            assert staff["title"] == published.json()["title"] and staff["state"] == "published"
            saved = [r.json()["full_text"] for k, r in results if k == "save" and r.status_code == 200]
            assert text in saved + ["原文"]  # what was published is the last save before it, or the original
            late = clients[1].http.put(f"{pg_url}/api/v1/policies/{pid}", json={"full_text": "晚了"}, timeout=60)
            assert_error_body(late, 409)
    finally:
        for client in clients:
            client.close()
