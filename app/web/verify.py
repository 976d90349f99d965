"""Public verification of signed documents (art. 28): what a document number says, and whether
an uploaded PDF is the signed original."""
from flask import Blueprint, current_app, render_template, request

from app.documents import service as documents
from app.errors import ValidationFailed
from app.extensions import db
from app.web.pages import guard

bp = Blueprint("verify", __name__, url_prefix="/verify", template_folder="templates")
guard(bp, template="guides/error.html")


def _masked(name: str) -> str:
    """A person's name on a public page: the first character only."""
    return (name[:1] + "＊" * (len(name) - 1)) if name else ""


@bp.get("/<path:document_no>")
def show(document_no: str):
    document = documents.by_number(db.session, document_no)
    return render_template("verify/show.html", d=document, valid=documents.signature_valid(db.session, document),
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
