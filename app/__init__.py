"""OneWindow: the BPMN platform of a district government service centre."""
import logging
import os

from flask import Flask

from app.config import CONFIGS, resolve_secret


def create_app(config: str | dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    name = config if isinstance(config, str) else os.environ.get("ONEWINDOW_ENV", "development")
    app.config.from_object(CONFIGS[name])
    if isinstance(config, dict):
        app.config.update(config)
    resolve_secret(app.config)
    app.json.ensure_ascii = False
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)

    from app.calendar.service import configure_end_of_day
    from app.cases import warnings

    configure_end_of_day(app.config["DEADLINE_TIME"])
    warnings.configure(app.config["WARNING_DAYS_LEFT"], app.config["WARNING_FRACTION"])
    if app.config.get("PROXY_FIX_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX_HOPS"])  # how many proxies in front of us set X-Forwarded-*
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    register_extensions(app)
    register_documents(app)
    register_read_only_requests(app)
    register_blueprints(app)
    register_commands(app)
    start_scheduler(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401 - every table known to the metadata
    from app.extensions import api, csrf, db, migrate

    db.init_app(app)
    csrf.init_app(app)
    migrate.init_app(app, db, directory=str(app.config.get("MIGRATIONS_DIR", "migrations")))
    api.init_app(app)


def register_documents(app: Flask) -> None:
    """Documents are issued inside engine steps: give them this installation's file store, seal
    and public address, and hook them after every step."""
    from pathlib import Path

    from app.cases import cycle
    from app.documents import service as documents
    from app.files.service import FileStore

    key = Path(app.config.get("SEAL_KEY_PATH") or Path(app.config["INSTANCE_PATH"]) / "seal" / "office_ed25519.pem")
    from app.extensions import db

    with app.app_context():  # the engine's own URL: what a session's bind reports in a step
        url = db.engine.url.render_as_string(hide_password=False)
    documents.configure(url, FileStore.of(app.config), key,
                        app.config["SEAL_OFFICE"], app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000",
                        app.config["SECRET_KEY"])
    from app.documents import delivery
    from app.notify import service as notify

    # decisions' documents first, then delivery (the pickup code), then the messages that cite them
    for hook in (documents.after_step, delivery.after_step, notify.after_step):
        if hook not in cycle.AFTER_STEP:
            cycle.AFTER_STEP.append(hook)
    from app.catalog import public
    from app.consultations import service as consultations

    if consultations.public_faq not in public.PUBLIC_EXTRAS:
        public.PUBLIC_EXTRAS.append(consultations.public_faq)
    from app.policies import service as policies

    if policies.related_policies not in public.PUBLIC_EXTRAS:
        public.PUBLIC_EXTRAS.append(policies.related_policies)


def register_read_only_requests(app: Flask) -> None:
    """GET/HEAD requests only read: on SQLite their transactions need not take the write lock."""
    from flask import g, request

    from app.database import write_intent

    @app.before_request
    def _mark_reads():
        if request.method in ("GET", "HEAD", "OPTIONS"):
            g.write_intent_token = write_intent.set(False)

    @app.teardown_request
    def _unmark_reads(exc):
        token = g.pop("write_intent_token", None)
        if token is not None:
            write_intent.reset(token)


def register_blueprints(app: Flask) -> None:
    from app import api as rest
    from app.extensions import api

    rest.register(app, api)
    from app.web.admin import bp as admin_pages
    from app.web.applicant import bp as applicant_pages
    from app.web.appointmentpages import applicant_bp as booking_pages
    from app.web.appointmentpages import bp as appointment_pages
    from app.web.casepages import bp as case_pages
    from app.web.consultationpages import bp as consultation_pages
    from app.web.consultationpages import public_bp as consultation_public
    from app.web.contactpages import bp as contact_pages
    from app.web.guides import bp as guides
    from app.web.inbox import bp as inbox_pages
    from app.web.processpages import bp as process_pages
    from app.web.rectifications import bp as rectification_pages
    from app.web.staff import bp as staff_pages
    from app.web.verify import bp as verify_pages
    from app.web.verify import complaints_bp, deliver_bp, progress_bp

    for blueprint in (consultation_public, consultation_pages, booking_pages, appointment_pages):
        app.register_blueprint(blueprint)
    from app.web.policies import bp as policy_admin
    from app.web.policies import public_bp as policy_pages

    for blueprint in (policy_admin, policy_pages):
        app.register_blueprint(blueprint)
    for blueprint in (guides, applicant_pages, staff_pages, inbox_pages, case_pages, process_pages, admin_pages,
                      verify_pages, deliver_bp, progress_bp, rectification_pages, complaints_bp, contact_pages):
        app.register_blueprint(blueprint)


def register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)


def start_scheduler(app: Flask) -> None:
    if app.config.get("SCHEDULER_ENABLED"):
        from app.timers.scheduler import start_embedded

        start_embedded(app)
