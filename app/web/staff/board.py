"""The director's board (/board): supervisors, chief representatives and administrators, for the
halls they may see; the figures are drawn on the server, the charts from the same numbers."""
from flask import Blueprint, g, render_template, request

from app.auth import roles as R
from app.board import service as board
from app.errors import DomainError, NotFound
from app.http.runtime import db_session, settings
from app.web.pages import TEMPLATES, guard
from app.web.staff.signin import page

bp = Blueprint("board_pages", __name__, template_folder=TEMPLATES)
guard(bp)


@bp.get("/board")
@page(*board.VIEWER_ROLES, R.ADMIN)
def board_page():
    hall_code = (request.args.get("hall") or "").strip()[:32] or None
    try:
        shown, choices = board.scope(db_session(), g.principal, hall_code)
    except NotFound as exc:
        return render_template("staff/message.html", title="运行看板", message=exc.message), 404
    except DomainError as exc:
        return render_template("staff/message.html", title="运行看板", message=exc.message), 403
    figures = board.snapshot(db_session(), shown, settings().warnings)
    return render_template("staff/board.html", board=figures, choices=choices, hall_code=hall_code,
                           single=shown[0].code if len(shown) == 1 else None)
