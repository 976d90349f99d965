"""create_app: the configuration, the wiring (app.bootstrap) and the faces (REST API, pages, CLI)
put together. The one module above the faces."""
import logging
import os

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from app import api as rest
from app import (
    models,  # noqa: F401 - every table known to the metadata
    reference,
    web,
)
from app.bootstrap import EXTENSION, SCHEDULER_EXTENSION, build_runtime, scheduler_for
from app.cli import register as register_commands
from app.config import config_class, resolve_secret
from app.database import write_intent
from app.extensions import api, csrf, db, migrate
from app.http import faults, headers
from app.http.requests import CheckedRequest, guard_input


def create_app(config: str | dict | None = None) -> Flask:
    app = Flask("app", instance_relative_config=False)
    name = config if isinstance(config, str) else os.environ.get("ONEWINDOW_ENV", "development")
    app.config.from_object(config_class(name))
    if isinstance(config, dict):
        app.config.update(config)
    resolve_secret(app.config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # the default provider has it
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if app.config.get("PROXY_FIX_HOPS"):
        hops = int(app.config["PROXY_FIX_HOPS"])  # how many proxies in front of us set X-Forwarded-*
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    db.init_app(app)
    csrf.init_app(app)
    migrate.init_app(app, db, directory=str(app.config.get("MIGRATIONS_DIR", "migrations")))
    api.init_app(app)
    app.extensions[EXTENSION] = build_runtime(app.config)
    _read_only_requests(app)
    rest.register(app, api)
    # After the API's authentication (an anonymous call is 401 before its body is read); the pages'
    # forms are checked as they are parsed, by the request class.
    app.before_request(guard_input)
    app.request_class = CheckedRequest
    faults.register(app)
    web.register(app)
    register_commands(app)
    headers.register(app)  # CSP, nosniff, no framing, Referrer-Policy, HSTS in production
    if app.config.get("SCHEDULER_ENABLED"):  # `make run`: one scheduler inside the web process
        app.extensions[SCHEDULER_EXTENSION] = scheduler_for(app).start()
    return app


def _read_only_requests(app: Flask) -> None:
    """GET/HEAD requests only read: on SQLite their transactions need not take the write lock."""

    @app.before_request
    def _mark_reads():
        if request.method in ("GET", "HEAD", "OPTIONS"):
            g.write_intent_token = write_intent.set(False)
        reference.begin_request(db.session())  # reference data: one revision read per request

    @app.teardown_request
    def _unmark_reads(exc):
        token = g.pop("write_intent_token", None)
        if token is not None:
            write_intent.reset(token)
        reference.end_request(db.session())
