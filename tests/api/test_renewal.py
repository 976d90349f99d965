"""Renewal (art. 14(4)): undecided at the licence's expiry, the case is deemed renewed."""
from datetime import datetime, timedelta

from app import clock
from tests.flows import application, complete, fire_timers, open_task, start

RENEWAL = "610118-SCJG-0003"


def _renewal(frontdesk, expiry="2026-12-10", **overrides):
    return start(frontdesk, item_code=RENEWAL, materials=["YXSQ", "YXZ"],
                 data={"licence_no": "JY16101180001234", "expiry_date": expiry}, **overrides)


def test_undecided_at_expiry_is_deemed_renewed(app, as_user):
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    case = _renewal(frontdesk)
    assert case["process"]["key"] == "renewal"
    assert case["application_data"] == {"licence_no": "JY16101180001234", "expiry_date": "2026-12-10"}
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    assert open_task(case, "back_office_review")
    clock.freeze(datetime(2026, 12, 10, 23, 0, tzinfo=clock.LOCAL_TZ))
    assert fire_timers(app) == {}                      # the expiry day has not ended
    clock.advance(timedelta(hours=1, minutes=1))
    assert fire_timers(app) == {"done": 1}
    case = backoffice.get(f"/api/v1/cases/{case['id']}").get_json()
    assert case["status"] == "deemed_renewed" and case["status_label"] == "视为准予延续"
    assert "视为准予延续" in case["status_reason"] and case["decision"] == "deemed"
    assert case["open_tasks"] == [] and case["closed_at"] is not None
    assert any(e["kind"] == "task_cancelled" and "延续审查决定" in e["message"] for e in case["events"])
    titles = [d["title"] for d in backoffice.get(f"/api/v1/cases/{case['id']}/documents").get_json()["items"]]
    assert titles == ["受理凭证", "视为准予延续通知书"]  # the applicant holds the deemed renewal in hand


def test_expiry_during_acceptance_also_deems_it_renewed(app, as_user):
    frontdesk = as_user("frontdesk")
    case = _renewal(frontdesk, expiry="2026-12-01")
    clock.freeze(datetime(2026, 12, 2, 0, 0, 1, tzinfo=clock.LOCAL_TZ))
    fire_timers(app)  # the acceptance escalation does not exist here; the expiry timer fires
    case = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()
    assert case["status"] == "deemed_renewed" and case["open_tasks"] == []


def test_decided_in_time_is_a_normal_case(app, as_user):
    frontdesk, backoffice, pickup = as_user("frontdesk"), as_user("backoffice"), as_user("pickup")
    case = _renewal(frontdesk)
    offered = frontdesk.get(f"/api/v1/tasks/{open_task(case, 'front_desk_acceptance')['id']}").get_json()
    assert [o["value"] for o in offered["form_data"]["acceptance_outcomes"]] == ["accept", "reject"]
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    case = complete(backoffice, case, "back_office_review", {"decision": "approve"})
    case = complete(pickup, case, "window_delivery", {"delivery_method": "e_delivery"})
    assert case["status"] == "completed"
    clock.advance(timedelta(days=30))
    assert fire_timers(app) == {}  # the expiry timer died with the review task


def test_renewal_application_needs_its_licence_and_a_future_expiry(as_user):
    frontdesk = as_user("frontdesk")
    missing = frontdesk.post("/api/v1/cases", json=application(item_code=RENEWAL, materials=["YXSQ"]))
    assert missing.status_code == 422 and {"data.licence_no", "data.expiry_date"} <= set(missing.get_json()["errors"])
    past = frontdesk.post("/api/v1/cases", json=application(
        item_code=RENEWAL, materials=["YXSQ"], data={"licence_no": "JY1", "expiry_date": "2026-11-01"}))
    assert past.status_code == 422 and "不能早于今天" in past.get_json()["errors"]["data.expiry_date"][0]
    bad = frontdesk.post("/api/v1/cases", json=application(
        item_code=RENEWAL, materials=["YXSQ"], data={"licence_no": "JY1", "expiry_date": "10/12/2026"}))
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.get_json()["errors"]["data.expiry_date"][0]
    extra = frontdesk.post("/api/v1/cases", json=application(data={"licence_no": "JY1"}))
    assert extra.status_code == 422 and "data" in extra.get_json()["errors"]
