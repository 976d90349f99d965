"""Public verification of signed documents (art. 28): what a document number says, and whether
an uploaded PDF is the signed original."""
from flask import Blueprint, current_app, render_template, request

from app.documents import service as documents
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.web.pages import form_int, guard

bp = Blueprint("verify", __name__, url_prefix="/verify", template_folder="templates")
guard(bp, template="guides/error.html")


def _masked(name: str) -> str:
    """A person's name on a public page: the first character only."""
    return (name[:1] + "＊" * (len(name) - 1)) if name else ""


@bp.get("/<string:key>")
def show(key: str):
    document = documents.by_verify_key(db.session, key)
    state = documents.signature_state(db.session, document)
    return render_template("verify/show.html", d=document, valid=state == documents.VALID,
                           state=documents.SIGNATURE_STATES[state],
                           applicant=_masked(document.data.get("applicant", "")), result=None)


@bp.post("")
def check():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("请选择要核验的 PDF 文件", {"file": ["必填项"]})
    content = upload.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
    document = documents.verify_file(db.session, content)
    return render_template("verify/result.html", d=document,
                           applicant=_masked(document.data.get("applicant", "")) if document else ""), 200


deliver_bp = Blueprint("deliver", __name__, url_prefix="/deliver", template_folder="templates")
guard(deliver_bp, template="guides/error.html")


@deliver_bp.get("/<string:token>")
def download(token: str):
    """E-delivery (art. 16): the decision document behind a signed link that expires."""
    from app.api.files import document_response
    from app.documents import delivery
    from app.web.context import file_store

    document = delivery.open_link(db.session, token, current_app.config["SECRET_KEY"],
                                  current_app.config["E_DELIVERY_DAYS"] * 86400)
    return document_response(document, file_store())


progress_bp = Blueprint("progress", __name__, url_prefix="/progress", template_folder="templates")
guard(progress_bp, template="guides/error.html")


@progress_bp.route("", methods=["GET", "POST"])
def progress_page():
    """办件进度查询: case number + id number, no sign-in."""
    from app.applicants import online, progress

    if request.method == "GET":
        return render_template("verify/progress.html", case=None, message=None, values={})
    try:
        found, message = progress.lookup(db.session, request.form.get("case_no", ""), request.form.get("id_number", ""),
                                         request.remote_addr or "unknown", current_app.config["PROGRESS_LOOKUPS_PER_HOUR"])
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return render_template("verify/progress.html", case=None, message=exc.message, values=request.form), \
            429 if exc.extra.get("retry_after") else 422
    if found is None:
        return render_template("verify/progress.html", case=None, message=message, values=request.form), 404
    from app.documents import delivery

    secret = current_app.config["SECRET_KEY"]
    view = online.present(db.session, found, detail=True)
    links = {d.id: delivery.document_link(d, secret) for d in documents.of_case(db.session, found.id)}
    return render_template("verify/progress.html", case=view, message=None, values={}, links=links,
                           proof=delivery.rating_proof(found, secret))


@progress_bp.post("/rate")
def progress_rate():
    """好差评 from the progress page (channel: 扫码评价 — the QR code on every document leads here)."""
    from app.documents import delivery
    from app.evaluation import service as evaluation

    case = delivery.case_of_proof(db.session, request.form.get("proof", ""), current_app.config["SECRET_KEY"])
    level = request.form.get("level") or ""
    evaluation.rate(db.session, case, form_int(level), "qr_code",
                    request.form.get("comment"))
    return render_template("verify/progress.html", case=None, message=None, values={}, rated=True)


complaints_bp = Blueprint("complaint_pages", __name__, template_folder="templates")
guard(complaints_bp, template="guides/error.html")


@complaints_bp.route("/complaints", methods=["GET", "POST"])
def complaint_form():
    """投诉举报 online, without signing in. A case is linked only with its applicant's id number."""
    from app.applicants import progress
    from app.evaluation import complaints

    if request.method == "GET":
        return render_template("verify/complaint.html", errors={}, values={}, done=None)
    form = request.form
    if form.get("website"):  # a field people never see: only robots fill it in
        return render_template("verify/complaint.html", errors={}, values={}, done=0)
    case = None
    try:
        if form.get("case_no"):
            case, message = progress.lookup(db.session, form.get("case_no", ""), form.get("id_number", ""),
                                             request.remote_addr or "unknown", current_app.config["PROGRESS_LOOKUPS_PER_HOUR"])
            db.session.commit()
            if case is None:
                raise ValidationFailed(message, {"case_no": [message]})
        row = complaints.lodge(db.session, channel="web", name=form.get("name", ""), phone=form.get("phone"),
                               email=form.get("email"), content=form.get("content", ""), case=case,
                               hall_code=form.get("hall") or None)
    except DomainError as exc:
        db.session.rollback()
        return render_template("verify/complaint.html", errors=exc.errors or {"": [exc.message]}, values=form,
                               done=None), 429 if exc.extra.get("retry_after") else 422
    return render_template("verify/complaint.html", errors={}, values={}, done=row.id)
