"""办件进度查询 (art. 15): a case by its number and the applicant's id number, no sign-in; its
documents to download and, once finished, the rating form (channel 扫码评价: the QR code on
every document leads here)."""
from flask import Blueprint, render_template, request

from app.applicants import online, progress
from app.documents import delivery
from app.documents import service as documents
from app.errors import DomainError
from app.evaluation import service as evaluation
from app.http.requests import form_int
from app.http.runtime import db_session, settings
from app.web.pages import TEMPLATES, guard

bp = Blueprint("progress", __name__, url_prefix="/progress", template_folder=TEMPLATES)
guard(bp, template="guides/error.html")


@bp.route("", methods=["GET", "POST"])
def progress_page():
    if request.method == "GET":
        return render_template("verify/progress.html", case=None, message=None, values={})
    try:
        found, message = progress.lookup(db_session(), request.form.get("case_no", ""), request.form.get("id_number", ""),
                                         request.remote_addr or "unknown", settings().progress_lookups_per_hour)
    except DomainError as exc:
        return render_template("verify/progress.html", case=None, message=exc.message, values=request.form), \
            429 if exc.extra.get("retry_after") else 422
    if found is None:
        return render_template("verify/progress.html", case=None, message=message, values=request.form), 404
    secret = settings().secret
    view = online.present(db_session(), found, settings().warnings, detail=True)
    links = {d.id: delivery.document_link(d, secret) for d in documents.of_case(db_session(), found.id)}
    return render_template("verify/progress.html", case=view, message=None, values={}, links=links,
                           proof=delivery.rating_proof(found, secret))


@bp.post("/rate")
def progress_rate():
    """好差评 from the progress page."""
    case = delivery.case_of_proof(db_session(), request.form.get("proof", ""), settings().secret)
    level = request.form.get("level") or ""
    evaluation.rate(db_session(), case, form_int(level), "qr_code", request.form.get("comment"), settings())
    return render_template("verify/progress.html", case=None, message=None, values={}, rated=True)
