"""评价器 for staff: administrators register the rating tablets of each hall's windows and read
their one-time pairing codes (/admin/tablets); a clerk sends a case to one of the hall's
tablets for the applicant to rate (请申请人评价), after a window pickup (the inbox's line
about it) or from the dossier. The tablet's own page: app/web/public/tablet.py."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from app.auth import halls as hall_service
from app.auth import roles as R
from app.cases.models import Case
from app.cases.tasks import Task
from app.documents.delivery import DELIVERY_FORM
from app.errors import Conflict, DomainError, NotFound, PermissionDenied
from app.evaluation import offers, tablets
from app.evaluation.models import CHANNELS, LEVELS
from app.http.forms import form_action
from app.http.requests import form_int, safe_next
from app.http.runtime import db_session, settings
from app.web.pages import TEMPLATES, guard
from app.web.staff.signin import page

bp = Blueprint("tablet_admin", __name__, template_folder=TEMPLATES)
guard(bp)


def _page(new: tuple[tablets.RatingTablet, str] | None = None, status: int = 200):
    rows = tablets.listing(db_session(), g.principal)
    return render_template("staff/admin_tablets.html", tablets=rows, halls=hall_service.all_halls(db_session()),
                           new=new, minutes=int(tablets.RULES.code_ttl.total_seconds() // 60)), status


@bp.get("/admin/tablets")
@page(R.ADMIN)
def tablet_list():
    return _page()


def _refused(exc: DomainError, title: str):
    details = "；".join(v[0] for v in (exc.errors or {}).values() if v and v[0] != exc.message)
    status = next((code for kind, code in ((NotFound, 404), (PermissionDenied, 403), (Conflict, 409))
                   if isinstance(exc, kind)), 422)
    return render_template("staff/message.html", title=title,
                           message=exc.message + (f"（{details}）" if details else "")), status


@bp.post("/admin/tablets")
@page(R.ADMIN)
def tablet_register():
    """登记评价器: the page answers with the pairing code (shown this once, never stored)."""
    try:
        new = tablets.register(db_session(), g.principal, request.form.get("hall", ""), request.form.get("window", ""),
                               settings().secret)
    except DomainError as exc:
        return _refused(exc, "评价器未登记")
    return _page(new, 201)


@bp.post("/admin/tablets/<int(max=2147483647):tablet_id>/code")
@page(R.ADMIN)
def tablet_code(tablet_id: int):
    """A new pairing code (a new device, or the first code ran out)."""
    try:
        new = tablets.new_code(db_session(), g.principal, tablet_id, settings().secret)
    except DomainError as exc:
        return _refused(exc, "未能生成配对码")
    return _page(new)


@bp.post("/admin/tablets/<int(max=2147483647):tablet_id>/revoke")
@page(R.ADMIN)
def tablet_revoke(tablet_id: int):
    return form_action(lambda: tablets.revoke(db_session(), g.principal, tablet_id),
                       done="已停用评价器：该设备须重新配对后才能使用", back="tablet_admin.tablet_list", failed="未能停用")


@bp.post("/cases/<int(max=2147483647):case_id>/rating-offer")
@page(*R.HALL_ROLES)
def rating_offer(case_id: int):
    """请申请人评价: the case goes to the chosen tablet of its hall for 15 minutes."""
    try:
        row = offers.offer(db_session(), g.principal, case_id, form_int(request.form.get("tablet")))
    except DomainError as exc:
        return _refused(exc, "未能发起评价")
    tablet = db_session().get(tablets.RatingTablet, row.tablet_id)
    flash(f"已发送到评价器（{tablet.window if tablet else ''}），请申请人在评价器上评价")
    return redirect(safe_next(request.form.get("back"), url_for("cases_pages.dossier", case_id=case_id)))


def dossier_context(case: Case) -> dict:
    """The dossier's 评价 block: the case's ratings, and where the clerk may send it to be rated
    (a finished case of the clerk's own hall, not rated on this visit yet)."""
    principal = g.principal
    offerable = case.closed and principal.works_in(case.hall_id) and not offers.rated_this_visit(db_session(), case.id)
    return {"ratings": offers.ratings_of(db_session(), case.id), "rating_levels": LEVELS, "rating_channels": CHANNELS,
            "rating_tablets": tablets.of_hall(db_session(), case.hall_id) if offerable else []}


def after_delivery(task: Task) -> list[tablets.RatingTablet]:
    """The hall's tablets, when the clerk's last completion handed the result over at the window
    (the applicant stands there: time to ask for a rating)."""
    if task.form_key != DELIVERY_FORM or (task.data or {}).get("delivery_method") != "window_pickup":
        return []
    if not g.principal.works_in(task.hall_id) or offers.rated_this_visit(db_session(), task.case_id):
        return []
    return tablets.of_hall(db_session(), task.hall_id)
