"""Designers' pages: the workspace (/modeler: drafts and deployed processes, new from blank, a
template, a deployed version or a file), the draft editor (/modeler/drafts/<id>), and the
versions of every process with the cases still running on each (/processes)."""
from pathlib import Path

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from app.auth import roles as R
from app.cases import delivery_choice
from app.cases.models import STATUS_LABELS
from app.errors import DomainError
from app.http.present import present_processes
from app.http.requests import form_int
from app.http.runtime import db_session, settings
from app.processes import drafts, vocabulary
from app.processes import service as processes
from app.processes.contact_kinds import CONTACT_KINDS
from app.web.pages import TEMPLATES, guard
from app.web.staff.signin import page

bp = Blueprint("process_pages", __name__, template_folder=TEMPLATES)
guard(bp)


@bp.get("/processes")
@page(R.DESIGNER, R.ADMIN)
def versions():
    listing = present_processes(db_session(), processes.list_versions(db_session()))
    return render_template("staff/processes.html", processes=listing)


def _workspace(errors: dict | None = None, message: str | None = None, status: int = 200):
    listing = present_processes(db_session(), processes.list_versions(db_session()))
    rows = drafts.listing(db_session(), g.principal)
    return render_template("staff/workspace.html", processes=listing, drafts=rows, errors=errors or {},
                           message=message, editing_by_other=lambda d: drafts.editing_by_other(d, g.principal),
                           templates=drafts.templates(Path(current_app.config["PROCESSES_DIR"])),
                           focus=request.args.get("key", "")), status


@bp.get("/modeler")
@page(R.DESIGNER, R.ADMIN)
def modeler():
    return _workspace()


FIELD_NAMES = {"textfield": "单行文本", "textarea": "多行文本", "number": "数字", "datetime": "日期时间",
               "checkbox": "勾选框", "checklist": "多选框组", "radio": "单选按钮组", "select": "下拉选择",
               "taglist": "标签多选", "text": "说明文字", "separator": "分隔线", "spacer": "空白间距", "group": "分组"}
HELPER_DOCS = {"workdays(n)": "今天起第 n 个工作日结束时", "workdays_from(start, n)": "start 之后第 n 个工作日结束时",
               "day_end(day)": "某一日历日结束时（如证照到期日）"}


@bp.get("/modeler/reference")
@page(R.DESIGNER, R.ADMIN)
def reference():
    """The platform's contract for designers, from the platform's own tables."""
    return render_template(
        "staff/designer_reference.html",
        lanes=_lanes(),
        statuses=list(STATUS_LABELS.items()), methods=list(delivery_choice.METHODS.items()),
        carriers=list(delivery_choice.CARRIERS.items()), contacts=list(CONTACT_KINDS.items()),
        documents=list(vocabulary.DOCUMENTS.items()),
        helpers=list(HELPER_DOCS.items()), fields=list(FIELD_NAMES.items()))


@bp.post("/modeler/drafts")
@page(R.DESIGNER, R.ADMIN)
def draft_new():
    form = request.form
    try:
        if request.files.get("file"):
            limits = processes.DeployLimits.of(settings())
            upload = request.files["file"]
            extra = [(f.filename or "", f.read(limits.max_form_bytes + 1)) for f in request.files.getlist("forms") if f]
            draft = drafts.upload(db_session(), g.principal, upload.filename or "", upload.read(limits.max_bpmn_bytes + 1),
                                  extra, limits)
        else:
            draft = drafts.create(db_session(), g.principal, form.get("source", ""), name=form.get("name"),
                                  key=form.get("key"), version=form_int(form.get("version")) or None,
                                  template=form.get("template"),
                                  processes_dir=Path(current_app.config["PROCESSES_DIR"]),
                                  forms_dir=settings().forms_dir)
    except DomainError as exc:
        return _workspace(exc.errors, exc.message, 422)
    flash(f"已创建草稿“{draft.name}”，修改会自动保存")
    return redirect(url_for("process_pages.draft_editor", draft_id=draft.id))


@bp.get("/modeler/drafts/<int(max=2147483647):draft_id>")
@page(R.DESIGNER, R.ADMIN)
def draft_editor(draft_id: int):
    draft = drafts.get(db_session(), g.principal, draft_id)
    return render_template("staff/modeler.html", draft=draft, lanes=_lanes(),
                           statuses=sorted(vocabulary.CASE_STATUSES.items()),
                           documents=list(vocabulary.DOCUMENTS.items()))


def _lanes() -> list[tuple[str, str]]:
    return sorted((code, R.ROLE_LABELS[code]) for code in R.LANE_ROLES)


@bp.post("/modeler/drafts/<int(max=2147483647):draft_id>/delete")
@page(R.DESIGNER, R.ADMIN)
def draft_delete(draft_id: int):
    name = drafts.get(db_session(), g.principal, draft_id).name
    drafts.delete(db_session(), g.principal, draft_id)
    flash(f"已删除草稿“{name}”")
    return redirect(url_for("process_pages.modeler"))
