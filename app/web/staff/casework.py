"""Case actions on the dossier that were the API's alone: a supervisor of the case's hall resets
a pickup code suspended after repeated wrong codes (重置取件码); the back office or a chief
representative starts and ends a special procedure (特别程序: 听证、现场勘查…). A refusal comes
back to the dossier as a flash, and nothing changed."""
from datetime import datetime

from flask import Blueprint, flash, g, redirect, request, url_for

from app import clock
from app.auth import roles as R
from app.cases import pauses
from app.cases.models import UNDER_REVIEW
from app.documents import delivery
from app.errors import DomainError, NotFound
from app.http.requests import safe_next
from app.http.runtime import db_session, runtime
from app.web.pages import TEMPLATES, guard
from app.web.staff.signin import page

bp = Blueprint("casework_pages", __name__, template_folder=TEMPLATES)
guard(bp)


def _since(started_at: str) -> str:
    day = datetime.fromisoformat(started_at).astimezone(clock.LOCAL_TZ)
    return f"{day.month}月{day.day}日"


def dossier_context(case) -> dict:
    """What the dossier's (and the task page's) case actions need: the running special procedure,
    the kinds that may start one, whether window pickup waits for a reset, and who may act."""
    procedure = case.special_procedure
    may_pause = pauses.may_decide(g.principal, case)
    return {
        "procedure": {"label": procedure["label"], "since": _since(procedure["started_at"]),
                      "reason": procedure.get("reason")} if procedure else None,
        "may_pause": may_pause,
        "procedure_kinds": pauses.startable_kinds(case) if may_pause and case.status == UNDER_REVIEW else {},
        "pickup_suspended": delivery.awaits_pickup_reset(case),
        "may_reset_pickup": delivery.may_reset_pickup_code(g.principal, case),
    }


def _note(name: str) -> str | None:
    return (request.form.get(name) or "").strip()[:500] or None


def _back(case_id: int):
    """Back where the form was (the dossier, or the task page's 更多操作)."""
    return redirect(safe_next(request.form.get("back"), url_for("cases_pages.dossier", case_id=case_id) + "#casework"))


def _acted(case_id: int, action, done: str):
    """Run `action`; flash `done`, or the refusal (a case one may not see stays not found)."""
    try:
        action()
    except NotFound:
        raise
    except DomainError as exc:
        details = "；".join(v[0] for v in (exc.errors or {}).values() if v and v[0] != exc.message)
        flash(exc.message + (f"（{details}）" if details else ""))
        return _back(case_id)
    flash(done)
    return _back(case_id)


@bp.post("/cases/<int(max=2147483647):case_id>/pickup-code/reset")
@page(R.SUPERVISOR, R.ADMIN)
def reset_pickup_code(case_id: int):
    return _acted(case_id, lambda: delivery.reset_pickup_code(db_session(), g.principal, case_id, _note("note")),
                  "已重置取件码，新取件码已发送给申请人")


@bp.post("/cases/<int(max=2147483647):case_id>/special-procedures")
@page(*pauses.DECIDING_ROLES, R.ADMIN)
def start_procedure(case_id: int):
    kind = (request.form.get("kind") or "")[:32]
    if kind not in pauses.KINDS:
        flash("请选择特别程序的种类")
        return _back(case_id)
    return _acted(case_id, lambda: pauses.start(db_session(), g.principal, case_id, kind, _note("reason") or "", runtime()),
                  f"已启动特别程序：{pauses.KINDS.get(kind, '')}，期间不计入办理时限")


@bp.post("/cases/<int(max=2147483647):case_id>/special-procedures/end")
@page(*pauses.DECIDING_ROLES, R.ADMIN)
def end_procedure(case_id: int):
    return _acted(case_id, lambda: pauses.end(db_session(), g.principal, case_id, _note("note"), runtime()),
                  "特别程序已结束，办理期限已顺延")
