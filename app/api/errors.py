"""Every error leaves the API as {"code", "status", "message", "errors"} JSON."""
import logging
from http import HTTPStatus

from flask import jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from app import errors as E

log = logging.getLogger(__name__)

STATUS_OF = [
    (E.NotAuthenticated, 401),
    (E.PermissionDenied, 403),
    (E.NotFound, 404),
    (E.Conflict, 409),
    (E.TooLarge, 413),
    (E.TooManyRequests, 429),
    (E.Unavailable, 503),
    (E.StorageFull, 507),
    (E.ValidationFailed, 422),
    (E.ProcessFailure, 422),
]
_DEFAULT_MESSAGES = {
    400: "请求格式不正确", 401: "需要登录（Authorization: Bearer <token>）", 403: "没有权限",
    404: "资源不存在", 405: "不支持该请求方法", 409: "与当前状态冲突", 413: "请求内容过大", 429: "请求过于频繁",
    415: "不支持的内容类型", 422: "数据校验未通过", 500: "服务器内部错误，请联系管理员",
}


def body(status: int, message: str | None = None, errors: dict | None = None, **extra):
    payload = {
        "code": status,
        "status": HTTPStatus(status).phrase,
        "message": message or _DEFAULT_MESSAGES.get(status, HTTPStatus(status).phrase),
        "errors": errors or {},
    }
    payload.update(extra)
    response = jsonify(payload)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="onewindow"'
    return response


def _flatten(messages, prefix="") -> dict:
    """webargs nests errors by location and field; clients want {"applicant.id_number": [...]}."""
    flat = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                flat.update(_flatten(value, name))
            else:
                flat[name] = value if isinstance(value, list) else [value]
    return flat


def _domain_error(exc: E.DomainError):
    status = next(code for cls, code in STATUS_OF if isinstance(exc, cls)) \
        if any(isinstance(exc, cls) for cls, _ in STATUS_OF) else 400
    extra = {k: v for k, v in exc.extra.items() if k not in ("detail",)}
    if isinstance(exc, E.DeploymentRejected):
        extra["problems"] = exc.problems
    response = body(status, exc.message, exc.errors, **extra)
    if isinstance(exc, E.TooManyRequests | E.Unavailable):
        response.headers["Retry-After"] = str(exc.extra.get("retry_after", 60))
    return response


def _is_page() -> bool:
    """A browser asking for a page gets an error page; everything else JSON."""
    return not request.path.startswith("/api/") and "text/html" in request.headers.get("Accept", "text/html")


def _http_error(exc: HTTPException):
    status = exc.code or 500
    if _is_page():
        message = _DEFAULT_MESSAGES.get(status) or exc.description
        return render_template("guides/error.html", message=message, status=status), status
    errors = {}
    data = getattr(exc, "data", None) or {}
    if "messages" in data:  # webargs validation (422) or parsing (400)
        messages = data["messages"]
        # strip the location level ("json", "query", "files"…)
        for location_errors in messages.values():
            errors.update(_flatten(location_errors))
        message = "数据校验未通过：" + "；".join(f"{k}: {v[0]}" for k, v in errors.items())
        return body(status, message, errors)
    message = _DEFAULT_MESSAGES.get(status) or exc.description
    return body(status, message)


def _too_deep(exc: RecursionError):
    return body(400, "请求内容嵌套过深")


def _unexpected(exc: Exception):
    log.exception("unhandled error")
    return body(500)


def register(app) -> None:
    app.register_error_handler(E.DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(RecursionError, _too_deep)
    app.register_error_handler(Exception, _unexpected)


# -- 405 says what the resource allows (RFC 9110: Allow), for the API and the pages alike. --------

def _method_not_allowed(exc: MethodNotAllowed):
    response = make_response(_http_error(exc))
    response.headers["Allow"] = ", ".join(sorted(exc.valid_methods or ()))
    return response


def register_method_not_allowed(app) -> None:
    app.register_error_handler(MethodNotAllowed, _method_not_allowed)
