"""Editors publishing, saving and discarding the same guide draft at once on PostgreSQL: one
publish wins, nothing edits a published version, one version is published per item."""
import threading
from collections import Counter
from functools import partial

from tests.concurrency.harness import Client, assert_error_body, in_threads
from tests.guides import guide_doc

EDITORS = 6


def _draft(client: Client, code: str) -> None:
    response = client.post("/api/v1/catalog/items", json=guide_doc(code))
    assert response.status_code == 201, response.text


def test_one_of_many_concurrent_publishes_wins(pg, pg_url):
    clients = in_threads([partial(Client, pg_url, "admin") for _ in range(EDITORS)])
    try:
        _draft(clients[0], "RACE-PUB-1")
        barrier = threading.Barrier(EDITORS, timeout=30)

        def publish(client):
            barrier.wait()
            return client.post("/api/v1/catalog/items/RACE-PUB-1/versions/1/publish")

        responses = in_threads([partial(publish, c) for c in clients])
        assert Counter(r.status_code for r in responses) == Counter({200: 1, 409: EDITORS - 1}), \
            [(r.status_code, r.text[:200]) for r in responses]
        for loser in (r for r in responses if r.status_code == 409):
            assert_error_body(loser, 409)
        versions = clients[0].get("/api/v1/catalog/items/RACE-PUB-1/versions").json()["versions"]
        assert [(v["status"], v["effective_until"]) for v in versions] == [("published", None)]
    finally:
        for client in clients:
            client.close()


def test_saves_and_deletes_racing_a_publish_never_touch_the_published_version(pg, pg_url):
    clients = in_threads([partial(Client, pg_url, "admin") for _ in range(EDITORS)])
    try:
        for round_no in range(3):
            code = f"RACE-SAVE-{round_no}"
            _draft(clients[0], code)
            original = guide_doc(code)["guide"]
            barrier = threading.Barrier(EDITORS, timeout=30)

            def act(client, index, barrier=barrier, code=code, original=original):
                barrier.wait()
                url = f"/api/v1/catalog/items/{code}/versions/1"
                if index == 0:
                    return "publish", client.post(url + "/publish")
                if index % 2:
                    return "save", client.http.put(pg_url + url, json=original | {"name": f"改名 {index}",
                                                                                  "legal_limit_days": None})
                return "delete", client.http.delete(pg_url + url)

            results = in_threads([partial(act, c, i) for i, c in enumerate(clients)])
            published = dict(results)["publish"]
            # 422: a save committed first left the draft incomplete, and publishing linted that.
            assert published.status_code in (200, 409, 422), published.text
            for kind, response in results:
                assert response.status_code in (200, 204, 409, 422), (kind, response.status_code, response.text)
            public = clients[0].get(f"/api/v1/catalog/items/{code}")
            if published.status_code == 200:
                # What was published is what was linted: a complete guide, never a later save.
                body = public.json()
                assert public.status_code == 200 and body["legal_limit_days"] is not None
                assert body["name"] == published.json()["name"]
            else:
                assert public.status_code == 404
    finally:
        for client in clients:
            client.close()
