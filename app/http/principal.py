"""The signed-in member of staff of a page session (a signed cookie): the pages use it, and so
does the REST API for the pages' own scripts (with a CSRF header)."""
from flask import session

from app import clock
from app.auth import service as auth
from app.auth.models import User
from app.auth.principal import Principal
from app.http.runtime import db_session, settings


def session_principal() -> Principal | None:
    """The signed-in member of staff, if the session is still good: the user active, not signed
    out since (token_version), within TOKEN_MAX_AGE of signing in and STAFF_IDLE_SECONDS of the
    last request."""
    ident = session.get("staff")
    if not ident:
        return None
    now = int(clock.now().timestamp())
    found = auth.principal_by_id(db_session(), ident.get("id"), ident.get("v"))
    stale = (now - int(ident.get("at", 0)) > settings().token_max_age
             or now - int(ident.get("seen", 0)) > settings().staff_idle_seconds)
    if found is None or stale:
        session.pop("staff", None)
        return None
    if now - int(ident.get("seen", 0)) > 60:  # refresh the idle clock, at most once a minute
        session["staff"] = {**ident, "seen": now}
    return found


def remember(user: User) -> None:
    now = int(clock.now().timestamp())
    session["staff"] = {"id": user.id, "v": user.token_version, "at": now, "seen": now}
