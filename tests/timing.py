"""Helpers for tests that run timers in real time: a process with a short timer."""
import io
from pathlib import Path

from tests.guides import guide_doc, publish_doc

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
    publish_doc(app, guide_doc(SHORT_ITEM, process_key="short_timer", legal=1, promised=1,
                               materials=[("SQS", "申请书")]))
    return SHORT_ITEM
