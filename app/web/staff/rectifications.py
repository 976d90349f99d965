"""Supervisors' rectification list (差评整改): due in 5 working days, closed with a result that
goes back to the applicant."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from app import clock
from app.auth import roles as R
from app.evaluation import complaints
from app.evaluation import service as evaluation
from app.evaluation.models import COMPLAINT_CHANNELS
from app.http.runtime import db_session
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


@bp.get("/complaints/manage")
@page(R.SUPERVISOR, R.ADMIN)
def complaint_list():
    rows = complaints.visible(db_session(), g.principal)
    return render_template("staff/complaints.html", rows=rows, now=clock.now(), complaint_channels=COMPLAINT_CHANNELS,
                           case_numbers=complaints.case_numbers(db_session(), rows))


@bp.post("/complaints/manage/<int(max=2147483647):complaint_id>")
@page(R.SUPERVISOR, R.ADMIN)
def complaint_answer(complaint_id: int):
    complaints.answer(db_session(), g.principal, complaint_id, request.form.get("answer", ""))
    flash("已答复投诉人")
    return redirect(url_for("rectifications.complaint_list"))
