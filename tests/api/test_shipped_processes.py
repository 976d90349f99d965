"""The processes shipped beside the standard licence, each with its forms and a published guide:
即办件 decided at the window by the chief representative in one sitting, a 联办 item decided by
two departments in parallel (会签 with distinct signers), and a 行政确认 with 现场核查 under a
working-day timer."""
from datetime import timedelta

from app import clock
from tests.flows import complete, dossier, fire_timers, person_applicant, start

IMMEDIATE, JOINT, SITE = "610118-SCJG-0011", "610118-LB-0001", "610118-NY-0001"


def _kinds(api, case) -> set[str]:
    return {d["kind"] for d in api.get(f"/api/v1/cases/{case['id']}/documents").get_json()["items"]}


def test_an_immediate_item_is_accepted_and_decided_by_the_chief_representative_in_one_sitting(as_user, make_user):
    chief = make_user("chief", ("chief_representative", "HY-ZWFW"), display_name="首席代表 周洁")
    case = start(chief, item_code=IMMEDIATE, materials=["SQS", "XKZ"])
    task = next(t for t in case["open_tasks"] if t["name"] == "immediate_decision")
    assert task["role"] == "chief_representative"
    # the front desk does not decide an immediate item: the chief representative's task is not theirs
    assert as_user("frontdesk").post(f"/api/v1/tasks/{task['id']}/complete",
                                     json={"data": {"outcome": "approve"}}).status_code == 403
    case = complete(chief, case, "immediate_decision", {"outcome": "approve"})
    assert case["status"] == "awaiting_delivery"
    assert {"acceptance_receipt", "approval"} <= _kinds(chief, case)  # 出具受理凭证 (出具文书), then the decision
    case = complete(as_user("pickup"), case, "window_delivery", {"delivery_method": "e_delivery"})
    assert case["status"] == "completed"

    refused = start(chief, item_code=IMMEDIATE, materials=["SQS"])
    bad = complete(chief, refused, "immediate_decision", {"outcome": "reject"}, expect=422)
    assert "reason" in bad["errors"]
    refused = complete(chief, refused, "immediate_decision", {"outcome": "reject", "reason": "许可证已被吊销，应办理其他手续"})
    assert refused["status"] == "not_accepted" and "non_acceptance_decision" in _kinds(chief, refused)


def test_a_joint_item_needs_two_distinct_signers_and_names_the_department_that_disagrees(as_user, make_user):
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    second = make_user("fire_officer", ("back_office", "HY-ZWFW"), display_name="消防审查员 马超")
    case = start(frontdesk, item_code=JOINT, materials=["SQS", "YYZZ", "PMT", "GLZD", "XFCN"])
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    assert case["status"] == "under_review"
    assert {t["name"] for t in case["open_tasks"]} == {"market_review", "fire_review"}
    case = complete(backoffice, case, "market_review", {"market_opinion": "agree"})
    refused = complete(backoffice, case, "fire_review", {"fire_opinion": "agree"}, expect=409)
    assert "会签" in refused["message"] and "不同人员" in refused["message"]
    assert dossier(backoffice, case)["status"] == "under_review"  # nothing was taken by the refusal
    case = complete(second, case, "fire_review", {"fire_opinion": "disagree", "fire_reason": "疏散通道宽度不足"})
    assert case["status"] == "awaiting_delivery"
    view = dossier(backoffice, case)
    assert view["decision"] == "deny" and view["status_reason"] == "消防救援机构：疏散通道宽度不足"
    assert "denial_decision" in _kinds(backoffice, case)
    case = complete(as_user("pickup"), case, "window_delivery", {"delivery_method": "e_delivery"})
    assert case["status"] == "denied"


def test_a_confirmation_escalates_a_late_site_inspection_and_is_completed(app, as_user):
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    case = start(frontdesk, item_code=SITE, applicant={**person_applicant(7), "phone": "13800000007"},
                 materials=["SQS", "HKB", "GSJL"])
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    inspection = next(t for t in case["open_tasks"] if t["name"] == "site_inspection")
    assert inspection["role"] == "back_office" and inspection["due_at"]
    clock.advance(timedelta(days=9))  # past five working days
    fire_timers(app)
    case = dossier(backoffice, case)
    names = {t["name"] for t in case["open_tasks"]}
    assert names == {"site_inspection", "inspection_escalation"}  # the inspection goes on; a supervisor urges it
    supervisor = as_user("supervisor")
    case = complete(supervisor, case, "inspection_escalation", {"action": "urged", "note": "已电话催办"})
    bad = complete(backoffice, case, "site_inspection", {"inspection_result": "consistent"}, expect=422)
    assert "inspection_notes" in bad["errors"]
    case = complete(backoffice, case, "site_inspection", {"inspection_result": "consistent",
                                                   "inspection_notes": "12月7日到村核查，申请人户内无宅基地，与申请一致"})
    case = complete(backoffice, case, "back_office_review", {"decision": "approve"})
    assert case["status"] == "awaiting_delivery"
    case = complete(as_user("pickup"), case, "window_delivery", {"delivery_method": "e_delivery"})
    assert case["status"] == "completed"
