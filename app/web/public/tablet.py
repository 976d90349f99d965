"""The rating tablet's page (/tablet, 一次一评): no staff login. Unpaired, it asks for the
pairing code an administrator read on /admin/tablets; paired (a signed device cookie, HttpOnly,
SameSite=Lax), it waits for a case a clerk of its hall sends (tablet.js polls /tablet/state),
shows the service item and the window, takes the applicant's rating and thanks them. Forms
carry the CSRF token like every other page; the rating also needs the device cookie."""
from datetime import timedelta

from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, request, url_for

from app.errors import DomainError, TooManyRequests, ValidationFailed
from app.evaluation import offers, tablets
from app.evaluation.models import LEVELS
from app.http.requests import form_int
from app.http.runtime import db_session, settings
from app.web.pages import TEMPLATES, guard

bp = Blueprint("tablet", __name__, url_prefix="/tablet", template_folder=TEMPLATES)
guard(bp, template="tablet/page.html")

COOKIE = "ow_tablet"
COOKIE_AGE = timedelta(days=365)
POLL_SECONDS = 4
THANKS_SECONDS = 6


def _device() -> tablets.RatingTablet | None:
    return tablets.device(db_session(), request.cookies.get(COOKIE), settings().secret)


def _render(mode: str, status: int = 200, forget: bool = False, **values):
    response = make_response(render_template("tablet/page.html", mode=mode, levels=LEVELS, poll=POLL_SECONDS,
                                             back_after=THANKS_SECONDS, **values), status)
    if forget:  # a revoked or replaced device: its cookie is of no use any more
        response.delete_cookie(COOKIE, path=url_for("tablet.tablet_page"))
    response.headers["Cache-Control"] = "no-store"
    return response


def _showing(tablet: tablets.RatingTablet, status: int = 200, **values):
    shown = offers.shown(db_session(), tablet)
    return _render("offer" if shown else "waiting", status, tablet=tablet, shown=shown, **values)


@bp.get("")
def tablet_page():
    tablet = _device()
    if tablet is None:
        return _render("pair", forget=COOKIE in request.cookies)
    return _showing(tablet)


@bp.post("/pair")
def tablet_pair():
    try:
        tablet, cookie = tablets.pair(db_session(), request.form.get("code", ""), request.remote_addr,
                                      settings().secret)
    except (ValidationFailed, TooManyRequests) as exc:
        return _render("pair", 429 if isinstance(exc, TooManyRequests) else 422, error=exc.message)
    response = redirect(url_for("tablet.tablet_page"))
    response.set_cookie(COOKIE, cookie, max_age=int(COOKIE_AGE.total_seconds()), path=url_for("tablet.tablet_page"),
                        httponly=True, samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


@bp.get("/state")
def tablet_state():
    """What the waiting page polls: is the device still paired, and which offer to show."""
    tablet = _device()
    body = {"paired": tablet is not None, "offer": offers.current_id(db_session(), tablet) if tablet else None}
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/rate")
def tablet_rate():
    tablet = _device()
    if tablet is None:
        return _render("pair", 403, forget=COOKIE in request.cookies, error="本评价器未配对或已停用，请联系系统管理员")
    try:
        offers.submit(db_session(), tablet, form_int(request.form.get("offer")), form_int(request.form.get("level")),
                      request.form.get("comment"), settings())
    except ValidationFailed as exc:
        details = "；".join(v[0] for v in (exc.errors or {}).values() if v)
        return _showing(tablet, 422, error=details or exc.message, comment=(request.form.get("comment") or "")[:500])
    except DomainError as exc:
        return _render("message", 409, tablet=tablet, message=exc.message)
    return _render("thanks", tablet=tablet)
