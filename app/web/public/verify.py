"""Public verification of signed documents (art. 28): what a document number says, and whether
an uploaded PDF is the signed original; e-delivery of a decision behind a signed link (art. 16)."""
from flask import Blueprint, render_template, request

from app.documents import delivery
from app.documents import service as documents
from app.errors import ValidationFailed
from app.http.files import document_response
from app.http.requests import file_store
from app.http.runtime import db_session, runtime, settings
from app.web.pages import TEMPLATES, guard

bp = Blueprint("verify", __name__, url_prefix="/verify", template_folder=TEMPLATES)
guard(bp, template="guides/error.html")
deliver_bp = Blueprint("deliver", __name__, url_prefix="/deliver", template_folder=TEMPLATES)
guard(deliver_bp, template="guides/error.html")


def _masked(name: str) -> str:
    """A person's name on a public page: the first character only."""
    return (name[:1] + "＊" * (len(name) - 1)) if name else ""


@bp.get("/<string:key>")
def show(key: str):
    document = documents.by_verify_key(db_session(), key)
    state = documents.signature_state(db_session(), document, runtime().key_file)
    return render_template("verify/show.html", d=document, valid=state == documents.VALID,
                           state=documents.SIGNATURE_STATES[state],
                           applicant=_masked(document.data.get("applicant", "")), result=None)


@bp.post("")
def check():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("请选择要核验的 PDF 文件", {"file": ["必填项"]})
    content = upload.read(file_store().max_bytes + 1)
    document = documents.verify_file(db_session(), content, runtime().key_file)
    return render_template("verify/result.html", d=document,
                           applicant=_masked(document.data.get("applicant", "")) if document else ""), 200


@deliver_bp.get("/<string:token>")
def download(token: str):
    """E-delivery (art. 16): the decision document behind a signed link that expires."""
    document = delivery.open_link(db_session(), token, settings().secret, settings().e_delivery_days * 86400)
    return document_response(document, file_store())
