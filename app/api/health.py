"""GET /healthz: 200 when the database answers, 503 when it does not."""
from flask import Blueprint, jsonify
from sqlalchemy import text

from app import clock
from app.extensions import db

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as exc:  # any failure to reach the database is "unhealthy"
        db.session.rollback()
        return jsonify({"status": "unavailable", "database": "unreachable", "error": type(exc).__name__}), 503
    return jsonify({"status": "ok", "database": "ok", "time": clock.now().isoformat()})
