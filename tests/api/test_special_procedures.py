"""Special procedures stop the clock: their working days do not count and deadlines move."""
from datetime import timedelta

from app import clock
from tests.flows import PERSON_ID, complete, dossier, fire_timers, open_task, start


def _procedure(api, case, **body):
    return api.post(f"/api/v1/cases/{case['id']}/special-procedures", json=body)


def _end(api, case, **body):
    return api.post(f"/api/v1/cases/{case['id']}/special-procedures/end", json=body)


def test_a_hearing_pauses_the_clock_and_moves_every_deadline(app, as_user):
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    case = start(frontdesk)  # Monday 30 November
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "tolerate", "missing_materials": ["GLZD"]})
    assert case["decision_due"] == "2026-12-14T15:59:59+00:00"        # promised 10 working days
    assert case["supplement_due_at"] == "2026-12-14T15:59:59+00:00"   # tolerance 10 working days
    clock.advance(timedelta(days=1))  # Tuesday
    paused = _procedure(backoffice, case, kind="hearing", reason="申请人申请听证")
    assert paused.status_code == 200, paused.get_json()
    case = paused.get_json()
    assert case["special_procedure"]["label"] == "听证" and case["deadline"] is None
    assert _procedure(backoffice, case, kind="inspection", reason="再来一次").status_code == 409
    clock.advance(timedelta(days=20))  # the tolerance deadline passes during the hearing
    assert fire_timers(app) == {}
    ended = _end(backoffice, case, note="听证会已举行")
    assert ended.status_code == 200, ended.get_json()
    case = ended.get_json()
    # Tuesday 1 Dec → Monday 21 Dec: 14 working days did not count
    assert case["paused_days"] == 14 and case["special_procedure"] is None
    assert case["decision_due"] == "2027-01-01T15:59:59+00:00"
    assert case["supplement_due_at"] == "2027-01-01T15:59:59+00:00"
    assert open_task(case, "back_office_review")["due_at"] == "2027-01-01T15:59:59+00:00"
    assert "不计时 14 个工作日" in dossier(backoffice, case)["events"][0]["message"]
    assert case["deadline"]["kind"] == "decision" and case["deadline"]["warning"] == "green"
    clock.advance(timedelta(days=12))  # Saturday 2 January 2027: the moved deadline has passed
    assert fire_timers(app) == {"done": 1}
    assert backoffice.get(f"/api/v1/cases/{case['id']}").get_json()["status_reason"] == "逾期未补正"


def test_special_procedure_rules(app, as_user):
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    case = start(frontdesk)
    assert _procedure(frontdesk, case, kind="hearing", reason="x").status_code == 403
    assert "kind" in _procedure(backoffice, case, kind="party", reason="x").get_json()["errors"]
    assert "reason" in _procedure(backoffice, case, kind="hearing").get_json()["errors"]
    assert _end(backoffice, case).status_code == 409
    assert _procedure(as_user("backoffice"), {"id": 999999}, kind="hearing", reason="x").status_code == 404


def test_a_case_that_moves_on_during_a_procedure_leaves_no_suspended_timer(app, as_user):
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "tolerate", "missing_materials": ["GLZD"]})
    _procedure(backoffice, case, kind="inspection", reason="现场勘查")
    case = complete(backoffice, backoffice.get(f"/api/v1/cases/{case['id']}").get_json(), "back_office_review",
                    {"decision": "deny", "reason": "现场勘查不合格"})
    assert case["supplement_due_at"] is None
    case = _end(backoffice, case).get_json()
    assert case["special_procedure"] is None
    clock.advance(timedelta(days=60))
    assert fire_timers(app) == {}


def test_only_procedures_the_guide_announces_stop_the_clock(as_user):
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    person = {"name": "王师傅", "id_type": "id_card", "id_number": PERSON_ID}
    unlisted = complete(frontdesk, start(frontdesk, item_code="610118-WJ-0002", materials=["SQB"]), "front_desk_acceptance",
                        {"outcome": "accept"})
    refused = _procedure(backoffice, unlisted, kind="hearing", reason="听证")
    assert refused.status_code == 422 and "无" in refused.get_json()["errors"]["kind"][0]
    injury = complete(frontdesk, start(frontdesk, item_code="610118-RS-0004", applicant=person, materials=[]),
                      "front_desk_acceptance", {"outcome": "accept"})
    counted = _procedure(backoffice, injury, kind="inspection", reason="调查核实")
    assert counted.status_code == 422 and "计入法定办结时限" in counted.get_json()["message"]
    assert backoffice.get(f"/api/v1/cases/{injury['id']}").get_json()["special_procedure"] is None
