"""Cases for staff: the search list (/cases) and the dossier (/cases/<id>) with the process
diagram, completed steps and the current position highlighted."""
import json

from flask import Blueprint, g, redirect, render_template, request, url_for

from app.auth import roles as R
from app.cases import materials as case_materials
from app.cases import service as cases
from app.cases.models import STATUS_LABELS
from app.catalog import service as catalog
from app.documents import service as documents
from app.errors import DomainError, ValidationFailed
from app.http.present import present_case
from app.http.requests import int_arg, query_without
from app.http.runtime import db_session
from app.notify import service as notify
from app.web.pages import TEMPLATES, guard
from app.web.staff import contacts as contact_pages
from app.web.staff.signin import page

bp = Blueprint("cases_pages", __name__, template_folder=TEMPLATES)
guard(bp)
PER_PAGE = 30


@bp.get("/cases")
@page(*R.HALL_ROLES, R.ADMIN)
def case_list():
    args = {k: (request.args.get(k) or "").strip()[:100] or None for k in ("status", "item_code", "case_no", "id_number", "q")}
    if args["status"] not in STATUS_LABELS:
        args["status"] = None
    cursor = (request.args.get("cursor") or "")[:200] or None
    try:
        found = cases.search_cases(db_session(), g.principal, per_page=PER_PAGE, cursor=cursor, **args)
    except ValidationFailed:  # a spoiled link: start again at the first page
        return redirect(url_for("cases_pages.case_list", **query_without("cursor")))
    except DomainError as exc:
        return render_template("staff/message.html", title="办件查询", message=exc.message), 403
    items = catalog.item_choices(db_session())
    return render_template("staff/cases.html", cases=[present_case(c, db_session()) for c in found.rows],
                           total=found.total, total_capped=found.total_capped, cursor=cursor,
                           next_cursor=found.next_cursor, args=args, statuses=STATUS_LABELS,
                           items=items, query=query_without("cursor", "page"))


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
                           notifications=notify.of_case(db_session(), case.id), **contact_pages.dossier_context(case))
