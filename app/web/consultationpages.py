"""咨询 pages: the public question form of a guide (no sign-in; honeypot and a per-address
limit instead of a captcha) and the staff's consultation list (take, answer, publish to FAQ;
red when unanswered after one working day; statistics for supervisors)."""
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from app import clock
from app.applicants.signin import client_bucket
from app.auth import roles as R
from app.cases import intake
from app.catalog import service as catalog
from app.consultations import service as consultations
from app.consultations.models import CHANNELS
from app.errors import DomainError
from app.extensions import db
from app.web.pages import guard
from app.web.staff import page

public_bp = Blueprint("consultation_pages", __name__, template_folder="templates")
guard(public_bp, template="guides/error.html")
bp = Blueprint("consultation_staff", __name__, template_folder="templates")
guard(bp)


@public_bp.route("/guides/<string:code>/ask", methods=["GET", "POST"])
def ask(code: str):
    guide = catalog.published_guide(db.session, code)
    halls = intake.handling_halls(db.session, guide.item)
    context = {"guide": guide, "halls": halls, "errors": {}, "values": {}, "done": None}
    if request.method == "GET":
        return render_template("guides/ask.html", **context)
    form = request.form
    if form.get("website"):  # a field people never see: only robots fill it in
        return render_template("guides/ask.html", **context | {"done": 0})
    try:
        row = consultations.ask_online(db.session, question=form.get("question", ""), item_code=code,
                                       hall_code=form.get("hall") or None, name=form.get("name"),
                                       phone=form.get("phone"), email=form.get("email"),
                                       bucket=client_bucket(request.remote_addr),
                                       per_hour=current_app.config["CONSULTATIONS_PER_HOUR"])
    except DomainError as exc:
        db.session.rollback()
        status = 429 if exc.extra.get("retry_after") else 422
        return render_template("guides/ask.html", **context | {"errors": exc.errors or {"": [exc.message]},
                                                               "values": form}), status
    return render_template("guides/ask.html", **context | {"done": row.id, "values": form})


@bp.get("/consultations")
@page(*R.HALL_ROLES)
def consultation_list():
    scope = request.args.get("scope") if request.args.get("scope") in ("mine", "pool", "all") else "mine"
    rows = consultations.listing(db.session, g.principal, scope=scope)
    stats = consultations.statistics(db.session, g.principal) if g.principal.has_role(R.SUPERVISOR, R.ADMIN) else None
    return render_template("staff/consultations.html", rows=rows, scope=scope, now=clock.now(), stats=stats,
                           channels=CHANNELS, overdue=consultations.overdue,
                           halls=_my_halls(), pool=len(consultations.listing(db.session, g.principal, scope="pool")))


def _my_halls():
    from app.auth.models import Hall

    ids = g.principal.halls_for(*R.HALL_ROLES)
    return db.session.query(Hall).filter(Hall.id.in_(ids or {-1})).order_by(Hall.code).all()


@bp.post("/consultations")
@page(*R.HALL_ROLES)
def consultation_record():
    form = request.form
    consultations.record(db.session, g.principal, channel=form.get("channel", ""), question=form.get("question", ""),
                         item_code=form.get("item_code") or None, hall_code=form.get("hall", ""),
                         name=form.get("name"), phone=form.get("phone"), email=form.get("email"),
                         answer=form.get("answer"), public=form.get("public") == "1")
    flash("咨询已登记，您是首问负责人")
    return redirect(url_for("consultation_staff.consultation_list"))


@bp.post("/consultations/<int(max=2147483647):consultation_id>/<any(take, answer):action>")
@page(*R.HALL_ROLES)
def consultation_act(consultation_id: int, action: str):
    if action == "take":
        consultations.take(db.session, g.principal, consultation_id)
        flash("已接手，请在 1 个工作日内答复")
    else:
        consultations.answer(db.session, g.principal, consultation_id, request.form.get("answer", ""),
                             request.form.get("public") == "1")
        flash("已答复" + ("，并公开到办事指南常见问题" if request.form.get("public") == "1" else ""))
    return redirect(url_for("consultation_staff.consultation_list"))
