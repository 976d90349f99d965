"""政策文件 for editors (/policies/manage): the list with publication deadlines; draft, edit, add
a graphic, publish. The public pages are app.web.public.policies."""
import re
from datetime import date

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from app import clock
from app.calendar import service as calendar
from app.http.files import stored_file_response
from app.http.requests import base_url, file_store, form_int
from app.http.runtime import db_session, settings
from app.policies import service as policies
from app.policies.models import STATUS_LABELS
from app.web.pages import TEMPLATES, guard
from app.web.staff.signin import page

bp = Blueprint("policy_admin", __name__, url_prefix="/policies/manage", template_folder=TEMPLATES)
guard(bp)
EDITORS = policies.EDITOR_ROLES


def _form() -> dict:
    """The form's fields as the service takes them (a blank optional field clears it)."""
    f = request.form
    data: dict[str, object] = {k: f.get(k, "") for k in ("title", "issuing_body", "document_number", "full_text", "qa",
                                                          "video_url")}
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
    data, now = calendar.current(db_session()), clock.now()
    rows = [policies.staff_record(p, data, now, base_url()) for p in policies.listing(db_session(), status)]
    found = policies.draft_or_none(db_session(), form_int(request.args.get("edit")))
    editing = policies.staff_record(found, data, now, base_url()) if found else None
    return render_template("staff/policies.html", rows=rows, status=status, statuses=STATUS_LABELS, editing=editing,
                           users=policies.staff_users(db_session(), keep=found.owner if found else None),
                           today=clock.today().isoformat(),
                           earliest=policies.earliest_made_on(clock.today()).isoformat(),
                           made_on_fixed=bool(found and (found.warned_at or found.overdue_at)),
                           me=g.principal.username)


@bp.post("")
@page(*EDITORS)
def create():
    row = policies.create(db_session(), _form(), g.principal.user_id, g.principal.username, settings())
    flash(f"已登记政策文件《{row.title}》，应于{clock.chinese_date(row.publish_due)}前公开")
    return redirect(url_for("policy_admin.manage"))


@bp.post("/<int(max=2147483647):policy_id>")
@page(*EDITORS)
def update(policy_id: int):
    row = policies.update(db_session(), policy_id, _form(), settings())
    flash(f"已保存《{row.title}》")
    return redirect(url_for("policy_admin.manage"))


@bp.post("/<int(max=2147483647):policy_id>/graphic")
@page(*EDITORS)
def graphic(policy_id: int):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("请选择图解文件（PDF、JPEG 或 PNG）")
        return redirect(url_for("policy_admin.manage", edit=policy_id))
    policies.set_graphic(db_session(), file_store(), policy_id, upload.read(file_store().max_bytes + 1),
                         upload.filename, g.principal.username)
    flash("已上传图解")
    return redirect(url_for("policy_admin.manage", edit=policy_id))


@bp.get("/<int(max=2147483647):policy_id>/graphic")
@page(*EDITORS)
def draft_graphic(policy_id: int):
    return stored_file_response(policies.graphic_of(db_session(), policies.get(db_session(), policy_id)), file_store(),
                                "private, max-age=300")


@bp.post("/<int(max=2147483647):policy_id>/publish")
@page(*EDITORS)
def publish(policy_id: int):
    row = policies.publish(db_session(), policy_id, g.principal.username)
    late = "（已超过公开期限）" if policies.status_of(row, clock.now()) == "published_late" else ""
    flash(f"已公开《{row.title}》{late}")
    return redirect(url_for("policy_admin.manage"))
