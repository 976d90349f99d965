"""The staff's consultation list (咨询): record, take, answer, publish to the guide's FAQ; red when
unanswered after one working day; statistics for supervisors."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from app import clock
from app.auth import halls, users
from app.auth import roles as R
from app.consultations import service as consultations
from app.consultations.models import CHANNELS
from app.http.runtime import db_session, settings
from app.web.pages import TEMPLATES, guard
from app.web.staff.signin import page

bp = Blueprint("consultation_staff", __name__, template_folder=TEMPLATES)
guard(bp)


@bp.get("/consultations")
@page(*R.HALL_ROLES)
def consultation_list():
    wanted = request.args.get("scope") or ""
    scope = wanted if wanted in ("mine", "pool", "all") else "mine"
    rows = consultations.listing(db_session(), g.principal, scope=scope)
    stats = consultations.statistics(db_session(), g.principal) if g.principal.has_role(R.SUPERVISOR, R.ADMIN) else None
    people = {r.first_responder for r in rows} | {r.answered_by for r in rows}
    return render_template("staff/consultations.html", rows=rows, scope=scope, now=clock.now(), stats=stats,
                           names=users.display_names(db_session(), people),
                           channels=CHANNELS, overdue=consultations.overdue,
                           halls=_my_halls(), pool=len(consultations.listing(db_session(), g.principal, scope="pool")))


def _my_halls():
    # the halls one records a question for: where one works (an administrator too)
    return halls.halls_of(db_session(), g.principal, *R.HALL_ROLES, admin_everywhere=False)


@bp.post("/consultations")
@page(*R.HALL_ROLES)
def consultation_record():
    form = request.form
    consultations.record(db_session(), g.principal, channel=form.get("channel", ""), question=form.get("question", ""),
                         item_code=form.get("item_code") or None, hall_code=form.get("hall", ""),
                         name=form.get("name"), phone=form.get("phone"), email=form.get("email"),
                         answer=form.get("answer"), public=form.get("public") == "1", settings=settings())
    flash("咨询已登记，您是首问负责人")
    return redirect(url_for("consultation_staff.consultation_list"))


@bp.post("/consultations/<int(max=2147483647):consultation_id>/<any(take, answer):action>")
@page(*R.HALL_ROLES)
def consultation_act(consultation_id: int, action: str):
    if action == "take":
        consultations.take(db_session(), g.principal, consultation_id)
        flash("已接手，请在 1 个工作日内答复")
    else:
        consultations.answer(db_session(), g.principal, consultation_id, request.form.get("answer", ""),
                             request.form.get("public") == "1")
        flash("已答复" + ("，并公开到办事指南常见问题" if request.form.get("public") == "1" else ""))
    return redirect(url_for("consultation_staff.consultation_list"))
