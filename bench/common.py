"""What the benchmarks share: the app on a fresh database, migrated and seeded through its
`flask` commands; a PostgreSQL database of their own; the app served over real HTTP; a JSON
client on Flask's test client that checks every status; `--smoke`; loud failures.

The only import from app/ in here is `app.create_app`, the factory wsgi.py uses. Everything
else goes through the app's interfaces (HTTP API, `flask` commands by name, SQL on its
tables), because module paths under app/ move.
"""
from __future__ import annotations

import argparse
import logging
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEMO_PASSWORD = "onewindow-demo"  # every demo user's (`make run` prints it)
DEFAULT_PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ITEM, HALL = "610118-SCJG-0001", "HY-ZWFW"  # demo item 食品经营许可（新办）, runs standard_licence


# --- failing loudly --------------------------------------------------------------------------

class BenchError(RuntimeError):
    """A step of a bench went wrong (wrong HTTP status, a command or process failed, a case
    did not reach its status): the run stops and exits non-zero."""


def check(condition, message) -> None:
    """Raise BenchError unless `condition` (unlike `assert`, also under `python -O`)."""
    if not condition:
        raise BenchError(message() if callable(message) else message)


def run(main) -> None:
    """Call main() and exit with its status; a BenchError prints its traceback and the reason
    and exits 1 (any other exception propagates: traceback and exit 1)."""
    started = time.perf_counter()
    try:
        status = main() or 0
    except BenchError as error:
        traceback.print_exc()  # the whole reason, with any process output, is in it
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"\nBENCH FAILED after {time.perf_counter() - started:.1f} s: {reason}", file=sys.stderr)
        status = 1
    sys.exit(status)


def add_smoke(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--smoke", action="store_true",
                        help=f"quick correctness run ({what}): same code paths, small numbers, any error "
                             "fails (exit 1); the figures are printed but not judged")


def parse(parser: argparse.ArgumentParser, argv, smoke: dict) -> argparse.Namespace:
    """Parse argv; with --smoke the `smoke` values become the defaults (options given win)."""
    args = parser.parse_args(argv)
    if args.smoke:
        parser.set_defaults(**smoke)
        args = parser.parse_args(argv)
    return args


