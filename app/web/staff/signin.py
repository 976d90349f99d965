"""Staff sign-in for the pages (signed session cookie), the layout's navigation by role, and
the page guard. The REST API accepts the same session (with a CSRF header) so the pages' scripts
use the one API everyone uses."""
from functools import wraps

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from app.auth import roles as R
from app.auth import service as auth
from app.auth.principal import Principal
from app.errors import NotAuthenticated, TooManyRequests
from app.http.principal import remember, session_principal
from app.http.requests import safe_next
from app.http.runtime import db_session
from app.web.pages import TEMPLATES, guard

bp = Blueprint("staff", __name__, template_folder=TEMPLATES)

# What the navigation offers, and to whom (an empty set: every signed-in member of staff).
NAVIGATION = [
    ("inbox.inbox", "待办任务", set(R.HALL_ROLES)),
    ("intake_pages.intake", "收件登记", set(R.INTAKE_ROLES)),
    ("cases_pages.case_list", "办件查询", set(R.HALL_ROLES) | {R.ADMIN}),
    ("consultation_staff.consultation_list", "咨询", set(R.HALL_ROLES)),
    ("appointment_staff.day_list", "预约", set(R.HALL_ROLES)),
    ("process_pages.modeler", "流程建模", {R.DESIGNER, R.ADMIN}),
    ("process_pages.versions", "流程版本", {R.DESIGNER, R.ADMIN}),
    ("admin.user_list", "用户", {R.ADMIN}),
    ("admin.hall_list", "大厅", {R.ADMIN}),
    ("admin.calendar_page", "节假日", {R.ADMIN}),
    ("admin.incident_list", "故障", {R.ADMIN}),
    ("admin.running", "在办办件", {R.ADMIN}),
    ("tablet_admin.tablet_list", "评价器", {R.ADMIN}),
    ("board_pages.board_page", "运行看板", {R.SUPERVISOR, R.CHIEF_REPRESENTATIVE, R.ADMIN}),
    ("rectifications.rectification_list", "差评整改", {R.SUPERVISOR, R.ADMIN}),
    ("rectifications.complaint_list", "投诉处理", {R.FRONT_DESK, R.CHIEF_REPRESENTATIVE, R.SUPERVISOR, R.ADMIN}),
    ("contact_pages.flagged_list", "接触记录督查", {R.SUPERVISOR, R.ADMIN}),
    ("admin.statistics_page", "好差评统计", {R.SUPERVISOR, R.ADMIN}),
    ("catalog_admin.item_list", "事项管理", {R.DESIGNER, R.ADMIN}),
    ("policy_admin.manage", "政策文件", {R.DESIGNER, R.ADMIN}),
    ("guides.catalogue", "事项目录", set()),
]


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


guard(bp)


@bp.get("/login")
def login():
    return render_template("staff/login.html", next=request.args.get("next", ""), error=None)


@bp.post("/login")
def sign_in():
    try:
        user = auth.authenticate(db_session(), request.form.get("username", "").strip(), request.form.get("password", ""),
                                 request.remote_addr)
    except (NotAuthenticated, TooManyRequests) as exc:
        status = 429 if isinstance(exc, TooManyRequests) else 401
        return render_template("staff/login.html", next=request.form.get("next", ""), error=exc.message), status
    session.clear()  # a new session on sign-in: nothing carried over from before
    remember(user)
    target = request.form.get("next")
    principal = Principal.of(user)
    if not target and not principal.has_role(*R.HALL_ROLES):
        target = url_for("admin.running" if principal.is_admin else
                         "process_pages.modeler" if principal.has_role(R.DESIGNER) else "guides.catalogue")
    return redirect(safe_next(target, url_for("staff.home")))


@bp.post("/logout")
def logout():
    """Sign out everywhere: the user's token version moves on, so a copied cookie or an API
    token issued before stops working too."""
    principal = session_principal()
    if principal is not None:
        auth.sign_out_everywhere(db_session(), principal.user_id)
    session.clear()
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
