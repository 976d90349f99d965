"""The engine step as a unit: rollback on failure, job and task rows, spec-less state, the
hash-chained history, and the spec cache."""
import io
import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from app import clock
from app.cases.models import Case, CaseEvent
from app.extensions import db
from app.timers.models import Job
from tests.flows import HALL, complete, fire_timers, open_task, start

ROOT = Path(__file__).resolve().parents[2]


def _failing_variant() -> bytes:
    """The standard flow, renamed, whose acceptance script divides by zero on "accept"."""
    xml = (ROOT / "processes" / "standard_licence.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('id="standard_licence"', 'id="failing_licence"').replace(
        'processRef="standard_licence"', 'processRef="failing_licence"')
    xml = xml.replace('case_status = "under_review"\n',
                      'case_status = "under_review"\nbroken = 1 / 0 if outcome == "accept" else 0\n')
    assert "1 / 0" in xml
    return xml.encode("utf-8")


def _item_for(app, process_key: str, code: str) -> str:
    from tests.guides import guide_doc, publish_doc

    publish_doc(app, guide_doc(code, process_key=process_key, halls=[HALL]))
    return code


def test_failing_script_rolls_the_whole_step_back(app, as_user):
    designer, frontdesk = as_user("designer"), as_user("frontdesk")
    deployed = designer.post("/api/v1/processes", data={"file": (io.BytesIO(_failing_variant()), "f.bpmn")},
                             content_type="multipart/form-data")
    assert deployed.status_code == 201, deployed.get_json()
    code = _item_for(app, "failing_licence", "TEST-FAIL-1")
    case = start(frontdesk, item_code=code, materials=["SQS"])
    before = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()
    failed = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"}, expect=422)
    assert "record_acceptance" in failed["message"] and "division by zero" in failed["message"]
    assert failed["errors"]["process"]
    after = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()
    assert after["revision"] == case["revision"] and after["status"] == "submitted"
    assert [e["seq"] for e in after["events"]] == [e["seq"] for e in before["events"]]
    assert open_task(after, "front_desk_acceptance")["state"] == "open"
    # the other outcomes still work: the case was not corrupted by the failed attempt
    done = complete(frontdesk, after, "front_desk_acceptance", {"outcome": "reject", "reason": "测试"})
    assert done["status"] == "not_accepted"


def test_jobs_follow_waiting_timers(app, as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    with app.app_context():
        jobs = db.session.scalars(select(Job).where(Job.case_id == case["id"])).all()
        assert sorted((j.element_id, j.state) for j in jobs) == [("acceptance_overdue", "cancelled"),
                                                                 ("correction_deadline", "pending")]
        jobs = [j for j in jobs if j.element_id == "correction_deadline"]
        # end of the 5th working day after Monday 2026-11-30, Asia/Shanghai
        assert jobs[0].due_at.astimezone(clock.LOCAL_TZ).isoformat() == "2026-12-07T23:59:59+08:00"
        assert jobs[0].provisional is False and jobs[0].due_rule == {"start": "2026-11-30", "days": 5}
        db.session.remove()
    frontdesk.post(f"/api/v1/cases/{case['id']}/supplements", json={"materials": ["PMT"]})
    with app.app_context():
        rows = db.session.execute(select(Job.element_id, Job.state).where(Job.case_id == case["id"])
                                  .order_by(Job.id)).all()
        # the correction deadline is cancelled; the new acceptance round has its own escalation timer
        assert [tuple(r) for r in rows] == [("acceptance_overdue", "cancelled"), ("correction_deadline", "cancelled"),
                                            ("acceptance_overdue", "pending")]
        db.session.remove()
    clock.advance(timedelta(days=30))
    assert fire_timers(app) == {"done": 1}  # the escalation; the cancelled deadline never fires
    case = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()
    assert case["status"] == "submitted"


def test_embedded_scheduler_sweep_fires_due_timers(app, as_user):
    from app.bootstrap import scheduler_for

    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    clock.advance(timedelta(days=8))
    scheduler_for(app).fire()
    assert frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()["status"] == "not_accepted"


def test_state_is_stored_without_the_spec(app, as_user):
    from app.bootstrap import runtime_of
    from app.cases import cycle
    from app.engine import serializer

    case = start(as_user("frontdesk"))
    with app.app_context():
        row = db.session.get(Case, case["id"])
        state = json.loads(row.state)
        assert "spec" not in state and "subprocess_specs" not in state
        with cycle.engine_step(db.session, row.id, "test", runtime_of(app)) as step:
            step.save = False
            full = serializer.dumps_with_spec(step.instance.workflow)
        assert len(row.state) < len(full) / 2
        db.session.rollback()
        db.session.remove()


def test_spec_is_parsed_once_per_definition(app):
    from app.processes import service as processes

    with app.app_context():
        definition = processes.latest_version(db.session, "standard_licence")
        assert processes.loaded(definition) is processes.loaded(definition)
        db.session.remove()


def _tamper(app, case_id: int, seq: int) -> None:
    with app.app_context():
        db.session.execute(update(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.seq == seq)
                           .values(message="收件：被篡改"))
        db.session.commit()
        db.session.remove()


def _verify(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_tampered_history_is_detected(app, as_user):
    """A read checks the chain's head against the case row (cheap); `flask audit verify` (also
    run by the scheduler once a day) re-hashes whole chains and finds an edit anywhere."""
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    assert frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()["history_intact"] is True
    assert _verify(app)[0] == 0
    _tamper(app, case["id"], 1)  # deep in the chain: the head still holds, the whole chain does not
    code, output = _verify(app)
    assert code == 1 and f"hash_chain\tcase {case['id']}" in output
    newest = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()["events"][0]["seq"]
    _tamper(app, case["id"], newest)  # the newest event: every read sees it
    assert frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()["history_intact"] is False


def test_healthz_reports_unreachable_database(tmp_path):
    from app import create_app

    broken = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db", "INSTANCE_PATH": tmp_path})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["database"] == "unreachable"
