"""Fixtures: an app on a migrated database (SQLite file, or PostgreSQL for concurrency tests),
the demo seed as baseline, a frozen clock, and HTTP clients logged in as each demo user.

Every test starts from the seeded baseline: rows a test adds (cases, tasks, events, jobs,
applicants, extra process versions) are deleted after it.
"""
import os
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, func, select, text, update

os.environ.setdefault("ONEWINDOW_ENV", "testing")

from app import clock, create_app  # noqa: E402
from app.auth import service as auth  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.extensions import db  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 11, 30, 9, 0, tzinfo=clock.LOCAL_TZ)  # a Monday morning in the hall


def _migrated_app(database_url: str, instance: Path):
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": instance,
                      "MIGRATIONS_DIR": str(ROOT / "migrations")} | {"TESTING": True})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        from app.bootstrap import runtime_of
        from app.demo.seed import seed
        from app.processes.service import DeployLimits

        with app.test_request_context():
            settings = runtime_of(app).settings
            seed(db.session, Path(app.config["PROCESSES_DIR"]), DeployLimits.of(settings), settings)
            from app.calendar import service as calendar

            calendar.import_chinesecalendar(db.session, "test")
            db.session.commit()
    return app


def _baseline(app) -> dict:
    from app.auth.models import Hall
    from app.calendar import service as calendar_service
    from app.catalog.models import GuideVersion, RetainedCertificate, ServiceItem, service_item_hall
    from app.files.models import StoredFile
    from app.processes.models import ProcessDefinition

    with app.app_context():
        return {"max_definition": db.session.scalar(select(func.max(ProcessDefinition.id))),
                "max_guide": db.session.scalar(select(func.max(GuideVersion.id))),
                "guides": {v.id: (v.status, v.effective_until) for v in db.session.scalars(select(GuideVersion))},
                "max_certificate": db.session.scalar(select(func.max(RetainedCertificate.id))),
                "offered": [tuple(r) for r in db.session.execute(select(service_item_hall))],
                "citywide": {i.id: i.citywide for i in db.session.scalars(select(ServiceItem))},
                "max_file": db.session.scalar(select(func.max(StoredFile.id))),
                "max_user": db.session.scalar(select(func.max(User.id))),
                "max_hall": db.session.scalar(select(func.max(Hall.id))),
                "max_item": db.session.scalar(select(func.max(ServiceItem.id))),
                **_policy_baseline(),
                "calendar_revision": calendar_service.revision(db.session)}


POLICY_STATE = ("state", "warn_at", "publish_due", "provisional", "warned_at", "overdue_at", "published_at",
                "published_by")


def _policy_baseline() -> dict:
    from app.policies.models import Policy

    return {"max_policy": db.session.scalar(select(func.max(Policy.id))) or 0,
            "policies": {p.id: {k: getattr(p, k) for k in POLICY_STATE} for p in db.session.scalars(select(Policy))}}


def _reset_policies(baseline) -> None:
    """Test policies go; the demo ones get back their state (a sweep may have flagged them)."""
    from app.policies.models import Policy

    db.session.execute(delete(Policy).where(Policy.id > baseline["max_policy"]))
    for policy in db.session.scalars(select(Policy)):
        for key, value in baseline["policies"][policy.id].items():
            setattr(policy, key, value)
    db.session.execute(update(User).values(email=None, phone=None, locked_until=None))  # contacts, lockouts


def _reset(app, baseline) -> None:
    from app.auth.models import Hall, UserRole
    from app.calendar import service as calendar
    from app.cases.models import Case, CaseEvent
    from app.cases.tasks import Task
    from app.catalog.models import GuideVersion, RetainedCertificate, ServiceItem, service_item_hall
    from app.files.models import StoredFile
    from app.parties.models import Applicant
    from app.processes.models import ProcessDefinition
    from app.timers.models import Job

    with app.app_context():
        db.session.rollback()
        from app.applicants.models import AccountCompany, ApplicantAccount, ApplicantSession, LookupAttempt, SignInCode
        from app.appointments.models import Appointment, AppointmentSlot
        from app.auth.models import LoginFailure
        from app.cases.models import CaseMaterial
        from app.consultations.models import Consultation
        from app.contacts.models import ContactRecord
        from app.documents.models import Document, DocumentSequence
        from app.evaluation.models import Complaint, Evaluation, Rectification
        from app.evaluation.tablets import RatingOffer, RatingTablet, TabletPairingFailure
        from app.notify.models import Notification
        from app.processes.models import ProcessDraft

        for model in (ProcessDraft, RatingOffer, RatingTablet, TabletPairingFailure,
                      ContactRecord, Appointment, AppointmentSlot, Consultation, Complaint, Rectification, Evaluation,
                      Notification, Document, DocumentSequence, CaseMaterial, CaseEvent, Task, Job, Case, AccountCompany,
                      ApplicantSession,
                      ApplicantAccount, SignInCode, LookupAttempt, Applicant, LoginFailure):
            db.session.execute(delete(model))
        _reset_policies(baseline)
        db.session.execute(delete(ProcessDefinition).where(ProcessDefinition.id > baseline["max_definition"]))
        db.session.execute(delete(UserRole).where(UserRole.user_id > baseline["max_user"]))
        db.session.execute(delete(User).where(User.id > baseline["max_user"]))
        db.session.execute(delete(GuideVersion).where(GuideVersion.id > baseline["max_guide"]))
        db.session.execute(delete(ServiceItem).where(ServiceItem.id > baseline["max_item"]))
        for version in db.session.scalars(select(GuideVersion)):  # a test may have superseded one
            version.status, version.effective_until = baseline["guides"][version.id]
        db.session.execute(delete(RetainedCertificate).where(RetainedCertificate.id > baseline["max_certificate"]))
        db.session.execute(delete(StoredFile).where(StoredFile.id > baseline["max_file"]))
        db.session.execute(delete(service_item_hall))  # a test may have changed where items are offered
        db.session.execute(service_item_hall.insert(), [
            {"service_item_id": item, "hall_id": hall} for item, hall in baseline["offered"]])
        for item in db.session.scalars(select(ServiceItem)):
            item.citywide = baseline["citywide"][item.id]
        db.session.execute(delete(Hall).where(Hall.id > baseline["max_hall"]))
        if calendar.revision(db.session) != baseline["calendar_revision"]:  # a test changed the calendar
            from app.calendar.models import CalendarYear, Holiday

            db.session.execute(delete(Holiday))
            db.session.execute(delete(CalendarYear))
            calendar.import_chinesecalendar(db.session, "test")
            db.session.flush()
            baseline["calendar_revision"] = calendar.revision(db.session)
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="session")
def sqlite_app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = _migrated_app(f"sqlite:///{instance / 'test.db'}", instance)
    app.baseline = _baseline(app)
    return app


