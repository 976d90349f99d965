"""Staff sign-in for the pages (signed session cookie), the layout's navigation by role, and
the page guard. The REST API accepts the same session (with a CSRF header) so the pages' scripts
use the one API everyone uses."""
from functools import wraps
from urllib.parse import urlparse

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from app.auth import roles as R
from app.auth import service as auth
from app.auth.models import User
from app.auth.principal import Principal
from app.errors import NotAuthenticated
from app.extensions import csrf, db

bp = Blueprint("staff", __name__, template_folder="templates")

# What the navigation offers, and to whom (an empty set: every signed-in member of staff).
NAVIGATION = [
    ("inbox.inbox", "待办任务", set(R.HALL_ROLES)),
    ("cases_pages.case_list", "办件查询", set(R.HALL_ROLES) | {R.ADMIN}),
    ("process_pages.modeler", "流程建模", {R.DESIGNER, R.ADMIN}),
    ("process_pages.versions", "流程版本", {R.DESIGNER, R.ADMIN}),
    ("admin.user_list", "用户", {R.ADMIN}),
    ("admin.hall_list", "大厅", {R.ADMIN}),
    ("admin.calendar_page", "节假日", {R.ADMIN}),
    ("admin.incident_list", "故障", {R.ADMIN}),
    ("admin.running", "在办办件", {R.ADMIN}),
    ("guides.catalogue", "事项目录", set()),
]


def session_principal() -> Principal | None:
    ident = session.get("staff")
    if not ident:
        return None
    user = db.session.get(User, ident.get("id"))
    if user is None or not user.active or user.token_version != ident.get("v"):
        session.pop("staff", None)
        return None
    return Principal.of(user)


def navigation(principal: Principal) -> list[tuple[str, str]]:
    roles = principal.roles()
    return [(endpoint, label) for endpoint, label, allowed in NAVIGATION if not allowed or roles & allowed]


def page(*roles: str):
    """Guard a page: signed in (else to the login page) and holding one of `roles`."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            principal = session_principal()
            if principal is None:
                return redirect(url_for("staff.login", next=request.full_path))
            if roles and not principal.has_role(*roles):
                return render_template("staff/message.html", principal=principal, title="没有权限",
                                       message="您的角色不能使用此页面。"), 403
            g.principal = principal
            return view(*args, **kwargs)
        return wrapper
    return decorate


@bp.before_request
def _csrf():
    csrf.protect()


def _safe_next(target: str | None) -> str:
    parsed = urlparse(target or "")
    if parsed.scheme or parsed.netloc or not (target or "").startswith("/") or target.startswith("//"):
        return url_for("inbox.inbox")
    return target


@bp.get("/login")
def login():
    return render_template("staff/login.html", next=request.args.get("next", ""), error=None)


@bp.post("/login")
def sign_in():
    try:
        user = auth.authenticate(db.session, request.form.get("username", "").strip(), request.form.get("password", ""))
    except NotAuthenticated as exc:
        return render_template("staff/login.html", next=request.form.get("next", ""), error=exc.message), 401
    session.clear()
    session["staff"] = {"id": user.id, "v": user.token_version}
    target = request.form.get("next")
    principal = Principal.of(user)
    if not target and not principal.has_role(*R.HALL_ROLES):
        target = url_for("admin.running" if principal.is_admin else
                         "process_pages.modeler" if principal.has_role(R.DESIGNER) else "guides.catalogue")
    return redirect(_safe_next(target))


@bp.post("/logout")
def logout():
    session.pop("staff", None)
    return redirect(url_for("staff.login"))


@bp.app_context_processor
def _layout():
    principal = g.get("principal")
    return {"principal": principal, "navigation": navigation(principal) if principal else [],
            "role_labels": R.ROLE_LABELS}


@bp.get("/")
def home():
    """Staff to their inbox, everyone else to the public catalogue."""
    principal = session_principal()
    if principal is None:
        return redirect(url_for("guides.catalogue"))
    if principal.has_role(*R.HALL_ROLES):
        return redirect(url_for("inbox.inbox"))
    return redirect(url_for("admin.running" if principal.is_admin else "process_pages.modeler"))
