"""投诉举报 online (art. 31), without signing in (a honeypot field against robots). A case is
linked only with its applicant's id number, checked like the progress lookup."""
from flask import Blueprint, render_template, request

from app.applicants import progress
from app.errors import DomainError, ValidationFailed
from app.evaluation import complaints
from app.http.runtime import db_session, settings
from app.web.pages import TEMPLATES, guard

bp = Blueprint("complaint_pages", __name__, template_folder=TEMPLATES)
guard(bp, template="guides/error.html")


@bp.route("/complaints", methods=["GET", "POST"])
def complaint_form():
    if request.method == "GET":
        return render_template("verify/complaint.html", errors={}, values={}, done=None)
    form = request.form
    if form.get("website"):  # a field people never see: only robots fill it in
        return render_template("verify/complaint.html", errors={}, values={}, done=0)
    case = None
    try:
        if form.get("case_no"):
            case, message = progress.lookup(db_session(), form.get("case_no", ""), form.get("id_number", ""),
                                            request.remote_addr or "unknown", settings().progress_lookups_per_hour)
            if case is None:
                raise ValidationFailed(message, {"case_no": [message]})
        row = complaints.lodge(db_session(), channel="web", name=form.get("name", ""), phone=form.get("phone"),
                               email=form.get("email"), content=form.get("content", ""), case=case,
                               hall_code=form.get("hall") or None, settings=settings(),
                               client=request.remote_addr or "unknown")
    except DomainError as exc:
        return render_template("verify/complaint.html", errors=exc.errors or {"": [exc.message]}, values=form,
                               done=None), 429 if exc.extra.get("retry_after") else 422
    return render_template("verify/complaint.html", errors={}, values={}, done=row.id)
