"""Faults answered clearly: the database out of reach is 503 with Retry-After (JSON for the API,
a Chinese page for a browser), never a 500 or a bare server page; it recovers by itself (the
pool checks a connection that sat idle before using it, and replaces them all after a failure).
Storage trouble comes as domain errors (StorageFull 507, Unavailable 503), mapped with the
others in app.api.errors and app.web.pages."""
import logging
from http import HTTPStatus

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import DisconnectionError, InterfaceError, InternalError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.wrappers import Response

from app.extensions import db

log = logging.getLogger(__name__)
RETRY_AFTER = 30  # seconds: a database restart or a failover
DATABASE_DOWN = "系统暂时无法访问数据库，您的操作未完成，请稍后重试"


def is_page() -> bool:
    """A browser asking for a page gets an error page; everything else JSON."""
    return not request.path.startswith("/api/") and "text/html" in request.headers.get("Accept", "text/html")


def unavailable(message: str, retry_after: int) -> Response:
    if is_page():
        response = Response(render_template("guides/error.html", message=message, status=503), status=503,
                            mimetype="text/html")
    else:
        response = jsonify({"code": 503, "status": HTTPStatus(503).phrase, "message": message, "errors": {},
                            "retry_after": retry_after})
        response.status_code = 503
    response.headers["Retry-After"] = str(retry_after)
    return response


def _database_down(exc: Exception) -> Response:
    log.warning("database unavailable: %s: %s", type(exc).__name__, str(exc).splitlines()[0][:200])
    try:
        db.session.rollback()  # the session must not stay in a failed transaction
    except Exception:  # noqa: BLE001 - the connection may be gone altogether
        db.session.remove()
    return unavailable(DATABASE_DOWN, RETRY_AFTER)


def register(app: Flask) -> None:
    # InternalError: the server ended the session (e.g. idle_in_transaction_session_timeout)
    for kind in (OperationalError, InterfaceError, InternalError, DisconnectionError, PoolTimeout):
        app.register_error_handler(kind, _database_down)
