"""预约 pages. Applicants (signed in by phone): book a slot from a guide, see and cancel their
bookings. Staff: the day's bookings at the front desk with check-in (which receives the
application) and cancel, booking for a phone call or a visitor, publishing slots."""
from datetime import date

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from app import clock
from app.applicants import identity
from app.appointments import service as appointments
from app.appointments.models import CHANNELS, Appointment
from app.auth import roles as R
from app.cases.settings import CaseSettings
from app.catalog import guides
from app.catalog import service as catalog
from app.errors import DomainError, NotFound, ValidationFailed
from app.extensions import db
from app.web.applicant import _load_account, _signed_in
from app.web.pages import form_int, guard
from app.web.staff import page

applicant_bp = Blueprint("booking", __name__, template_folder="templates")
guard(applicant_bp, template="my/message.html")
applicant_bp.before_request(_load_account)
bp = Blueprint("appointment_staff", __name__, template_folder="templates")
guard(bp)


def _today() -> date:
    return clock.now().astimezone(clock.LOCAL_TZ).date()


def _date_arg(name: str, default: date | None) -> date | None:
    try:
        return date.fromisoformat(request.values.get(name) or "") if request.values.get(name) else default
    except ValueError:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD", {name: ["日期格式应为 YYYY-MM-DD"]}) from None


def _group(slots) -> list[tuple[date, list]]:
    days: dict = {}
    for slot in slots:
        days.setdefault(slot.day, []).append(slot)
    return sorted(days.items())


@applicant_bp.route("/guides/<string:code>/book", methods=["GET", "POST"])
def book(code: str):
    if (gate := _signed_in()) is not None:
        return gate
    guide = catalog.published_guide(db.session, code)
    if g.account.person is None:
        flash("请先登记本人姓名和身份证号，再预约")
        return redirect(url_for("my.home"))
    slots = appointments.open_slots(db.session, code)
    context = {"guide": guide, "days": _group(slots), "identities": identity.identities(g.account), "errors": {}}
    if request.method == "GET":
        return render_template("my/book.html", **context)
    try:
        who = identity.acting_as(g.account, request.form.get("acting_for") or None)
        slot_id = form_int(request.form.get("slot_id"))
        if not slot_id:
            raise ValidationFailed("请选择预约时段", {"slot_id": ["请选择预约时段"]})
        row = appointments.book(db.session, slot_id=slot_id, item_code=code,
                                applicant={"name": who.name, "id_type": who.id_type, "id_number": who.id_number,
                                           "phone": g.account.phone},
                                channel="online", booked_by=f"applicant:{g.account.phone}", account_id=g.account.id)
    except DomainError as exc:
        db.session.rollback()
        return render_template("my/book.html", **context | {"errors": exc.errors or {"": [exc.message]},
                                                             "message": exc.message}), 409 if "已约满" in exc.message else 422
    flash(f"预约成功，预约号 {row.booking_no}。请于 {row.day:%m月%d日} {row.slot.starts} 前携带身份证件到前台签到")
    return redirect(url_for("booking.mine"))


@applicant_bp.get("/my/appointments")
def mine():
    if (gate := _signed_in()) is not None:
        return gate
    return render_template("my/appointments.html", rows=appointments.of_account(db.session, g.account.id),
                           state_label=appointments.state_label, today=_today())


@applicant_bp.post("/my/appointments/<int(max=2147483647):appointment_id>/cancel")
def cancel_mine(appointment_id: int):
    if (gate := _signed_in()) is not None:
        return gate
    row = db.session.get(Appointment, appointment_id)
    if row is None or row.account_id != g.account.id:
        raise NotFound("预约不存在")
    appointments.cancel(db.session, row, f"applicant:{g.account.phone}")
    flash("预约已取消")
    return redirect(url_for("booking.mine"))


@bp.get("/appointments")
@page(*R.HALL_ROLES)
def day_list():
    day = _date_arg("day", _today())
    rows = appointments.of_day(db.session, g.principal, day)
    materials = {}
    for row in rows:
        if row.item_id not in materials:
            guide = guides.published_of(db.session, row.item)
            materials[row.item_id] = [m for m in guide.materials if m.requirement != "exempt"] if guide else []
    return render_template("staff/appointments.html", rows=rows, day=day, today=_today(),
                           state_label=appointments.state_label,
                           channels=CHANNELS, materials=materials,
                           may_publish=g.principal.has_role(*appointments.MANAGERS, R.ADMIN),
                           halls=_my_halls(), item_code=request.args.get("item_code", ""),
                           slots=_bookable(request.args.get("item_code")))


def _my_halls():
    from app.auth.models import Hall

    ids = g.principal.halls_for(*R.HALL_ROLES)
    query = db.session.query(Hall).filter(Hall.level != "community")
    return (query if g.principal.is_admin else query.filter(Hall.id.in_(ids or {-1}))).order_by(Hall.code).all()


def _bookable(item_code: str | None):
    if not item_code:
        return []
    halls = {h.id for h in _my_halls()}
    try:
        return [s for s in appointments.open_slots(db.session, item_code.strip()) if s.hall_id in halls]
    except ValidationFailed:
        return []


@bp.post("/appointments/<int(max=2147483647):appointment_id>/check-in")
@page(R.FRONT_DESK, R.CHIEF_REPRESENTATIVE, R.ADMIN)
def check_in(appointment_id: int):
    case = appointments.check_in(db.session, g.principal, appointment_id, materials=request.form.getlist("materials"),
                                 data={}, settings=CaseSettings.from_config(current_app.config))
    flash(f"已签到并收件，办件编号 {case.case_no}")
    return redirect(url_for("cases_pages.dossier", case_id=case.id))


@bp.post("/appointments/<int(max=2147483647):appointment_id>/cancel")
@page(*R.HALL_ROLES)
def cancel(appointment_id: int):
    row = appointments.staff_get(db.session, g.principal, appointment_id)
    appointments.cancel(db.session, row, g.principal.username)
    flash(f"预约 {row.booking_no} 已取消")
    return redirect(url_for("appointment_staff.day_list", day=row.day.isoformat()))


@bp.post("/appointments/book")
@page(*R.HALL_ROLES)
def book_for():
    form = request.form
    if form.get("channel") not in ("phone", "on_site"):  # online bookings are the applicant's own
        raise ValidationFailed("请选择电话预约或现场预约", {"channel": ["phone 或 on_site"]})
    slot = appointments.slot_for_staff(db.session, g.principal, form_int(form.get("slot_id")))
    row = appointments.book(db.session, slot_id=slot.id, item_code=form.get("item_code", ""),
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
        db.session, g.principal, hall_code=form.get("hall", ""), item_code=form.get("item_code") or None,
        window_group=form.get("window_group") or None, date_from=_date_arg("date_from", None) or _today(),
        date_to=_date_arg("date_to", None) or _today(),
        times=[t.strip() for t in (form.get("times") or "").replace("，", ",").split(",") if t.strip()],
        capacity=form_int(form.get("capacity")))
    flash(f"已发布 {result['created']} 个时段（{result['working_days']} 个工作日，节假日已跳过）")
    return redirect(url_for("appointment_staff.day_list"))
