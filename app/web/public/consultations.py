"""咨询 from a guide page: the public question form (no sign-in; a honeypot and a per-address
limit instead of a captcha)."""
from flask import Blueprint, render_template, request

from app.addresses import client_bucket
from app.cases import intake
from app.catalog import service as catalog
from app.consultations import service as consultations
from app.errors import DomainError
from app.http.runtime import db_session, settings
from app.web.pages import TEMPLATES, guard

bp = Blueprint("consultation_pages", __name__, template_folder=TEMPLATES)
guard(bp, template="guides/error.html")


@bp.route("/guides/<string:code>/ask", methods=["GET", "POST"])
def ask(code: str):
    guide = catalog.published_guide(db_session(), code)
    halls = intake.handling_halls(db_session(), guide.item)
    context = {"guide": guide, "halls": halls, "errors": {}, "values": {}, "done": None}
    if request.method == "GET":
        return render_template("guides/ask.html", **context)
    form = request.form
    if form.get("website"):  # a field people never see: only robots fill it in
        return render_template("guides/ask.html", **context | {"done": 0})
    try:
        row = consultations.ask_online(db_session(), question=form.get("question", ""), item_code=code,
                                       hall_code=form.get("hall") or None, name=form.get("name"),
                                       phone=form.get("phone"), email=form.get("email"),
                                       bucket=client_bucket(request.remote_addr or "unknown"), settings=settings())
    except DomainError as exc:
        status = 429 if exc.extra.get("retry_after") else 422
        return render_template("guides/ask.html", **context | {"errors": exc.errors or {"": [exc.message]},
                                                               "values": form}), status
    return render_template("guides/ask.html", **context | {"done": row.id, "values": form})
