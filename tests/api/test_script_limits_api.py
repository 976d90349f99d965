"""A script over a limit fails its step like any script error: 422 with a Chinese message
naming the element, the case untouched; after a timer, the firing counts an attempt, backs
off and becomes an incident (issue 14)."""
import time
from datetime import timedelta

from sqlalchemy import func, select

from app import clock
from app.cases.models import Case
from app.extensions import db
from app.timers.models import FAILED, PENDING, Job
from tests.flows import application, fire_timers, person_applicant
from tests.script_processes import BIG_STRING, LOOP, POWERS, bpmn, deploy


def _start(api, item: str, n: int = 1, wait_for: str = "PT1S"):
    return api.post("/api/v1/cases", json=application(item_code=item, materials=["SQS"], applicant=person_applicant(n),
                                                      data={"wait_for": wait_for}))


def _cases(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Case))
        db.session.remove()
    return count


def _jobs(app, case_id: int) -> list[tuple]:
    with app.app_context():
        rows = [(j.state, j.attempts, j.due_at) for j in db.session.scalars(select(Job).where(Job.case_id == case_id))]
        db.session.remove()
    return rows


def test_runaway_scripts_fail_the_case_start_naming_the_element(app, as_user):
    designer, frontdesk = as_user("designer"), as_user("frontdesk")
    before = _cases(app)
    for n, (key, script, words) in enumerate([("spin", LOOP, "条指令"), ("powers", POWERS, "4096 位"),
                                              ("huge", BIG_STRING, "1000000 个字符")]):
        item = deploy(app, designer, key, script, item=f"T-LIMIT-{n}", element=f"{key}_calc", name="计算费用")
        started = time.monotonic()
        response = _start(frontdesk, item)
        elapsed = time.monotonic() - started
        body = response.get_json()
        assert response.status_code == 422, body
        assert f"{key}_calc“计算费用”" in body["message"] and "脚本超出限制" in body["message"], body
        assert words in body["message"] and body["element_id"] == f"{key}_calc", body
        assert body["errors"]["process"] == [body["message"]]
        assert elapsed < 5, (key, elapsed)
    assert _cases(app) == before  # nothing of the failed starts was stored


def test_a_loop_in_the_diagram_stops_at_the_steps_deadline(app, as_user, reconfigure):
    # script → gateway → back to the script, for ever: each evaluation is tiny, the step is not
    xml = bpmn("looping", "n = 1").replace(
        b'<bpmn:endEvent id="ended"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>\n    '
        b'<bpmn:sequenceFlow id="f3" sourceRef="calc" targetRef="ended" />',
        b'<bpmn:exclusiveGateway id="again" default="out"><bpmn:incoming>f3</bpmn:incoming>'
        b'<bpmn:outgoing>back</bpmn:outgoing><bpmn:outgoing>out</bpmn:outgoing></bpmn:exclusiveGateway>'
        b'<bpmn:sequenceFlow id="f3" sourceRef="calc" targetRef="again" />'
        b'<bpmn:sequenceFlow id="back" sourceRef="again" targetRef="calc">'
        b'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">n == 1</bpmn:conditionExpression></bpmn:sequenceFlow>'
        b'<bpmn:endEvent id="ended"><bpmn:incoming>out</bpmn:incoming></bpmn:endEvent>'
        b'<bpmn:sequenceFlow id="out" sourceRef="again" targetRef="ended" />')
    xml = xml.replace(b"<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>",
                      b"<bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>back</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>")
    reconfigure(app, SCRIPT_STEP_SECONDS=0.5)
    item = deploy(app, as_user("designer"), "looping", "", item="T-LIMIT-LOOP", xml=xml)
    started = time.monotonic()
    response = _start(as_user("frontdesk"), item)
    assert response.status_code == 422, response.get_json()
    assert time.monotonic() - started < 3
    message = response.get_json()["message"]
    assert "0.5 秒" in message and "环节" in message, message


def test_a_state_over_its_cap_fails_the_step_naming_the_element(app, as_user, reconfigure):
    reconfigure(app, CASE_STATE_MAX_BYTES=300_000)
    designer, frontdesk = as_user("designer"), as_user("frontdesk")
    item = deploy(app, designer, "bulky", "blob = 'x' * 200000", item="T-LIMIT-STATE", element="fill", name="填充")
    before = _cases(app)
    response = _start(frontdesk, item)
    body = response.get_json()
    assert response.status_code == 422, body
    assert "流程数据（至少" in body["message"] and "293 KB 的上限" in body["message"], body
    assert "fill“填充”" in body["message"], body
    assert body["element_id"] == "fill"
    assert _cases(app) == before
    small = deploy(app, designer, "slim", "blob = 'x' * 2000", item="T-LIMIT-SLIM")
    assert _start(frontdesk, small).status_code == 201


def test_a_looping_timer_script_counts_attempts_and_becomes_an_incident(app, as_user, reconfigure):
    reconfigure(app, TIMER_BACKOFF_SECONDS=30)
    designer, frontdesk, admin = as_user("designer"), as_user("frontdesk"), as_user("admin")
    bad_item = deploy(app, designer, "late_spin", LOOP, item="T-LIMIT-TIMER", timer=True, element="spin")
    good_item = deploy(app, designer, "late_fine", "case_status = 'completed'", item="T-LIMIT-FINE", timer=True)
    bad = _start(frontdesk, bad_item, 1, "PT60S").get_json()
    good = _start(frontdesk, good_item, 2, "PT60S").get_json()
    clock.advance(timedelta(seconds=61))
    assert fire_timers(app) == {"pending": 1, "done": 1}  # the loop stops; the other case's timer fires
    [(state, attempts, due)] = _jobs(app, bad["id"])
    assert (state, attempts) == (PENDING, 1)
    assert due == clock.now() + timedelta(seconds=30)  # backs off 30 s, then 60, 120, 240
    with app.app_context():
        assert db.session.get(Case, good["id"]).status == "completed"
        error = db.session.scalar(select(Job.last_error).where(Job.case_id == bad["id"]))
        db.session.remove()
    assert "spin" in error and "条指令" in error, error
    for attempt in range(2, 6):
        clock.advance(timedelta(seconds=30 * 2 ** (attempt - 2) + 1))
        assert fire_timers(app) == {FAILED if attempt == 5 else PENDING: 1}
        assert _jobs(app, bad["id"])[0][:2] == (FAILED if attempt == 5 else PENDING, attempt)
    incidents = admin.get("/api/v1/incidents").get_json()
    assert [(i["case_id"], i["element_id"], i["attempts"]) for i in incidents] == [(bad["id"], "wait", 5)]
    assert "条指令" in incidents[0]["last_error"]
    case = frontdesk.get(f"/api/v1/cases/{bad['id']}").get_json()
    assert case["revision"] == bad["revision"] and case["events"][0]["kind"] == "timer_failed"
