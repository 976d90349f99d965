"""The signed-in member of staff of a page session (a signed cookie): the pages use it, and so
does the REST API for the pages' own scripts (with a CSRF header)."""
from flask import current_app, session

from app import clock
from app.auth.models import User
from app.auth.principal import Principal
from app.extensions import db


def session_principal() -> Principal | None:
    """The signed-in member of staff, if the session is still good: the user active, not signed
    out since (token_version), within TOKEN_MAX_AGE of signing in and STAFF_IDLE_SECONDS of the
    last request."""
    ident = session.get("staff")
    if not ident:
        return None
    now = int(clock.now().timestamp())
    config = current_app.config
    user = db.session.get(User, ident.get("id"))
    stale = (now - int(ident.get("at", 0)) > config["TOKEN_MAX_AGE_SECONDS"]
             or now - int(ident.get("seen", 0)) > config["STAFF_IDLE_SECONDS"])
    if user is None or not user.active or user.token_version != ident.get("v") or stale:
        session.pop("staff", None)
        return None
    if now - int(ident.get("seen", 0)) > 60:  # refresh the idle clock, at most once a minute
        session["staff"] = {**ident, "seen": now}
    return Principal.of(user)


def remember(user: User) -> None:
    now = int(clock.now().timestamp())
    session["staff"] = {"id": user.id, "v": user.token_version, "at": now, "seen": now}
