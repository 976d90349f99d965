"""kill -9 of the web server in the middle of a burst of task completions (two gunicorn workers
on PostgreSQL): every completion a clerk was told succeeded is there after the restart, none is
half-applied, and `flask audit check` finds nothing wrong."""
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from app.extensions import db
from tests.concurrency.harness import PASSWORD
from tests.flows import application, person_applicant

ROOT = Path(__file__).resolve().parents[2]
CASES = 24


def _env(app) -> dict:
    with app.app_context():
        database = db.engine.url.render_as_string(hide_password=False)
    # the test app's instance and file store: the audit reads the files the seed and the servers wrote
    return {**os.environ, "ONEWINDOW_ENV": "production", "DATABASE_URL": database, "SECRET_KEY": secrets.token_hex(32),
            "PUBLIC_BASE_URL": "https://zwfw.example.cn", "LOG_LEVEL": "WARNING", "SCHEDULER_ENABLED": "0",
            "ONEWINDOW_INSTANCE": str(app.config["INSTANCE_PATH"]), "FILES_DIR": str(app.config["FILES_DIR"])}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return server
        except (requests.ConnectionError, requests.Timeout):
            pass  # the workers are still starting
        assert server.poll() is None, server.stderr.read() if server.stderr else "gunicorn exited"
        assert time.monotonic() < deadline, "gunicorn did not start within 30 s"
        time.sleep(0.2)


def _token(base: str, username: str) -> dict:
    token = requests.post(f"{base}/api/v1/auth/token", json={"username": username, "password": PASSWORD},
                          timeout=30).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_kill_9_in_a_burst_of_completions_loses_no_acknowledged_write(pg):
    env, port = _env(pg), _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(env, port)
    try:
        clerk = _token(base, "frontdesk")
        cases = []
        for n in range(CASES):
            started = requests.post(f"{base}/api/v1/cases", json=application(applicant=person_applicant(800 + n)),
                                    headers=clerk, timeout=30)
            assert started.status_code == 201, started.text
            cases.append(started.json())
        fired = threading.Event()

        def complete(case: dict):
            task = next(t for t in case["open_tasks"] if t["name"] == "front_desk_acceptance")
            if case is cases[CASES // 3]:
                fired.set()  # a third of the way in: the server dies
            try:
                answer = requests.post(f"{base}/api/v1/tasks/{task['id']}/complete", json={"data": {"outcome": "accept"}},
                                       headers=clerk, timeout=30)
            except requests.ConnectionError:
                return case["id"], None
            return case["id"], answer.status_code

        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(complete, c) for c in cases]
            fired.wait(30)
            os.killpg(server.pid, signal.SIGKILL)
            outcomes = dict(f.result() for f in futures)
        server.wait(10)
        server = _serve(env, port)
        clerk = _token(base, "frontdesk")
        acknowledged = [case_id for case_id, status in outcomes.items() if status == 200]
        assert any(status is None or status >= 500 for status in outcomes.values()) or len(acknowledged) < CASES
        for case_id, status in outcomes.items():
            now = requests.get(f"{base}/api/v1/cases/{case_id}", headers=clerk, timeout=30).json()
            if status == 200:
                assert now["status"] == "under_review", (case_id, now["status"])  # told done: it is done
            else:
                assert now["status"] in ("submitted", "under_review"), (case_id, now["status"])  # all or nothing
        audit = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "audit", "check"], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=120)
        assert audit.returncode == 0, audit.stdout + audit.stderr
        assert f"no violations ({CASES} cases checked)" in audit.stdout
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)