# --- test data -------------------------------------------------------------------------------

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_card(first17: str) -> str:
    """17 digits and their GB 11643 check character: a resident ID number the API accepts."""
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def person(n: int, district: str = "610124", born_from: date = date(1950, 1, 1)) -> dict:
    """The n-th of many distinct natural persons (valid ID numbers, 1,000 per birth date)."""
    born = born_from + timedelta(days=n // 1000)
    return {"name": f"申请人{n}", "id_type": "id_card", "phone": f"139{n % 10**8:08d}",
            "id_number": id_card(f"{district}{born:%Y%m%d}{n % 1000:03d}")}


def material(code: str, name: str, **over) -> dict:
    """A material of a guide document (shape of tests/guides.py)."""
    return {"code": code, "name": name, "category": "document", "material_type": "original", "copies": 1,
            "paper_spec": "A4", "medium": "paper", "requirement": "required", "source": "applicant",
            "legal_basis": "《中华人民共和国行政许可法》第二十九条", "tolerable": False, **over}


def guide_doc(code: str, *, process_key: str = "standard_licence", legal: int = 20, promised: int = 10,
              materials=(("SQS", "申请书"), ("PMT", "平面图")), halls=("HY-ZWFW",), **guide) -> dict:
    """A complete, lint-clean guide document (README "Guide documents"; as tests/guides.py)."""
    body = {
        "name": f"测试事项 {code}", "item_type": "licence", "implementing_body": "西安市鄠邑区测试局",
        "legal_basis": [{"law": "《中华人民共和国行政许可法》", "article": "第十二条",
                         "text": "下列事项可以设定行政许可：……"}],
        "service_object": "both", "acceptance_conditions": "（一）申请材料齐全；（二）符合法定形式。",
        "legal_limit_days": legal, "promised_limit_days": promised, "fee_charged": False, "fee_standard": "不收费",
        "handling_channels": ["window", "online"], "location": "鄠邑区政务服务中心一楼综合窗口",
        "hours": "法定工作日 9:00-17:00", "result_name": "测试许可证", "consultation_contact": "029-84800000",
        "complaint_contact": "12345", "process_description": "申请、受理、审查、决定、送达。",
        "special_procedures": [], "process_key": process_key, "change_summary": "首次发布", "legal_change": None,
        "materials": [m if isinstance(m, dict) else material(*m) for m in materials],
    }
    body.update(guide)
    return {"item_code": code, "base_code": code.replace("-", "")[:12], "level": "district",
            "citywide": False, "halls": list(halls), "guide": body}


# --- the app ---------------------------------------------------------------------------------

def create_app(config: dict):
    from app import create_app as factory  # the one import from app/ here: wsgi.py's factory

    return factory(config)


def flask_cli(app, *args: str) -> str:
    """`flask --app wsgi <args>`, run on `app` in this process (Flask's CLI runner): the
    command's output, or BenchError with its output and traceback if it failed."""
    result = app.test_cli_runner().invoke(args=list(args))
    _reattach_log_handlers()
    if result.exit_code != 0 or result.exception is not None:
        trace = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else ""
        raise BenchError(f"`flask {' '.join(args)}` exited {result.exit_code}:\n{result.output}{trace}")
    return result.output


def _reattach_log_handlers() -> None:
    """Log handlers made during a CLI runner call (`db upgrade` configures logging from
    migrations/alembic.ini) write to the runner's captured, by now dead, stderr: point them at
    the real one, so errors the app logs later (a 500's traceback) are seen."""
    loggers = [logging.getLogger()] + [v for v in logging.Logger.manager.loggerDict.values()
                                       if isinstance(v, logging.Logger)]
    for logger in loggers:
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler and handler.stream not in (sys.stderr, sys.stdout):
                handler.setStream(sys.stderr)


def make_app(database_url: str, instance: Path, **config):
    """The app on an empty database, made ready like `make run` does: `flask db upgrade`,
    `flask seed demo` (hall, users, items, processes, appointment slots, consultations)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": instance,
                      "MIGRATIONS_DIR": str(ROOT / "migrations"), "SCHEDULER_ENABLED": False,
                      "SECRET_KEY": secrets.token_hex(32), **config})
    logging.disable(logging.INFO)  # migrations/env.py turns alembic's INFO lines back on
    try:
        flask_cli(app, "db", "upgrade")
        flask_cli(app, "seed", "demo")
    finally:
        logging.disable(logging.NOTSET)
    return app


def engine_of(app):
    """The app's SQLAlchemy engine (Flask-SQLAlchemy's, found through app.extensions)."""
    with app.app_context():
        return app.extensions["sqlalchemy"].engine


def sql(app, statement: str, **params):
    """One SQL statement on the app's database in its own transaction: rows, or the row count."""
    from sqlalchemy import text

    with engine_of(app).begin() as conn:
        result = conn.execute(text(statement), params)
        return result.all() if result.returns_rows else result.rowcount


def dispose(app) -> None:
    """Close the app's connections (before its database is dropped)."""
    with app.app_context():
        ext = app.extensions["sqlalchemy"]
        ext.session.remove()
        ext.engine.dispose()


class Api:
    """Flask's test client (whole request cycle, no network) signed in as a demo user through
    POST /api/v1/auth/token once; every call names the HTTP status it expects and raises
    BenchError (with the answer) on any other."""

    def __init__(self, app, username: str | None = None):
        self.app, self.client, self.headers = app, app.test_client(), {}
        if username:
            token = self.post("/api/v1/auth/token", {"username": username, "password": DEMO_PASSWORD}).get_json()
            self.headers["Authorization"] = f"Bearer {token['token']}"

    def call(self, method: str, path: str, expect=200, **kwargs):
        response = self.client.open(path, method=method, headers=self.headers, **kwargs)
        if response.status_code not in (expect if isinstance(expect, (set, tuple)) else (expect,)):
            body = response.get_data(as_text=True)
            raise BenchError(f"{method} {path}: HTTP {response.status_code}, expected {expect}: {body[:1500]}")
        return response

    def get(self, path: str, expect=200, **kwargs):
        return self.call("GET", path, expect, **kwargs)

    def post(self, path: str, json=None, expect=200, **kwargs):
        if json is not None:
            kwargs["json"] = json
        return self.call("POST", path, expect, **kwargs)

    def patch(self, path: str, json=None, expect=200, **kwargs):
        return self.call("PATCH", path, expect, json=json, **kwargs)


