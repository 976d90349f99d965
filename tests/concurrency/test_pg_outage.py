"""PostgreSQL out of reach for a few seconds: pages and the API answer 503 with Retry-After (a
Chinese page, JSON for the API), nothing half-done is left, and the app recovers without a restart
(the pool checks each connection before use)."""
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from app import create_app
from app.extensions import db
from tests.concurrency.harness import PASSWORD, serving
from tests.concurrency.tcp_proxy import TcpProxy
from tests.flows import application, person_applicant


@pytest.fixture
def behind_proxy(pg, tmp_path):
    """The `pg` database reached through a proxy the test can take down."""
    url = urlsplit(pg.config["SQLALCHEMY_DATABASE_URI"])
    proxy = TcpProxy(url.hostname or "127.0.0.1", url.port or 5432)
    proxy.up()
    netloc = url.netloc.replace(f"{url.hostname}:{url.port}", f"127.0.0.1:{proxy.port}") if url.port \
        else f"{url.netloc}:{proxy.port}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": urlunsplit(url._replace(netloc=netloc)), "INSTANCE_PATH": tmp_path,
                      "TESTING": True, "SECRET_KEY": pg.config["SECRET_KEY"]})
    try:
        with serving(app) as base:
            yield base, proxy
    finally:
        proxy.down()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_database_outage_is_503_and_passes(behind_proxy):
    base, proxy = behind_proxy
    token = requests.post(f"{base}/api/v1/auth/token", json={"username": "frontdesk", "password": PASSWORD},
                          timeout=30).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{base}/guides", timeout=30).status_code == 200

    proxy.down()
    page = requests.get(f"{base}/guides", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert "系统暂时无法访问数据库" in page.text and "Traceback" not in page.text
    listed = requests.get(f"{base}/api/v1/catalog/items", timeout=30)
    assert listed.status_code == 503 and listed.json()["code"] == 503 and "Retry-After" in listed.headers
    refused = requests.post(f"{base}/api/v1/cases", json=application(applicant=person_applicant(7001)),
                            headers=headers, timeout=30)
    assert refused.status_code == 503, refused.text

    proxy.up()
    deadline = time.monotonic() + 10
    while requests.get(f"{base}/guides", timeout=30).status_code != 200:
        assert time.monotonic() < deadline, "the app did not recover within 10 s of the database"
        time.sleep(0.2)
    started = requests.post(f"{base}/api/v1/cases", json=application(applicant=person_applicant(7001)),
                            headers=headers, timeout=30)
    assert started.status_code == 201, started.text
    mine = requests.get(f"{base}/api/v1/cases?id_number={person_applicant(7001)['id_number']}", headers=headers,
                        timeout=30).json()
    assert mine["total"] == 1  # the refused application left nothing behind
