"""Helpers for tests that run timers in real time: a process with a short timer."""
import io
from pathlib import Path

from sqlalchemy import select

from app.auth.models import Hall
from app.catalog import service as catalog
from app.extensions import db

DATA = Path(__file__).resolve().parent / "data"
SHORT_ITEM = "TEST-SHORT-TIMER"


def deploy_short_timer(app, designer) -> str:
    """Deploy tests/data/short_timer.bpmn (start → wait `wait_for` → completed) and an item
    running it; returns the item code."""
    response = designer.post("/api/v1/processes", content_type="multipart/form-data", data={
        "file": (io.BytesIO((DATA / "short_timer.bpmn").read_bytes()), "short_timer.bpmn"),
        "forms": (io.BytesIO((DATA / "timer_test_application.form").read_bytes()), "timer_test_application.form"),
    })
    assert response.status_code in (200, 201), response.get_json()
    with app.app_context():
        hall = db.session.scalar(select(Hall).where(Hall.code == "HY-ZWFW"))
        catalog.upsert_item(db.session, code=SHORT_ITEM, name="计时测试事项", process_key="short_timer",
                            legal_limit_days=1, promised_limit_days=1, halls=[hall], materials=[("SQS", "申请书")])
        db.session.commit()
        db.session.remove()
    return SHORT_ITEM
