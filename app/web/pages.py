"""What every page blueprint shares: CSRF on each form post, errors shown as pages (never raw
JSON or a traceback). Request helpers (bounded numbers, safe redirects) are in app.http.requests."""
from datetime import datetime
from pathlib import Path

from flask import render_template, url_for
from flask_wtf.csrf import CSRFError

from app import clock
from app.errors import (
    Conflict,
    DomainError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    StorageFull,
    TooManyRequests,
    Unavailable,
)
from app.extensions import csrf

# Every page blueprint renders from one template folder and the guides serve the one static folder.
TEMPLATES = str(Path(__file__).resolve().parent / "templates")
STATIC = str(Path(__file__).resolve().parent / "static")

_STATUS = [(NotFound, 404), (PermissionDenied, 403), (NotAuthenticated, 401), (Conflict, 409),
           (TooManyRequests, 429), (Unavailable, 503), (StorageFull, 507)]


def guard(bp, template: str = "staff/message.html", before=None) -> None:
    """CSRF on every POST of `bp` (after `before`, which may adjust the request first), and
    domain errors rendered with `template`."""
    @bp.before_request
    def _protect():
        if before is not None:
            before()
        csrf.protect()

    @bp.errorhandler(CSRFError)
    def _csrf(exc):
        return render_template(template, title="页面已过期", message="页面已过期或表单无效，请返回刷新后重试。"), 400

    @bp.errorhandler(DomainError)
    def _domain(exc):
        status = next((code for cls, code in _STATUS if isinstance(exc, cls)), 422)
        headers = {"Retry-After": str(exc.extra.get("retry_after", 60))} if status in (429, 503) else {}
        return render_template(template, title="未能完成", message=exc.message), status, headers


def public_errors(bp) -> None:
    """Domain errors of a public read-only blueprint as its error page: 404 when not found, else 400."""
    @bp.errorhandler(DomainError)
    def _domain(exc):
        status = 404 if isinstance(exc, NotFound) else 400
        return render_template("guides/error.html", message=exc.message, status=status), status


def home_url() -> str:
    return url_for("staff.home")


def localtime(value) -> str:
    """Template filter: a moment (or its ISO text) as the hall's local date and time."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{moment.astimezone(clock.LOCAL_TZ):%Y-%m-%d %H:%M}"
