"""Regressions from the review of working days and timers."""
import io
from datetime import datetime, timedelta
from pathlib import Path

from app import clock
from tests.flows import complete, dossier, fire_timers, open_task, start

ROOT = Path(__file__).resolve().parents[2]


def _renewal(frontdesk, expiry="2026-12-10"):
    return start(frontdesk, item_code="610118-SCJG-0003", materials=["YXSQ"],
                 data={"licence_no": "JY1", "expiry_date": expiry})


def test_a_decision_after_expiry_loses_to_the_deadline_even_before_the_scheduler_runs(app, as_user):
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    case = complete(frontdesk, _renewal(frontdesk), "front_desk_acceptance", {"outcome": "accept"})
    clock.freeze(datetime(2026, 12, 11, 8, 30, tzinfo=clock.LOCAL_TZ))
    late = complete(backoffice, case, "back_office_review", {"decision": "deny", "reason": "迟到的决定"}, expect=409)
    assert late["message"]
    assert fire_timers(app) == {"done": 1}
    case = backoffice.get(f"/api/v1/cases/{case['id']}").get_json()
    assert case["status"] == "deemed_renewed" and case["decision"] == "deemed"
    assert [e["kind"] for e in case["events"]].count("timer_fired") == 1


def test_a_late_front_desk_still_gets_its_escalation_recorded(app, as_user):
    frontdesk, supervisor = as_user("frontdesk"), as_user("supervisor")
    case = start(frontdesk)
    clock.advance(timedelta(days=2))  # Wednesday: overdue, no sweep has run
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    assert case["status"] == "under_review"
    assert "acceptance_escalation" in [t["name"] for t in supervisor.get("/api/v1/tasks").get_json()["items"]]
    assert [e["kind"] for e in dossier(frontdesk, case)["events"]].count("timer_fired") == 1


def test_versions_deployed_with_calendar_days_keep_working(app, as_user):
    old = (ROOT / "processes" / "standard_licence.bpmn").read_text(encoding="utf-8")
    old = old.replace("workdays(", "calendar_days(").replace('id="standard_licence"', 'id="old_licence"') \
        .replace('processRef="standard_licence"', 'processRef="old_licence"')
    deployed = as_user("designer").post("/api/v1/processes", content_type="multipart/form-data",
                                        data={"file": (io.BytesIO(old.encode()), "old.bpmn")})
    assert deployed.status_code == 201, deployed.get_json()
    from tests.api.test_engine_steps import _item_for

    frontdesk = as_user("frontdesk")
    case = start(frontdesk, item_code=_item_for(app, "old_licence", "T-OLD"), materials=["SQS"])
    assert open_task(case, "front_desk_acceptance")["due_at"] == "2026-12-01T15:59:59+00:00"
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    assert case["supplement_due_at"] == "2026-12-05T15:59:59+00:00"  # calendar days, as deployed


def test_acceptance_is_due_again_one_working_day_after_a_supplement(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    clock.advance(timedelta(days=3))  # Thursday
    case = frontdesk.post(f"/api/v1/cases/{case['id']}/supplements", json={"materials": ["PMT"]}).get_json()
    assert case["acceptance_due"] == "2026-12-04T15:59:59+00:00"  # Friday
    assert case["deadline"]["warning"] == "yellow" and case["deadline"]["working_days_left"] == 1


def test_special_procedures_only_under_review_and_fixed_dates_keep_running(app, as_user):
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    submitted = start(frontdesk)
    refused = backoffice.post(f"/api/v1/cases/{submitted['id']}/special-procedures",
                              json={"kind": "inspection", "reason": "x"})
    assert refused.status_code == 409
    case = complete(frontdesk, _renewal(frontdesk), "front_desk_acceptance", {"outcome": "accept"})
    paused = backoffice.post(f"/api/v1/cases/{case['id']}/special-procedures", json={"kind": "hearing", "reason": "听证"})
    assert paused.status_code == 200
    open_review = open_task(paused.get_json(), "back_office_review")
    assert open_review["warning"] is None  # no warnings while the clock is stopped
    clock.freeze(datetime(2026, 12, 11, 0, 0, 1, tzinfo=clock.LOCAL_TZ))
    assert fire_timers(app) == {"done": 2}  # the renewal expiry (a hearing does not extend a licence) and the
    #                                         other case's acceptance escalation
    case = backoffice.get(f"/api/v1/cases/{case['id']}").get_json()
    assert case["status"] == "deemed_renewed" and case["special_procedure"] is None




def test_reimporting_the_package_keeps_an_administrators_correction(app, as_user):
    admin = as_user("admin")
    admin.put("/api/v1/calendar/days/2026-12-02", json={"is_workday": False, "name": "临时闭厅"})
    result = app.test_cli_runner().invoke(args=["calendar", "import"])
    assert result.exit_code == 0, result.output
    year = admin.get("/api/v1/calendar/days?year=2026").get_json()
    day = next(d for d in year["days"] if d["date"] == "2026-12-02")
    assert day == {"date": "2026-12-02", "is_workday": False, "weekday": 3, "name": "临时闭厅", "source": "admin"}


def test_calendar_api_bounds_are_422_not_500(as_user):
    api, admin = as_user("frontdesk"), as_user("admin")
    assert api.get("/api/v1/calendar/add?start=2026-01-01&days=3000").status_code == 422
    assert api.get("/api/v1/calendar/add?start=9999-12-30&days=5").status_code == 422
    assert api.get("/api/v1/calendar/add?start=2026-01-01&days=1000").status_code == 200
    assert admin.put("/api/v1/calendar/days/9999-12-31", json={"is_workday": True}).status_code == 422
