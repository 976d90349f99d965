"""Every outcome path of the standard flow, through HTTP."""
from datetime import timedelta

from app import clock
from tests.flows import complete, dossier, fire_timers, open_task, start, supplement

NAME = "标准许可事项办理流程"  # the process's own name, shown to people


def test_accept_approve_window_pickup_completes(as_user):
    frontdesk, backoffice, pickup = as_user("frontdesk"), as_user("backoffice"), as_user("pickup")
    case = start(frontdesk)
    assert case["status"] == "submitted"
    assert case["case_no"].startswith("OW20261130")
    assert case["process"] == {"key": "standard_licence", "version": 1, "name": NAME}
    assert [t["name"] for t in case["open_tasks"]] == ["front_desk_acceptance"]

    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept", "missing_materials": [], "reason": ""})
    assert case["status"] == "under_review"
    assert [t["name"] for t in case["open_tasks"]] == ["back_office_review"]

    case = complete(backoffice, case, "back_office_review", {"decision": "approve"})
    assert case["status"] == "awaiting_delivery"
    case = complete(pickup, case, "window_delivery", {"delivery_method": "window_pickup"})
    assert case["status"] == "completed"
    assert case["open_tasks"] == []
    assert case["closed_at"] is not None
    full = dossier(pickup, case)
    assert full["history_intact"] is True
    kinds = [e["kind"] for e in reversed(full["events"])]
    assert kinds[0] == "case_submitted" and kinds[-1] == "case_closed"
    assert kinds.count("task_completed") == 3


def test_deny_goes_to_delivery_and_ends_denied(as_user):
    frontdesk, backoffice, pickup = as_user("frontdesk"), as_user("backoffice"), as_user("pickup")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    case = complete(backoffice, case, "back_office_review", {"decision": "deny", "reason": "经营场所不符合卫生要求"})
    assert case["status"] == "awaiting_delivery"
    assert case["decision"] == "deny"
    case = complete(pickup, case, "window_delivery", {"delivery_method": "mail", "carrier": "sf", "tracking_no": "SF1234567890"})
    assert case["status"] == "denied"
    assert case["status_reason"] == "经营场所不符合卫生要求"
    assert case["tracking_no"] == "SF1234567890"
    assert case["delivery_method"] == "mail"


def test_reject_needs_reason_and_ends_not_accepted(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    bad = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "reject"}, expect=422)
    assert "reason" in bad["errors"]
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "reject", "reason": "不属于本机关职权范围"})
    assert case["status"] == "not_accepted"
    assert case["status_reason"] == "不属于本机关职权范围"
    assert case["open_tasks"] == [] and case["closed_at"]


def test_correction_then_supplement_returns_to_acceptance(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance",
                    {"outcome": "correct", "missing_materials": ["PMT", "GLZD"]})
    assert case["status"] == "awaiting_correction"
    assert case["outstanding_materials"] == ["PMT", "GLZD"]
    assert case["correction_round"] == 1
    assert case["open_tasks"] == []
    assert case["supplement_due_at"] is not None
    case = supplement(frontdesk, case, ["PMT", "GLZD"], note="申请人现场补交")
    assert case["status"] == "submitted"
    assert sorted(case["materials"]) == ["FDDBR", "GLZD", "PMT", "SQS", "YYZZ"]
    assert case["supplement_due_at"] is None
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    assert case["status"] == "under_review"
    assert open_task(case, "back_office_review")


def test_correction_deadline_passed_ends_not_accepted(app, as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    assert fire_timers(app) == {}  # nothing due yet
    clock.advance(timedelta(days=8))
    assert fire_timers(app) == {"done": 1}
    case = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()
    assert case["status"] == "not_accepted"
    assert "逾期" in case["status_reason"]
    assert any(e["kind"] == "timer_fired" for e in case["events"])
    assert supplement(frontdesk, case, ["PMT"], expect=409)["message"]


def test_at_most_three_correction_rounds(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    for round_no in (1, 2, 3):
        case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
        assert case["correction_round"] == round_no
        case = supplement(frontdesk, case, ["PMT"])
    task = open_task(case, "front_desk_acceptance")
    detail = frontdesk.get(f"/api/v1/tasks/{task['id']}").get_json()
    offered = [o["value"] for o in detail["form_data"]["acceptance_outcomes"]]
    assert offered == ["accept", "tolerate", "reject"]
    refused = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]}, expect=422)
    assert "outcome" in refused["errors"]
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    assert case["status"] == "under_review"


def test_tolerance_refuses_approval_until_materials_arrive(as_user):
    frontdesk, backoffice, pickup = as_user("frontdesk"), as_user("backoffice"), as_user("pickup")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "tolerate", "missing_materials": ["GLZD"]})
    assert case["status"] == "under_review" and case["tolerated"] is True
    assert case["outstanding_materials"] == ["GLZD"]
    refused = complete(backoffice, case, "back_office_review", {"decision": "approve"}, expect=409)
    assert "食品安全管理制度文本" in refused["message"]
    assert refused["outstanding_materials"] == ["GLZD"]
    # nothing was lost: the task is still open and the case unchanged
    again = backoffice.get(f"/api/v1/cases/{case['id']}").get_json()
    assert again["revision"] == case["revision"] and open_task(again, "back_office_review")
    case = supplement(frontdesk, again, ["GLZD"])
    assert case["outstanding_materials"] == []
    case = complete(backoffice, case, "back_office_review", {"decision": "approve"})
    assert case["status"] == "awaiting_delivery"
    case = complete(pickup, case, "window_delivery", {"delivery_method": "e_delivery"})
    assert case["status"] == "completed"


def test_tolerance_deadline_denies_automatically(app, as_user):
    frontdesk, backoffice, pickup = as_user("frontdesk"), as_user("backoffice"), as_user("pickup")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "tolerate", "missing_materials": ["GLZD"]})
    clock.advance(timedelta(days=15))
    assert fire_timers(app) == {"done": 1}
    case = backoffice.get(f"/api/v1/cases/{case['id']}").get_json()
    assert case["decision"] == "deny"
    assert case["status_reason"] == "逾期未补正"
    assert [t["name"] for t in case["open_tasks"]] == ["window_delivery"]
    case = complete(pickup, case, "window_delivery", {"delivery_method": "window_pickup"})
    assert case["status"] == "denied"


def test_tolerated_case_may_be_denied_before_materials_arrive(as_user):
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "tolerate", "missing_materials": ["GLZD"]})
    case = complete(backoffice, case, "back_office_review", {"decision": "deny", "reason": "现场核查不合格"})
    assert case["status"] == "awaiting_delivery"
    assert case["supplement_due_at"] is None
