"""Staff-contact records on the pages (art. 18): the dossier's 接触记录 with a form to record one,
and the supervisors' list of flagged contacts (/contacts/flagged) with their review."""
import re
from datetime import datetime

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from app.auth import roles as R
from app.cases import service as cases
from app.contacts import service as contacts
from app.errors import ValidationFailed
from app.http.runtime import db_session
from app.processes.contact_kinds import CONTACT_MODES
from app.web.pages import TEMPLATES, guard
from app.web.staff.signin import page

bp = Blueprint("contact_pages", __name__, template_folder=TEMPLATES)
guard(bp)

# what <input type="datetime-local"> sends: the hall's local time, to the minute (or second)
_LOCAL_INPUT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")


def dossier_context(case) -> dict:
    """What the dossier's 接触记录 section needs (the case is one the user may see)."""
    steps = cases.tasks_of(db_session(), case.id)
    return {"contacts": [contacts.describe(r) for r in contacts.of_case(db_session(), g.principal, case.id)],
            "contact_modes": CONTACT_MODES,
            "contact_steps": [(t.id, t.title, t.state) for t in steps]}


def _occurred_at(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    if not _LOCAL_INPUT.fullmatch(value):
        raise ValidationFailed("接触时间格式不正确", {"occurred_at": ["格式应为 年-月-日T时:分"]})
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("接触时间不存在", {"occurred_at": ["不是有效的日期时间"]}) from None


@bp.post("/cases/<int(max=2147483647):case_id>/contacts")
@page(*R.HALL_ROLES, R.ADMIN)
def record(case_id: int):
    form = request.form
    row = contacts.record(db_session(), g.principal, case_id, mode=form.get("mode", ""), summary=form.get("summary"),
                          occurred_at=_occurred_at(form.get("occurred_at", "")), task_id=form.get("task_id") or None)
    flash("已记录接触情况" + (f"；{row.flag_reason}，已提交督查" if row.flagged else ""))
    return redirect(url_for("cases_pages.dossier", case_id=case_id) + "#contacts")


@bp.get("/contacts/flagged")
@page(R.SUPERVISOR, R.ADMIN)
def flagged_list():
    state = "reviewed" if request.args.get("state") == "reviewed" else "open"
    rows = [contacts.describe(r) for r in contacts.flagged(db_session(), g.principal, state)]
    return render_template("staff/contacts_flagged.html", rows=rows, state=state)


@bp.post("/contacts/flagged/<int(max=2147483647):contact_id>")
@page(R.SUPERVISOR, R.ADMIN)
def review(contact_id: int):
    contacts.review(db_session(), g.principal, contact_id, request.form.get("note"))
    flash("督查意见已记录")
    return redirect(url_for("contact_pages.flagged_list"))
