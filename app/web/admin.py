"""Administration pages: users and their roles per hall, halls, the holiday calendar, timer
incidents, and running cases per process version."""
from calendar import monthrange
from datetime import date

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from app import clock
from app.auth import halls as hall_service
from app.auth import roles as R
from app.auth import users
from app.auth.hallnames import LEVELS
from app.auth.models import Hall, User
from app.calendar import service as calendar
from app.cases.models import CLOSED_STATUSES, STATUS_LABELS, Case
from app.database import unit_of_work
from app.errors import DomainError
from app.extensions import db
from app.processes.models import ProcessDefinition
from app.timers import incidents
from app.web.pages import form_int, guard, int_arg
from app.web.staff import page, remember

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


guard(bp)


def _done(message: str, endpoint: str, **values):
    flash(message)
    return redirect(url_for(endpoint, **values))


def _failed(exc: DomainError, title: str):
    details = "；".join(f"{k}：{v[0]}" for k, v in (exc.errors or {}).items())
    return render_template("staff/message.html", title=title, message=exc.message + (f"（{details}）" if details else "")), 422


@bp.get("/users")
@page(R.ADMIN)
def user_list():
    halls = list(db.session.scalars(select(Hall).order_by(Hall.code)))
    return render_template("staff/admin_users.html", users=users.list_all(db.session), halls=halls,
                           hall_names={h.id: h.name for h in halls})


@bp.post("/users")
@page(R.ADMIN)
def user_create():
    f = request.form
    try:
        with unit_of_work(db.session):
            users.create(db.session, f.get("username", "").strip(), f.get("display_name", ""), f.get("password", ""),
                         f.get("role", ""), f.get("hall") or None)
    except DomainError as exc:
        return _failed(exc, "用户未创建")
    return _done(f"已创建用户 {f.get('username')}", "admin.user_list")


@bp.post("/users/<string:username>/<any(grant, revoke, activate, deactivate):action>")
@page(R.ADMIN)
def user_action(username: str, action: str):
    me = db.session.get(User, g.principal.user_id)
    grant_id = request.form.get("grant_id") or ""
    try:
        with unit_of_work(db.session):
            user = users.get(db.session, username)
            if action == "grant":
                users.grant(db.session, user, request.form.get("role", ""), request.form.get("hall") or None)
            elif action == "revoke":
                users.revoke(db.session, user, form_int(grant_id), me)
            else:
                users.set_active(db.session, user, action == "activate", me)
    except DomainError as exc:
        return _failed(exc, "操作未完成")
    if user.id == me.id:  # changing one's own roles must not sign oneself out
        remember(user)
    return _done(f"已更新用户 {username}", "admin.user_list")


@bp.post("/users/<string:username>/contact")
@page(R.ADMIN)
def user_contact(username: str):
    """E-mail and mobile for the user's own deadline warnings (e.g. policies due for publication)."""
    try:
        with unit_of_work(db.session):
            users.set_contact(db.session, users.get(db.session, username), request.form.get("email"),
                              request.form.get("phone"))
    except DomainError as exc:
        return _failed(exc, "联系方式未保存")
    return _done(f"已更新用户 {username} 的联系方式", "admin.user_list")


@bp.get("/halls")
@page(R.ADMIN)
def hall_list():
    return render_template("staff/admin_halls.html", tree=hall_service.tree(db.session), levels=LEVELS,
                           halls=list(db.session.scalars(select(Hall).order_by(Hall.code))))


@bp.post("/halls")
@page(R.ADMIN)
def hall_create():
    f = request.form
    try:
        with unit_of_work(db.session):
            hall_service.create(db.session, f.get("code", "").strip(), f.get("name", ""), f.get("level", ""),
                                f.get("parent") or None)
    except DomainError as exc:
        return _failed(exc, "大厅未创建")
    return _done(f"已创建大厅 {f.get('name')}", "admin.hall_list")


@bp.get("/calendar")
@page(R.ADMIN)
def calendar_page():
    year = int_arg("year", clock.today().year, lo=2000, hi=2100)
    view = calendar.year_view(db.session, year)
    by_day = {d["date"]: d for d in view["days"]}
    months = []
    for month in range(1, 13):
        first = date(year, month, 1)
        cells = [None] * first.weekday() + [by_day[date(year, month, d)] for d in range(1, monthrange(year, month)[1] + 1)]
        months.append((month, cells))
    return render_template("staff/admin_calendar.html", year=year, official=view["official"], months=months)


@bp.get("/incidents")
@page(R.ADMIN)
def incident_list():
    return render_template("staff/admin_incidents.html",
                           jobs=incidents.list_incidents(db.session, request.args.get("all") == "1"))


@bp.post("/incidents/<int(max=2147483647):job_id>/<any(retry, resolve):action>")
@page(R.ADMIN)
def incident_action(job_id: int, action: str):
    try:
        if action == "retry":
            incidents.retry(db.session, job_id, g.principal.username)
        else:
            incidents.resolve(db.session, job_id, request.form.get("resolution", ""), g.principal.username)
    except DomainError as exc:
        return _failed(exc, "操作未完成")
    return _done("已重试：定时任务将立即执行" if action == "retry" else "已处理", "admin.incident_list")


@bp.get("/running")
@page(R.ADMIN)
def running():
    """Running cases per process version, with filters."""
    key = request.args.get("key") or None
    version = int_arg("version", 0, lo=0) or None
    status = request.args.get("status") if request.args.get("status") in STATUS_LABELS else None
    counts = db.session.execute(
        select(ProcessDefinition.key, ProcessDefinition.version, func.count(Case.id))
        .join(Case, Case.definition_id == ProcessDefinition.id)
        .where(Case.status.notin_(CLOSED_STATUSES)).group_by(ProcessDefinition.key, ProcessDefinition.version)
        .order_by(ProcessDefinition.key, ProcessDefinition.version)).all()
    stmt = (select(Case).join(ProcessDefinition, Case.definition_id == ProcessDefinition.id)
            .where(Case.status.notin_(CLOSED_STATUSES)))
    if key:
        stmt = stmt.where(ProcessDefinition.key == key)
    if version:
        stmt = stmt.where(ProcessDefinition.version == version)
    if status:
        stmt = stmt.where(Case.status == status)
    rows = list(db.session.scalars(stmt.order_by(Case.created_at.desc()).limit(200)))
    return render_template("staff/admin_running.html", counts=counts, cases=rows, key=key, version=version,
                           status=status, statuses={k: v for k, v in STATUS_LABELS.items() if k not in CLOSED_STATUSES})


@bp.get("/statistics")
@page(R.ADMIN, R.SUPERVISOR)
def statistics_page():
    """好差评 statistics per department, hall and item over an optional period (from/to), of
    the halls the reader supervises, with a chart of the levels."""
    from app.errors import ValidationFailed
    from app.evaluation import statistics

    values = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
    try:
        start, end = statistics.period(values["from"], values["to"])
    except ValidationFailed as exc:
        return render_template("staff/admin_statistics.html", stats=None, values=values, errors=exc.errors), 422
    stats = statistics.statistics(db.session, g.principal, start, end)
    return render_template("staff/admin_statistics.html", stats=stats, values=values, errors={})
