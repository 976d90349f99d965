"""Cases for staff: the search list (/cases) and the dossier (/cases/<id>) with the process
diagram, completed steps and the current position highlighted."""
import json

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from app.auth import roles as R
from app.board import service as board
from app.calendar import service as calendar
from app.cases import materials as case_materials
from app.cases import overdue, walk_in
from app.cases import service as cases
from app.cases.models import STATUS_LABELS
from app.catalog import service as catalog
from app.documents import service as documents
from app.errors import DomainError, ValidationFailed
from app.http.present import present_case
from app.http.requests import allow_application_body, int_arg, query_without, uploads
from app.http.runtime import db_session, runtime, settings
from app.notify import service as notify
from app.web.pages import TEMPLATES, guard
from app.web.staff import casework
from app.web.staff import contacts as contact_pages
from app.web.staff import tablets as tablet_pages
from app.web.staff.signin import page

bp = Blueprint("cases_pages", __name__, template_folder=TEMPLATES)


def _before_csrf():
    # Paper taken at the window may come with a scan per material: raise the body limit first.
    if request.endpoint == "cases_pages.paper":
        allow_application_body()


guard(bp, before=_before_csrf)
PER_PAGE = 30


@bp.get("/cases")
@page(*R.HALL_ROLES, R.ADMIN)
def case_list():
    args = {k: (request.args.get(k) or "").strip()[:100] or None
            for k in ("status", "item_code", "case_no", "id_number", "q", "hall", "warning")}
    if args["status"] not in STATUS_LABELS:
        args["status"] = None
    warning = args.pop("warning")  # the board's red/yellow/green links: the deadline's colour now
    condition = None
    if warning in overdue.COLOUR_LABELS:
        condition = overdue.colour_conditions(db_session(), calendar.current(db_session()), settings().warnings)[warning]
    elif warning == board.SUSPENDED:
        condition = board.pickup_suspended()
    args["warning"] = warning if condition is not None else None
    cursor = (request.args.get("cursor") or "")[:200] or None
    try:
        found = cases.search_cases(db_session(), g.principal, per_page=PER_PAGE, cursor=cursor, condition=condition,
                                   **{k: v for k, v in args.items() if k != "warning"})
    except ValidationFailed:  # a spoiled link: start again at the first page
        return redirect(url_for("cases_pages.case_list", **query_without("cursor")))
    except DomainError as exc:
        return render_template("staff/message.html", title="办件查询", message=exc.message), 403
    items = catalog.item_choices(db_session())
    return render_template("staff/cases.html", cases=[present_case(c, db_session()) for c in found.rows],
                           total=found.total, total_capped=found.total_capped, cursor=cursor,
                           next_cursor=found.next_cursor, args=args, statuses=STATUS_LABELS,
                           items=items, query=query_without("cursor", "page"),
                           colours={**overdue.COLOUR_LABELS, board.SUSPENDED: "暂停窗口领取"})


def diagram_marks(case) -> tuple[list[str], list[str]]:
    return cases.completed_steps(db_session(), case.id), list(case.active_elements or [])


@bp.get("/cases/<int(max=2147483647):case_id>")
@page(*R.HALL_ROLES, R.ADMIN)
def dossier(case_id: int):
    case = cases.visible_case(db_session(), g.principal, case_id)
    done, active = diagram_marks(case)
    before = int_arg("history_before", 0) or None  # an older page of the history
    return render_template("staff/case.html", case=present_case(case, db_session(), detail=True, history_before=before),
                           materials=[case_materials.describe(m, staff=True)
                                      for m in case_materials.of_case(db_session(), case.id)],
                           done=json.dumps(done), active=json.dumps(active), names=case.guide.material_names(),
                           can_download=cases.can_open_files(g.principal, case),
                           documents=documents.of_case(db_session(), case.id),
                           notifications=notify.of_case(db_session(), case.id),
                           receives_paper=cases.receives_paper(g.principal, case), **contact_pages.dossier_context(case),
                           **casework.dossier_context(case), **tablet_pages.dossier_context(case))


@bp.post("/cases/<int(max=2147483647):case_id>/paper")
@page(R.FRONT_DESK, R.CHIEF_REPRESENTATIVE)
def paper(case_id: int):
    """收取补正/容缺材料 at the window: the ticked materials (and their scans) are the supplement."""
    codes = request.form.getlist("materials")
    scans = {code: walk_in.Scan(u.filename, u.content) for code, u in uploads("materials.").items()}
    note = (request.form.get("note") or "").strip()[:500] or None
    case = cases.deliver_supplement(db_session(), g.principal, case_id, codes, note, runtime(), scans=scans)
    flash(f"已收取补正材料，办件 {case.case_no} 现为“{STATUS_LABELS.get(case.status, case.status)}”")
    return redirect(url_for("cases_pages.dossier", case_id=case.id))
