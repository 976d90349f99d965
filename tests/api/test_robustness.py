"""Regressions from review: broken timers don't stop others, odd input never gives a 500,
timers fired inside a clerk's step are recorded, a timer exactly at its due time doesn't spin."""
import io
import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app import clock
from app.cases.models import Case, CaseEvent
from app.extensions import db
from app.timers.models import Job
from tests.api.test_engine_steps import _item_for
from tests.flows import complete, dossier, fire_timers, start, supplement

ROOT = Path(__file__).resolve().parents[2]


def _variant(key: str, old: str, new: str) -> bytes:
    xml = (ROOT / "processes" / "standard_licence.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('id="standard_licence"', f'id="{key}"').replace('processRef="standard_licence"', f'processRef="{key}"')
    assert old in xml
    return xml.replace(old, new).encode("utf-8")


def _deploy(designer, xml: bytes):
    response = designer.post("/api/v1/processes", data={"file": (io.BytesIO(xml), "p.bpmn")},
                             content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()


def _jobs(app, case_id):
    """The case's jobs, leaving out the acceptance escalation timer cancelled by the front desk."""
    with app.app_context():
        rows = [(j.element_id, j.state, j.attempts) for j in db.session.scalars(select(Job).where(Job.case_id == case_id))
                if not (j.element_id == "acceptance_overdue" and j.state == "cancelled")]
        db.session.remove()
    return rows


def test_a_broken_timer_does_not_stop_the_others(app, as_user):
    designer, frontdesk = as_user("designer"), as_user("frontdesk")
    # the correction-expiry script leaves bytes in the data: the state cannot be saved
    _deploy(designer, _variant("poison_licence", 'status_reason = "逾期未补齐补正材料，不予受理"\n',
                               'status_reason = "逾期未补齐补正材料，不予受理"\njunk = b"x"\n'))
    bad = start(frontdesk, item_code=_item_for(app, "poison_licence", "T-POISON"), materials=["SQS"])
    complete(frontdesk, bad, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    clock.advance(timedelta(hours=1))
    good = start(frontdesk)
    complete(frontdesk, good, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    clock.advance(timedelta(days=8))
    assert fire_timers(app) == {"pending": 1, "done": 1}
    assert frontdesk.get(f"/api/v1/cases/{good['id']}").get_json()["status"] == "not_accepted"
    assert _jobs(app, bad["id"]) == [("correction_deadline", "pending", 1)]
    for _ in range(4):  # backs off 1, 2, 4, 8 minutes, then gives up
        clock.advance(timedelta(minutes=20))
        fire_timers(app)
    assert _jobs(app, bad["id"]) == [("correction_deadline", "failed", 5)]
    after = frontdesk.get(f"/api/v1/cases/{bad['id']}").get_json()
    assert after["status"] == "awaiting_correction"
    assert after["events"][0]["kind"] == "timer_failed" and "请管理员处理" in after["events"][0]["message"]
    clock.advance(timedelta(days=1))
    assert fire_timers(app) == {}  # a failed job waits for an administrator; no new job appears
    assert _jobs(app, bad["id"]) == [("correction_deadline", "failed", 5)]


def test_script_leaving_unstorable_data_is_422_and_changes_nothing(app, as_user):
    designer, frontdesk = as_user("designer"), as_user("frontdesk")
    _deploy(designer, _variant("bytes_licence", 'case_status = "under_review"\n', 'case_status = "under_review"\njunk = b"x"\n'))
    case = start(frontdesk, item_code=_item_for(app, "bytes_licence", "T-BYTES"), materials=["SQS"])
    failed = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"}, expect=422)
    assert "保存流程状态" in failed["message"]
    assert frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()["revision"] == case["revision"]


def test_tolerated_materials_stay_cleared_after_approval(as_user):
    frontdesk, backoffice, pickup = as_user("frontdesk"), as_user("backoffice"), as_user("pickup")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "tolerate", "missing_materials": ["GLZD"]})
    case = supplement(frontdesk, case, ["GLZD"])
    case = complete(backoffice, case, "back_office_review", {"decision": "approve"})
    assert case["outstanding_materials"] == []
    case = complete(pickup, case, "window_delivery", {"delivery_method": "window_pickup"})
    assert case["status"] == "completed" and case["outstanding_materials"] == []


def test_a_timer_fired_inside_a_clerks_step_is_recorded(app, as_user):
    designer, frontdesk, pickup = as_user("designer"), as_user("frontdesk"), as_user("pickup")
    _deploy(designer, (ROOT / "tests" / "data" / "parallel_timer.bpmn").read_bytes())
    case = start(frontdesk, item_code=_item_for(app, "par_timer", "T-PAR"), materials=["SQS"])
    clock.advance(timedelta(hours=2))  # the PT1H timer is due; no sweep has run
    case = complete(pickup, case, "a", {"delivery_method": "mail", "carrier": "sf", "tracking_no": "SF1234567890"})
    assert case["closed_at"] is not None
    assert _jobs(app, case["id"]) == [("t", "done", 0)]
    assert [e["kind"] for e in dossier(pickup, case)["events"]].count("timer_fired") == 1


def test_a_timer_exactly_at_its_due_time_does_not_spin(app, as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    with app.app_context():
        due = db.session.scalar(select(Job.due_at).where(Job.case_id == case["id"], Job.state == "pending"))
        db.session.remove()
    clock.freeze(due)
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("counts", fire_timers(app)), daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive() and result["counts"] == {}
    with app.app_context():
        assert db.session.get(Case, case["id"]).revision == case["revision"]
        db.session.remove()
    clock.advance(timedelta(seconds=1))
    assert fire_timers(app) == {"done": 1}


def test_odd_input_never_gives_a_500(as_user):
    frontdesk, designer = as_user("frontdesk"), as_user("designer")
    long_name = {"name": "甲" * 201, "id_type": "uscc", "id_number": "91610118MA6TXXXX08"}
    response = frontdesk.post("/api/v1/cases", json={"item_code": "610118-SCJG-0001", "channel": "window",
                                                     "hall": "HY-ZWFW", "applicant": long_name})
    assert response.status_code == 422 and "applicant.name" in response.get_json()["errors"]
    for path in ("/api/v1/cases/99999999999999999999", "/api/v1/processes/standard_licence/versions/99999999999999999999"):
        assert frontdesk.get(path).status_code == 404
    assert frontdesk.get("/api/v1/cases?page=999999999999999999999").status_code == 422
    assert frontdesk.get("/api/v1/tasks?page=999999999999999999999").status_code == 422
    deep = "[" * 100000 + "]" * 100000
    token = as_user().post("/api/v1/auth/token", data=deep, content_type="application/json")
    assert token.status_code == 400 and token.get_json()["code"] == 400
    form = designer.post("/api/v1/processes", content_type="multipart/form-data", data={
        "file": (io.BytesIO((ROOT / "processes" / "standard_licence.bpmn").read_bytes()), "s.bpmn"),
        "forms": (io.BytesIO(deep.encode()), "front_desk_acceptance.form")})
    assert form.status_code == 422 and form.get_json()["problems"][0]["rule"] == "form_json"
    long_process = _variant("long_name", 'name="标准许可事项办理流程"', 'name="' + "长" * 250 + '"')
    refused = designer.post("/api/v1/processes", data={"file": (io.BytesIO(long_process), "l.bpmn")},
                            content_type="multipart/form-data")
    assert refused.status_code == 422 and refused.get_json()["problems"][0]["rule"] == "name_length"


def test_bpmn_download_is_never_rendered(as_user):
    response = as_user("designer").get("/api/v1/processes/standard_licence/versions/1/xml")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_events_record_every_timer(app, as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    clock.advance(timedelta(days=8))
    fire_timers(app)
    with app.app_context():
        kinds = list(db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case["id"])))
        db.session.remove()
    assert kinds.count("timer_fired") == 1


def test_incidents_are_listed_retried_and_resolved(app, as_user):
    designer, frontdesk, admin = as_user("designer"), as_user("frontdesk"), as_user("admin")
    _deploy(designer, _variant("poison_licence", 'status_reason = "逾期未补齐补正材料，不予受理"\n',
                               'status_reason = "逾期未补齐补正材料，不予受理"\njunk = b"x"\n'))
    bad = start(frontdesk, item_code=_item_for(app, "poison_licence", "T-POISON"), materials=["SQS"])
    complete(frontdesk, bad, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    clock.advance(timedelta(days=8))
    for _ in range(5):
        fire_timers(app)
        clock.advance(timedelta(minutes=20))
    assert frontdesk.get("/api/v1/incidents").status_code == 403
    listed = admin.get("/api/v1/incidents").get_json()
    assert len(listed) == 1 and listed[0]["case_no"] == bad["case_no"] and listed[0]["attempts"] == 5
    assert "JSON serializable" in listed[0]["last_error"]
    incident = listed[0]["id"]
    retried = admin.post(f"/api/v1/incidents/{incident}/retry")
    assert retried.status_code == 200 and retried.get_json()["state"] == "pending"
    assert admin.post(f"/api/v1/incidents/{incident}/retry").status_code == 404  # no longer an incident
    assert fire_timers(app) == {"pending": 1}   # still broken: back to backoff
    for _ in range(5):
        clock.advance(timedelta(minutes=20))
        fire_timers(app)
    assert admin.post(f"/api/v1/incidents/{incident}/resolve", json={}).status_code == 422
    resolved = admin.post(f"/api/v1/incidents/{incident}/resolve", json={"resolution": "已线下作出不予受理决定"})
    assert resolved.status_code == 200 and resolved.get_json()["state"] == "resolved"
    assert admin.get("/api/v1/incidents").get_json() == []
    assert len(admin.get("/api/v1/incidents?include_resolved=true").get_json()) == 1
    kinds = [e["kind"] for e in frontdesk.get(f"/api/v1/cases/{bad['id']}").get_json()["events"]]
    assert {"timer_failed", "incident_retried", "incident_resolved"} <= set(kinds)
