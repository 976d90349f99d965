"""政策文件 pages: the editors' list with publication deadlines (/policies/manage: draft, edit,
add a graphic, publish) and the public list and page of published policies (/policies)."""
import re
from datetime import date
from urllib.parse import quote

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, url_for

from app import clock
from app.calendar import service as calendar
from app.errors import DomainError, NotFound
from app.extensions import db
from app.files import service as files
from app.policies import service as policies
from app.policies.models import DRAFT, STATUS_LABELS, Policy
from app.web.context import base_url, file_store
from app.web.pages import form_int, guard
from app.web.staff import page

bp = Blueprint("policy_admin", __name__, url_prefix="/policies/manage", template_folder="templates")
public_bp = Blueprint("policy_pages", __name__, url_prefix="/policies", template_folder="templates")
guard(bp)
EDITORS = policies.EDITOR_ROLES


def _form() -> dict:
    """The form's fields as the service takes them (a blank optional field clears it)."""
    f = request.form
    data = {k: f.get(k, "") for k in ("title", "issuing_body", "document_number", "full_text", "qa", "video_url")}
    raw = f.get("made_on", "").strip()
    try:
        data["made_on"] = date.fromisoformat(raw) if raw else None
    except ValueError:
        data["made_on"] = raw  # the service names the field
    data["owner"] = f.get("owner") or None
    data["item_codes"] = [c for c in re.split(r"[\s,，、;；]+", f.get("item_codes", "")) if c]
    return data


@bp.get("")
@page(*EDITORS)
def manage():
    status = request.args.get("status") if request.args.get("status") in policies.FILTERS else None
    data, now = calendar.current(db.session), clock.now()
    rows = [policies.staff_record(p, data, now, base_url()) for p in policies.listing(db.session, status)]
    editing, found = None, None
    if request.args.get("edit"):
        found = db.session.get(Policy, form_int(request.args.get("edit")))
        found = found if found and found.state == DRAFT else None
        editing = policies.staff_record(found, data, now, base_url()) if found else None
    return render_template("staff/policies.html", rows=rows, status=status, statuses=STATUS_LABELS, editing=editing,
                           users=policies.staff_users(db.session, keep=found.owner if found else None),
                           today=clock.today().isoformat(),
                           earliest=policies.earliest_made_on(clock.today()).isoformat(),
                           made_on_fixed=bool(found and (found.warned_at or found.overdue_at)),
                           me=g.principal.username)


@bp.post("")
@page(*EDITORS)
def create():
    row = policies.create(db.session, _form(), g.principal.user_id, g.principal.username)
    flash(f"已登记政策文件《{row.title}》，应于{clock.chinese_date(row.publish_due)}前公开")
    return redirect(url_for("policy_admin.manage"))


@bp.post("/<int(max=2147483647):policy_id>")
@page(*EDITORS)
def update(policy_id: int):
    row = policies.update(db.session, policy_id, _form())
    flash(f"已保存《{row.title}》")
    return redirect(url_for("policy_admin.manage"))


@bp.post("/<int(max=2147483647):policy_id>/graphic")
@page(*EDITORS)
def graphic(policy_id: int):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("请选择图解文件（PDF、JPEG 或 PNG）")
        return redirect(url_for("policy_admin.manage", edit=policy_id))
    policies.set_graphic(db.session, file_store(), policy_id, upload.read(current_app.config["MAX_UPLOAD_BYTES"] + 1),
                         upload.filename, g.principal.username)
    flash("已上传图解")
    return redirect(url_for("policy_admin.manage", edit=policy_id))


@bp.get("/<int(max=2147483647):policy_id>/graphic")
@page(*EDITORS)
def draft_graphic(policy_id: int):
    return _file(policies.get(db.session, policy_id))


@bp.post("/<int(max=2147483647):policy_id>/publish")
@page(*EDITORS)
def publish(policy_id: int):
    row = policies.publish(db.session, policy_id, g.principal.username)
    late = "（已超过公开期限）" if policies.status_of(row, clock.now()) == "published_late" else ""
    flash(f"已公开《{row.title}》{late}")
    return redirect(url_for("policy_admin.manage"))


# --- public -----------------------------------------------------------------------------

@public_bp.errorhandler(DomainError)
def _error(exc: DomainError):
    status = 404 if isinstance(exc, NotFound) else 400
    return render_template("guides/error.html", message=exc.message, status=status), status


@public_bp.get("")
def listing():
    rows = [policies.public_record(p, base_url()) for p in policies.published(db.session)]
    return render_template("guides/policies.html", rows=rows)


@public_bp.get("/<int(max=2147483647):policy_id>")
def show(policy_id: int):
    row = policies.published_one(db.session, policy_id)
    return render_template("guides/policy.html", p=policies.public_record(row, base_url()))


@public_bp.get("/<int(max=2147483647):policy_id>/graphic")
def public_graphic(policy_id: int):
    return _file(policies.published_one(db.session, policy_id))


def _file(row) -> Response:
    if not row.graphic_sha256:
        raise NotFound("没有图解")
    stored = files.get(db.session, row.graphic_sha256)
    return Response(files.read(file_store(), stored), mimetype=stored.media_type, headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(stored.original_name)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"})