def pg_admin_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


@pytest.fixture(scope="session")
def pg_app(tmp_path_factory):
    """A fresh PostgreSQL database for this run, dropped at the end. Never skipped: CI must
    run these tests, so an unreachable server is a failure."""
    admin_url = _psycopg(pg_admin_url())
    name = f"onewindow_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    app = _migrated_app(url, tmp_path_factory.mktemp("pg-instance"))
    app.baseline = _baseline(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engines[None].dispose() if hasattr(db, "engines") else None
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def reconfigure(monkeypatch):
    """Change an app's configuration for one test. The runtime (settings, channels) is built from
    the configuration once, at start-up, so it is built again here; both come back afterwards."""
    from app.bootstrap import EXTENSION, build_runtime

    def change(app, **values):
        for key, value in values.items():
            monkeypatch.setitem(app.config, key, value)
        monkeypatch.setitem(app.extensions, EXTENSION, build_runtime(app.config))

    return change


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.freeze(START)
    yield START
    clock.reset()


# `make test` runs the API tests twice: on SQLite (the embedded default) and, with
# TEST_BACKEND=postgresql, on PostgreSQL (production), so every endpoint meets both.
BACKEND = os.environ.get("TEST_BACKEND", "sqlite")


@pytest.fixture
def app(request):
    chosen = request.getfixturevalue("pg_app" if BACKEND == "postgresql" else "sqlite_app")
    yield chosen
    _reset(chosen, chosen.baseline)


@pytest.fixture
def pg(pg_app):
    yield pg_app
    _reset(pg_app, pg_app.baseline)


class Api:
    """A test client that speaks JSON and carries a bearer token."""

    def __init__(self, app, username: str | None = None):
        self.app = app
        self.client = app.test_client()
        self.username = username

    def token(self) -> str:
        """A token issued now (by app.clock), so tests that move the clock stay signed in."""
        with self.app.app_context():
            user = db.session.scalar(select(User).where(User.username == self.username))
            token = auth.issue_token(user, self.app.config["SECRET_KEY"])
            db.session.remove()
        return token

    def _call(self, method, path, headers=None, **kwargs):
        base = {"Authorization": f"Bearer {self.token()}"} if self.username else {}
        return self.client.open(path, method=method, headers={**base, **(headers or {})}, **kwargs)

    def get(self, path, **kw):
        return self._call("GET", path, **kw)

    def post(self, path, json=None, **kw):
        if json is not None:
            kw["json"] = json
        return self._call("POST", path, **kw)

    def put(self, path, json=None, **kw):
        if json is not None:
            kw["json"] = json
        return self._call("PUT", path, **kw)

    def delete(self, path, **kw):
        return self._call("DELETE", path, **kw)


@pytest.fixture
def as_user(app):
    return lambda username=None: Api(app, username)


@pytest.fixture
def make_user(app):
    """Create an extra user with (role, hall code or None) grants; removed after the test."""
    from app.auth.models import Hall

    def make(username: str, *grants, display_name: str | None = None):
        with app.app_context():
            resolved = [(role, db.session.scalar(select(Hall).where(Hall.code == hall)) if hall else None)
                        for role, hall in grants]
            auth.create_user(db.session, username, "pw-" + username, display_name or username, resolved)
            db.session.commit()
            db.session.remove()
        return Api(app, username)
    return make


@pytest.fixture
def make_hall(app):
    """Create an extra hall (offering no items); removed after the test."""
    from app.auth.models import Hall

    def make(code: str, name: str, level: str = "street", parent: str | None = "HY-ZWFW"):
        with app.app_context():
            above = db.session.scalar(select(Hall).where(Hall.code == parent)) if parent else None
            db.session.add(Hall(code=code, name=name, level=level, parent_id=above.id if above else None))
            db.session.commit()
            db.session.remove()
        return code
    return make


@pytest.fixture
def codes():
    """Sign-in codes sent by the development SMS channel (the onewindow.notify log)."""
    import logging

    from tests.applicant_flows import CodeLog

    handler = CodeLog()
    logger = logging.getLogger("onewindow.notify")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