class Server:
    """The Flask app behind werkzeug's threaded server (like `flask run --with-threads`), in a
    background thread of this process."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.httpd = make_server("127.0.0.1", 0, app, threaded=True)
        self.base = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="bench-http", daemon=True)

    def __enter__(self):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log per request
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)
        dispose(self.app)


# --- gunicorn and HTTP clients ---------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PUBLIC_BASE_URL = "https://onewindow.bench.invalid"  # production refuses to start without one


class Gunicorn:
    """gunicorn (2 workers x 4 threads, as the README runs it) serving a bench database as
    deployed: ONEWINDOW_ENV=production, this run's SECRET_KEY, no scheduler; its output goes to a
    file (shown if it fails to start)."""

    def __init__(self, app, database_url: str, instance: Path, workers: int = 2, threads: int = 4):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.output = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - lives as long as the server
        env = {**os.environ, "ONEWINDOW_ENV": "production", "DATABASE_URL": database_url,
               "SECRET_KEY": app.config["SECRET_KEY"], "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
               "ONEWINDOW_INSTANCE": str(instance), "LOG_LEVEL": "WARNING", "SCHEDULER_ENABLED": "0"}
        env.pop("FLASK_APP", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
             "--bind", f"127.0.0.1:{self.port}", "wsgi:app"], cwd=ROOT, env=env, stdout=self.output,
            stderr=subprocess.STDOUT, text=True)

    def __enter__(self):
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{self.base}/healthz", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not start:\n{self._log()}")
            time.sleep(0.2)

    def _log(self) -> str:
        self.output.seek(0)
        return self.output.read()[-5000:]

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Client:
    """A requests session signed in as a demo user; `get`/`post` time the call and check its status."""

    def __init__(self, base: str, username: str):
        self.base, self.http = base, requests.Session()
        answer = self.http.post(f"{base}/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})
        check(answer.status_code == 200, f"sign-in of {username}: HTTP {answer.status_code}")
        self.http.headers["Authorization"] = f"Bearer {answer.json()['token']}"

    def get(self, path: str, expect: int = 200) -> tuple[float, dict]:
        return self.call("GET", path, expect)

    def post(self, path: str, json: dict, expect: int = 200) -> tuple[float, dict]:
        return self.call("POST", path, expect, json=json)

    def call(self, method: str, path: str, expect: int, **kwargs) -> tuple[float, dict]:
        """(milliseconds, the JSON answer)."""
        began = time.perf_counter()
        answer = self.http.request(method, self.base + path, timeout=120, **kwargs)
        took = (time.perf_counter() - began) * 1000
        check(answer.status_code == expect, f"{method} {path}: HTTP {answer.status_code}: {answer.text[:500]}")
        return took, answer.json()



# --- PostgreSQL database of a run ------------------------------------------------------------

class PgDatabase:
    """CREATE DATABASE <prefix>_<random> on enter; DROP ... WITH (FORCE) on exit, also on any
    exception, Ctrl-C and SIGTERM/SIGHUP (see exit_on_signals)."""

    def __init__(self, admin_url: str = DEFAULT_PG_URL, prefix: str = "onewindow_bench"):
        from sqlalchemy import create_engine

        if admin_url.startswith("postgresql://"):
            admin_url = admin_url.replace("postgresql://", "postgresql+psycopg://", 1)
        self.admin_url = admin_url
        self.name = f"{prefix}_{secrets.token_hex(4)}"
        self.url = admin_url.rsplit("/", 1)[0] + f"/{self.name}"
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.created = False

    def __enter__(self):
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.created = True
        return self

    def drop(self):
        from sqlalchemy import text

        if not self.created:
            return
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.created = False
        self.admin.dispose()

    def __exit__(self, *exc):
        try:
            self.drop()
        except Exception as error:  # never hide the original failure
            print(f"!! could not drop database {self.name}: {error}", file=sys.stderr)


def _exit_on_signal(signum, frame):
    print(f"\n!! stopped by signal {signum}; cleaning up", file=sys.stderr)
    raise SystemExit(128 + signum)


def exit_on_signals() -> None:
    """SIGTERM and SIGHUP unwind like Ctrl-C, so databases are dropped and processes stopped."""
    import signal

    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
