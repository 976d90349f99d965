"""Supervisors' rectification list (差评整改): due in 5 working days, closed with a result that
goes back to the applicant."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from app import clock
from app.auth import roles as R
from app.errors import ValidationFailed
from app.evaluation import complaints
from app.evaluation import service as evaluation
from app.evaluation.models import COMPLAINT_CHANNELS
from app.http.runtime import db_session, settings
from app.web.pages import TEMPLATES, guard
from app.web.staff.signin import page

bp = Blueprint("rectifications", __name__, template_folder=TEMPLATES)
guard(bp)


@bp.get("/rectifications")
@page(R.SUPERVISOR, R.ADMIN)
def rectification_list():
    return render_template("staff/rectifications.html", rows=evaluation.open_rectifications(db_session(), g.principal),
                           now=clock.now())


@bp.post("/rectifications/<int(max=2147483647):rectification_id>")
@page(R.SUPERVISOR, R.ADMIN)
def rectification_close(rectification_id: int):
    evaluation.close(db_session(), g.principal, rectification_id, request.form.get("outcome", ""),
                     request.form.get("result", ""))
    flash("整改已办结，结果已告知申请人")
    return redirect(url_for("rectifications.rectification_list"))


# Channels a complaint taken by telephone comes by (the 登记电话投诉 form).
PHONE_CHANNELS = {c: COMPLAINT_CHANNELS[c] for c in complaints.TICKETED}


def _complaints_page(errors: dict | None = None, values=None, status: int = 200):
    answers = g.principal.has_role(R.SUPERVISOR, R.ADMIN)  # the others record, supervisors answer
    rows = complaints.visible(db_session(), g.principal) if answers else []
    return render_template("staff/complaints.html", rows=rows, now=clock.now(), complaint_channels=COMPLAINT_CHANNELS,
                           case_numbers=complaints.case_numbers(db_session(), rows), answers=answers,
                           phone_channels=PHONE_CHANNELS, ticket_label=complaints.ticket_label,
                           errors=errors or {}, values=values or {}), status


@bp.get("/complaints/manage")
@page(*complaints.RECORDING_ROLES, R.ADMIN)
def complaint_list():
    return _complaints_page()


@bp.post("/complaints/manage/new")
@page(*complaints.RECORDING_ROLES, R.ADMIN)
def complaint_record():
    """登记电话投诉: a complaint taken by phone or passed on by the 12345 hotline."""
    form = request.form
    channel = form.get("channel", "")
    try:
        if channel not in PHONE_CHANNELS:
            raise ValidationFailed("请选择投诉来源", {"channel": ["请选择电话或 12345 热线"]})
        row = complaints.record(db_session(), g.principal, channel=channel, name=form.get("name", ""),
                                phone=form.get("phone"), content=form.get("content", ""), settings=settings(),
                                case_no=form.get("case_no"), hotline_ticket=form.get("hotline_ticket"))
    except ValidationFailed as exc:
        return _complaints_page(exc.errors or {"": [exc.message]}, form, 422)
    flash(f"已登记投诉（{COMPLAINT_CHANNELS[row.channel]}），{complaints.ANSWER_DAYS} 个工作日内答复")
    return redirect(url_for("rectifications.complaint_list"))


@bp.post("/complaints/manage/<int(max=2147483647):complaint_id>")
@page(R.SUPERVISOR, R.ADMIN)
def complaint_answer(complaint_id: int):
    complaints.answer(db_session(), g.principal, complaint_id, request.form.get("answer", ""))
    flash("已答复投诉人")
    return redirect(url_for("rectifications.complaint_list"))
