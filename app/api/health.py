"""GET /healthz: 200 when the database answers, 503 when it does not."""
from flask import Blueprint, jsonify

from app import clock
from app.database import unreachable
from app.http.runtime import db_session

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    error = unreachable(db_session())
    if error is not None:
        return jsonify({"status": "unavailable", "database": "unreachable", "error": error}), 503
    return jsonify({"status": "ok", "database": "ok", "time": clock.now().isoformat()})
