"""Designers deploying the same process at once on PostgreSQL: versions stay gapless, the
same content is one version, nobody gets a 500."""
import threading
from collections import Counter
from functools import partial
from pathlib import Path

from tests.concurrency.harness import Client, in_threads

STANDARD = (Path(__file__).resolve().parents[2] / "processes" / "standard_licence.bpmn").read_bytes()
DESIGNERS = 8


def test_concurrent_deployments_get_consecutive_versions(pg, pg_url):
    clients = in_threads([partial(Client, pg_url, "designer") for _ in range(DESIGNERS)])
    try:
        for round_no in range(3):
            barrier = threading.Barrier(DESIGNERS, timeout=30)

            def deploy(client: Client, index: int, round_no=round_no, barrier=barrier):
                # two different contents per round, each sent by four designers
                xml = STANDARD.replace("标准许可事项办理流程".encode(), f"标准流程 r{round_no} c{index % 2}".encode())
                barrier.wait()
                return client.http.post(f"{pg_url}/api/v1/processes", files={"file": ("p.bpmn", xml)}, timeout=60)

            responses = in_threads([partial(deploy, c, i) for i, c in enumerate(clients)])
            assert Counter(r.status_code for r in responses) == Counter({201: 2, 200: 6}), \
                [(r.status_code, r.text[:200]) for r in responses]
            versions = {r.json()["name"]: r.json()["version"] for r in responses}
            assert sorted(versions.values()) == [2 + 2 * round_no, 3 + 2 * round_no]
        listing = clients[0].get("/api/v1/processes/standard_licence").json()
        assert [v["version"] for v in listing["versions"]] == list(range(1, 8))
    finally:
        for client in clients:
            client.close()
