"""预约 for applicants signed in by phone: book a slot from a guide, see and cancel their bookings."""
from datetime import date

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from app import clock
from app.applicants import identity
from app.appointments import service as appointments
from app.catalog import service as catalog
from app.errors import DomainError, ValidationFailed
from app.http.requests import form_int
from app.http.runtime import db_session
from app.web.applicant.portal import load_account, signed_in
from app.web.pages import TEMPLATES, guard

bp = Blueprint("booking", __name__, template_folder=TEMPLATES)
guard(bp, template="my/message.html")
bp.before_request(load_account)


def _group(slots) -> list[tuple[date, list]]:
    days: dict = {}
    for slot in slots:
        days.setdefault(slot.day, []).append(slot)
    return sorted(days.items())


@bp.route("/guides/<string:code>/book", methods=["GET", "POST"])
def book(code: str):
    if (gate := signed_in()) is not None:
        return gate
    guide = catalog.published_guide(db_session(), code)
    if g.account.person is None:
        flash("请先登记本人姓名和身份证号，再预约")
        return redirect(url_for("my.home"))
    slots = appointments.open_slots(db_session(), code)
    context = {"guide": guide, "days": _group(slots), "identities": identity.identities(g.account), "errors": {}}
    if request.method == "GET":
        return render_template("my/book.html", **context)
    try:
        who = identity.acting_as(g.account, request.form.get("acting_for") or None)
        slot_id = form_int(request.form.get("slot_id"))
        if not slot_id:
            raise ValidationFailed("请选择预约时段", {"slot_id": ["请选择预约时段"]})
        row = appointments.book(db_session(), slot_id=slot_id, item_code=code,
                                applicant={"name": who.name, "id_type": who.id_type, "id_number": who.id_number,
                                           "phone": g.account.phone},
                                channel="online", booked_by=f"applicant:{g.account.phone}", account_id=g.account.id)
    except DomainError as exc:
        return render_template("my/book.html", **context | {"errors": exc.errors or {"": [exc.message]},
                                                             "message": exc.message}), 409 if "已约满" in exc.message else 422
    flash(f"预约成功，预约号 {row.booking_no}。请于 {row.day:%m月%d日} {row.slot.starts} 前携带身份证件到前台签到")
    return redirect(url_for("booking.mine"))


@bp.get("/my/appointments")
def mine():
    if (gate := signed_in()) is not None:
        return gate
    return render_template("my/appointments.html", rows=appointments.of_account(db_session(), g.account.id),
                           state_label=appointments.state_label, today=clock.today())


@bp.post("/my/appointments/<int(max=2147483647):appointment_id>/cancel")
def cancel_mine(appointment_id: int):
    if (gate := signed_in()) is not None:
        return gate
    appointments.cancel_own(db_session(), g.account.id, appointment_id, f"applicant:{g.account.phone}")
    flash("预约已取消")
    return redirect(url_for("booking.mine"))
