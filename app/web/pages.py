"""What every page blueprint shares: CSRF on each form post, errors shown as pages (never raw
JSON or a traceback), bounded numbers from query strings, redirects that stay on this site."""
import re
from urllib.parse import urlparse

from flask import render_template, request, url_for
from flask_wtf.csrf import CSRFError

from app.errors import Conflict, DomainError, NotAuthenticated, NotFound, PermissionDenied, TooManyRequests
from app.extensions import csrf

_STATUS = [(NotFound, 404), (PermissionDenied, 403), (NotAuthenticated, 401), (Conflict, 409),
           (TooManyRequests, 429)]


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
        return render_template(template, title="未能完成", message=exc.message), status


def int_arg(name: str, default: int, lo: int = 1, hi: int = 100000) -> int:
    """A bounded integer from the query string; anything else is the default."""
    value = request.args.get(name) or ""
    return min(max(int(value), lo), hi) if re.fullmatch(r"[0-9]{1,9}", value) else default


def form_int(value: str | None) -> int:
    """A whole number typed into a form; anything else is 0 (which the service refuses by name)."""
    value = value or ""
    return int(value) if re.fullmatch(r"[0-9]{1,9}", value) else 0


def safe_next(target: str | None, fallback: str) -> str:
    """Only paths on this site: a form or link must not send the user elsewhere."""
    target = target or ""
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith(("//", "/\\")) \
            or any(c in target for c in "\t\r\n\\"):
        return fallback
    return target


def query_without(*drop: str) -> dict:
    """The query string for pager links, minus `drop` and anything url_for would take as an option."""
    return {k: v for k, v in request.args.items() if k not in drop and not k.startswith("_")}


def home_url() -> str:
    return url_for("staff.home")
