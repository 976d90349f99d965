"""Administration pages: users and their roles per hall, halls, the holiday calendar, timer
incidents, and running cases per process version."""
from calendar import monthrange
from datetime import date

from flask import Blueprint, g, render_template, request

from app import clock
from app.auth import halls as hall_service
from app.auth import roles as R
from app.auth import users
from app.auth.hallnames import LEVELS
from app.calendar import service as calendar
from app.cases import incidents
from app.cases import running as running_cases
from app.cases.models import CLOSED_STATUSES, STATUS_LABELS
from app.errors import ValidationFailed
from app.evaluation import statistics
from app.http.forms import form_action
from app.http.principal import remember
from app.http.requests import form_int, int_arg
from app.http.runtime import db_session
from app.processes import service as processes
from app.web.pages import TEMPLATES, guard
from app.web.staff.signin import page

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder=TEMPLATES)


guard(bp)


@bp.get("/users")
@page(R.ADMIN)
def user_list():
    halls = hall_service.all_halls(db_session())
    return render_template("staff/admin_users.html", users=users.list_all(db_session()), halls=halls,
                           hall_names={h.id: h.name for h in halls}, now=clock.now())


@bp.post("/users")
@page(R.ADMIN)
def user_create():
    f = request.form
    return form_action(lambda: users.create(db_session(), f.get("username", "").strip(), f.get("display_name", ""),
                                            f.get("password", ""), f.get("role", ""), f.get("hall") or None),
                       done=f"已创建用户 {f.get('username')}", back="admin.user_list", failed="用户未创建")


@bp.post("/users/<string:username>/<any(grant, revoke, activate, deactivate, unlock):action>")
@page(R.ADMIN)
def user_action(username: str, action: str):
    f = request.form

    def stay_signed_in(user) -> None:
        if user.id == g.principal.user_id:  # changing one's own roles must not sign oneself out
            remember(user)

    return form_action(lambda: users.change(db_session(), username, action, g.principal.user_id,
                                            role=f.get("role", ""), hall_code=f.get("hall") or None,
                                            grant_id=form_int(f.get("grant_id"))),
                       done=f"已更新用户 {username}", back="admin.user_list", failed="操作未完成", then=stay_signed_in)


@bp.post("/users/<string:username>/contact")
@page(R.ADMIN)
def user_contact(username: str):
    """E-mail and mobile for the user's own deadline warnings (e.g. policies due for publication)."""
    return form_action(lambda: users.set_contact(db_session(), username, request.form.get("email"),
                                                 request.form.get("phone")),
                       done=f"已更新用户 {username} 的联系方式", back="admin.user_list", failed="联系方式未保存")


@bp.get("/halls")
@page(R.ADMIN)
def hall_list():
    return render_template("staff/admin_halls.html", tree=hall_service.tree(db_session()), levels=LEVELS,
                           halls=hall_service.all_halls(db_session()))


@bp.post("/halls")
@page(R.ADMIN)
def hall_create():
    f = request.form
    return form_action(lambda: hall_service.create(db_session(), f.get("code", "").strip(), f.get("name", ""),
                                                   f.get("level", ""), f.get("parent") or None),
                       done=f"已创建大厅 {f.get('name')}", back="admin.hall_list", failed="大厅未创建")


@bp.get("/calendar")
@page(R.ADMIN)
def calendar_page():
    year = int_arg("year", clock.today().year, lo=2000, hi=2100)
    view = calendar.year_view(db_session(), year)
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
                           jobs=incidents.list_incidents(db_session(), request.args.get("all") == "1"))


@bp.post("/incidents/<int(max=2147483647):job_id>/<any(retry, resolve):action>")
@page(R.ADMIN)
def incident_action(job_id: int, action: str):
    if action == "retry":
        return form_action(lambda: incidents.retry(db_session(), job_id, g.principal.username),
                           done="已重试：定时任务将立即执行", back="admin.incident_list", failed="操作未完成")
    return form_action(lambda: incidents.resolve(db_session(), job_id, request.form.get("resolution", ""),
                                                 g.principal.username),
                       done="已处理", back="admin.incident_list", failed="操作未完成")


@bp.get("/running")
@page(R.ADMIN)
def running():
    """Running cases per process version, with filters."""
    key = request.args.get("key") or None
    version = int_arg("version", 0, lo=0) or None
    status = request.args.get("status") if request.args.get("status") in STATUS_LABELS else None
    counts = running_cases.counts_by_version(db_session())
    rows = running_cases.listing(db_session(), key=key, version=version, status=status)
    names = {d.key: d.name for d in processes.list_versions(db_session()) if d.name}
    return render_template("staff/admin_running.html", counts=counts, cases=rows, key=key, version=version, names=names,
                           status=status, statuses={k: v for k, v in STATUS_LABELS.items() if k not in CLOSED_STATUSES})


@bp.get("/statistics")
@page(R.ADMIN, R.SUPERVISOR)
def statistics_page():
    """好差评 statistics per department, hall and item over an optional period (from/to), of
    the halls the reader supervises, with a chart of the levels."""
    values = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
    try:
        start, end = statistics.period(values["from"], values["to"])
    except ValidationFailed as exc:
        return render_template("staff/admin_statistics.html", stats=None, values=values, errors=exc.errors), 422
    stats = statistics.statistics(db_session(), g.principal, start, end)
    return render_template("staff/admin_statistics.html", stats=stats, values=values, errors={})
