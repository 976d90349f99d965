"""The clerk's inbox (/inbox) and task page (/tasks/<id>): what to do next, soonest due first,
with the case dossier beside the task's form."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from app.auth import roles as R
from app.calendar import service as calendar
from app.cases import materials as case_materials
from app.cases import service as cases
from app.cases.models import STATUS_LABELS
from app.cases.tasks import Task
from app.catalog import service as catalog
from app.consultations import service as consultations
from app.documents import service as documents
from app.errors import DomainError, ValidationFailed
from app.http.present import present_case, present_task
from app.http.requests import query_without, safe_next
from app.http.runtime import db_session
from app.inbox import operations
from app.inbox import service as inbox
from app.web.pages import TEMPLATES, guard
from app.web.staff import casework
from app.web.staff import tablets as tablet_pages
from app.web.staff.signin import page

bp = Blueprint("inbox", __name__, template_folder=TEMPLATES)
PER_PAGE = 50
LANE_LABELS = {r: R.ROLE_LABELS[r] for r in sorted(R.LANE_ROLES)}


guard(bp)


def _filters() -> dict:
    args = request.args
    out = {"role": args.get("role") if args.get("role") in R.LANE_ROLES else None,
           "item_code": (args.get("item_code") or "").strip()[:64] or None,
           "state": args.get("state") if args.get("state") in ("open", "completed", "cancelled") else "open",
           "overdue": True if args.get("overdue") == "1" else None,
           "assignee": "me" if args.get("mine") == "1" else None}
    return out


def _just_done(task_id: str | None) -> dict | None:
    """What the clerk's last completion did, for the line above the inbox: the case, its new
    status and the documents that step decided (to print). Only the clerk's own completion."""
    if not task_id or len(task_id) > 64:
        return None
    task = db_session().get(Task, task_id)
    if task is None or task.completed_at is None or task.completed_by_id != g.principal.user_id:
        return None
    case = task.case
    return {"task": task.title, "case_id": case.id, "case_no": case.case_no,
            "status_label": STATUS_LABELS.get(case.status, case.status),
            "documents": documents.issued_since(db_session(), case.id, task.completed_at),
            "rating_tablets": tablet_pages.after_delivery(task)}


@bp.get("/inbox", endpoint="inbox")
@page(*R.HALL_ROLES)
def inbox_page():
    filters = _filters()
    cursor = (request.args.get("cursor") or "")[:200] or None
    try:
        found = inbox.search_tasks(db_session(), g.principal, per_page=PER_PAGE, cursor=cursor, **filters)
    except ValidationFailed:  # a spoiled link: start again at the first page
        return redirect(url_for("inbox.inbox", **query_without("cursor")))
    except DomainError as exc:
        return render_template("staff/message.html", title="待办任务", message=exc.message), 403
    data = calendar.current(db_session())
    tasks = [present_task(t, data) for t in found.rows]
    items = catalog.item_choices(db_session())
    # the clerk's own unanswered consultations (首问负责) sit above the tasks, red after a working day
    mine = consultations.listing(db_session(), g.principal, scope="mine", state="open", limit=20)
    return render_template("staff/inbox.html", tasks=tasks, total=found.total, total_capped=found.total_capped,
                           done=_just_done(request.args.get("done")),
                           consultations_due=mine, consultation_overdue=consultations.overdue,
                           cursor=cursor, next_cursor=found.next_cursor, filters=filters, lanes=LANE_LABELS,
                           items=items, query=query_without("cursor", "page"))


@bp.post("/inbox/tasks/<string:task_id>/<any(claim, unclaim):action>")
@page(*R.HALL_ROLES)
def claim(task_id: str, action: str):
    try:
        (inbox.claim if action == "claim" else inbox.unclaim)(db_session(), g.principal, task_id)
    except DomainError as exc:
        return render_template("staff/message.html", title="认领失败", message=exc.message), 409
    return redirect(safe_next(request.form.get("back"), url_for("inbox.inbox")))


@bp.get("/tasks/<string:task_id>")
@page(*R.HALL_ROLES)
def task_page(task_id: str):
    task = inbox.visible_task(db_session(), g.principal, task_id)
    case = present_case(task.case, db_session(), detail=True)
    data = calendar.current(db_session())
    return render_template("staff/task.html", task=present_task(task, data), case=case,
                           materials=[case_materials.describe(m, staff=True)
                                      for m in case_materials.of_case(db_session(), task.case_id)],
                           can_work=g.principal.can_work(task.role, task.hall_id), names=task.case.guide.material_names(),
                           colleagues=[u for u in operations.colleagues(db_session(), task) if u.id != task.assignee_id],
                           supervises=operations.supervises(g.principal, task.hall_id),
                           can_download=cases.can_open_files(g.principal, task.case),
                           documents=documents.of_case(db_session(), task.case_id),
                           receives_paper=cases.receives_paper(g.principal, task.case),
                           **casework.dossier_context(task.case))


@bp.post("/tasks/<string:task_id>/<any(transfer, urge):action>")
@page(*R.HALL_ROLES)
def task_action(task_id: str, action: str):
    try:
        if action == "transfer":
            operations.transfer(db_session(), g.principal, task_id, request.form.get("to", ""), request.form.get("note"))
        else:
            operations.urge(db_session(), g.principal, task_id, request.form.get("note"))
    except DomainError as exc:
        return render_template("staff/message.html", title="操作未完成", message=exc.message), 422
    flash("已转办" if action == "transfer" else "已催办")
    return redirect(url_for("inbox.task_page", task_id=task_id) if action == "urge" else url_for("inbox.inbox"))


@bp.post("/cases/<int(max=2147483647):case_id>/comments")
@page(*R.HALL_ROLES, R.ADMIN)
def comment(case_id: int):
    try:
        operations.comment(db_session(), g.principal, case_id, request.form.get("text"))
    except DomainError as exc:
        return render_template("staff/message.html", title="备注未保存", message=exc.message), 422
    return redirect(safe_next(request.form.get("back"), url_for("cases_pages.dossier", case_id=case_id)))
