"""Authentication of every /api/v1 call (a bearer token, or the staff page's session with a
CSRF header for our own pages' scripts) and role checks for views."""
from functools import wraps

from flask import g, request

from app.applicants import signin
from app.auth import service as auth
from app.auth.principal import Principal
from app.auth.roles import ROLE_LABELS
from app.errors import NotAuthenticated, PermissionDenied
from app.extensions import csrf
from app.http.principal import session_principal
from app.http.runtime import db_session, settings

API_PREFIX = "/api/v1/"
# Endpoints reachable without a token (everything else under /api/v1 needs one).
PUBLIC_ENDPOINTS = {"auth.Token", "api-docs.openapi_json", "applicant.Codes", "applicant.Session"}
# Reads anyone may make (art. 8: guides are public); other methods of these views need a token.
PUBLIC_READS = {("catalog.Items", "GET"), ("catalog.Item", "GET"), ("appointments.Slots", "GET"),
                ("public_policies.PublicPolicies", "GET"), ("public_policies.PublicPolicy", "GET")}
# Blueprints of the applicant API: applicant tokens work here and nowhere else.
APPLICANT_BLUEPRINTS = {"applicant", "applicant_appointments"}


def authenticate_request() -> None:
    """before_request hook: default-deny for the API. Staff tokens open the staff API, applicant
    tokens only the applicant API (/api/v1/applicant)."""
    if not request.path.startswith(API_PREFIX) or request.endpoint is None:
        return
    if (request.endpoint in PUBLIC_ENDPOINTS or (request.endpoint, request.method) in PUBLIC_READS
            or request.method == "OPTIONS"):
        return
    header = request.headers.get("Authorization", "")
    if not header and request.blueprint not in APPLICANT_BLUEPRINTS and _same_origin():
        # The staff pages' scripts call the API with the page's session; a state-changing call
        # must carry the page's CSRF token (X-CSRFToken header).
        found = session_principal()
        if found is not None:
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                csrf.protect()
            g.principal = found
            return
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("需要登录：请在 Authorization 头中提供 Bearer 令牌")
    secret, max_age = settings().secret, settings().token_max_age
    if request.blueprint in APPLICANT_BLUEPRINTS:
        g.account = signin.account_from_token(db_session(), token.strip(), secret, max_age)
        g.applicant_session = signin.session_of_token(token.strip(), secret)
        if g.account is None:
            raise NotAuthenticated("请使用申请人登录令牌（手机号 + 验证码登录）")
        return
    g.principal = auth.principal_from_token(db_session(), token.strip(), secret, max_age)


def _same_origin() -> bool:
    """A browser says where a request comes from: the session cookie counts only for requests
    from our own pages (a link on another site must not act, even by a GET that records)."""
    return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")


def principal() -> Principal:
    current = g.get("principal")
    if current is None:
        raise NotAuthenticated("需要登录")
    return current


def require_roles(*roles: str):
    """Allow the view only to holders of one of `roles` (in any hall)."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not principal().has_role(*roles):
                raise PermissionDenied("没有权限：需要以下角色之一：" + "、".join(ROLE_LABELS.get(r, r) for r in roles))
            return view(*args, **kwargs)
        return wrapper
    return decorate
