"""预约 pages for staff: the day's bookings at the front desk with check-in (which receives the
application) and cancel, booking for a phone call or a visitor, publishing slots."""
from datetime import date

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from app import clock
from app.appointments import service as appointments
from app.appointments.models import CHANNELS
from app.auth import halls
from app.auth import roles as R
from app.catalog import guides
from app.errors import ValidationFailed
from app.http.requests import form_int
from app.http.runtime import db_session, runtime
from app.web.pages import TEMPLATES, guard
from app.web.staff.signin import page

bp = Blueprint("appointment_staff", __name__, template_folder=TEMPLATES)
guard(bp)


def _today() -> date:
    return clock.today()


def _date_arg(name: str, default: date | None) -> date | None:
    try:
        return date.fromisoformat(request.values.get(name) or "") if request.values.get(name) else default
    except ValueError:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD", {name: ["日期格式应为 YYYY-MM-DD"]}) from None


@bp.get("/appointments")
@page(*R.HALL_ROLES)
def day_list():
    day = _date_arg("day", None) or _today()
    rows = appointments.of_day(db_session(), g.principal, day)
    materials = {}
    for row in rows:
        if row.item_id not in materials:
            guide = guides.published_of(db_session(), row.item)
            materials[row.item_id] = [m for m in guide.materials if m.requirement != "exempt"] if guide else []
    return render_template("staff/appointments.html", rows=rows, day=day, today=_today(),
                           state_label=appointments.state_label,
                           channels=CHANNELS, materials=materials,
                           may_publish=g.principal.has_role(*appointments.MANAGERS, R.ADMIN),
                           halls=_my_halls(), item_code=request.args.get("item_code", ""),
                           slots=_bookable(request.args.get("item_code")))


def _my_halls():
    return halls.halls_of(db_session(), g.principal, *R.HALL_ROLES, receiving_only=True)


def _bookable(item_code: str | None):
    if not item_code:
        return []
    mine = {h.id for h in _my_halls()}
    try:
        return [s for s in appointments.open_slots(db_session(), item_code.strip()) if s.hall_id in mine]
    except ValidationFailed:
        return []


@bp.post("/appointments/<int(max=2147483647):appointment_id>/check-in")
@page(R.FRONT_DESK, R.CHIEF_REPRESENTATIVE, R.ADMIN)
def check_in(appointment_id: int):
    case = appointments.check_in(db_session(), g.principal, appointment_id, materials=request.form.getlist("materials"),
                                 data={}, runtime=runtime())
    flash(f"已签到并收件，办件编号 {case.case_no}")
    return redirect(url_for("cases_pages.dossier", case_id=case.id))


@bp.post("/appointments/<int(max=2147483647):appointment_id>/cancel")
@page(*R.HALL_ROLES)
def cancel(appointment_id: int):
    row = appointments.staff_get(db_session(), g.principal, appointment_id)
    appointments.cancel(db_session(), row, g.principal.username)
    flash(f"预约 {row.booking_no} 已取消")
    return redirect(url_for("appointment_staff.day_list", day=row.day.isoformat()))


@bp.post("/appointments/book")
@page(*R.HALL_ROLES)
def book_for():
    form = request.form
    if form.get("channel") not in ("phone", "on_site"):  # online bookings are the applicant's own
        raise ValidationFailed("请选择电话预约或现场预约", {"channel": ["phone 或 on_site"]})
    slot = appointments.slot_for_staff(db_session(), g.principal, form_int(form.get("slot_id")))
    row = appointments.book(db_session(), slot_id=slot.id, item_code=form.get("item_code", ""),
                            applicant={"name": form.get("name"), "id_type": form.get("id_type"),
                                       "id_number": form.get("id_number"), "phone": form.get("phone")},
                            channel=form.get("channel", ""), booked_by=g.principal.username)
    flash(f"已预约，预约号 {row.booking_no}（已短信告知申请人）")
    return redirect(url_for("appointment_staff.day_list", day=row.day.isoformat()))


@bp.post("/appointments/slots")
@page(*appointments.MANAGERS, R.ADMIN)
def publish():
    form = request.form
    result = appointments.publish_slots(
        db_session(), g.principal, hall_code=form.get("hall", ""), item_code=form.get("item_code") or None,
        window_group=form.get("window_group") or None, date_from=_date_arg("date_from", None) or _today(),
        date_to=_date_arg("date_to", None) or _today(),
        times=[t.strip() for t in (form.get("times") or "").replace("，", ",").split(",") if t.strip()],
        capacity=form_int(form.get("capacity")))
    flash(f"已发布 {result['created']} 个时段（{result['working_days']} 个工作日，节假日已跳过）")
    return redirect(url_for("appointment_staff.day_list"))
