"""Delivery that reaches people (art. 16): the method chosen when applying (a mailing address
checked down to the street), the message each method gets, the pickup window changing it only
with a reason, the carrier and tracking number sent when mailed, who collected at the window."""
from app.parties.idnumbers import with_check_digit_id_card
from tests.api.test_staff_pages import signed_in
from tests.api.test_walk_in import VISITOR, page_of, receive, step_two
from tests.flows import application, complete, pickup_code, start

ADDRESS = {"province": "陕西省", "city": "西安市", "district": "鄠邑区", "street": "甘亭街道", "detail": "东街 12 号 3 单元 501"}
COLLECTOR = with_check_digit_id_card("61012419780909004")


def decided(as_user, **overrides):
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    case = complete(frontdesk, start(frontdesk, **overrides), "front_desk_acceptance", {"outcome": "accept"})
    return complete(backoffice, case, "back_office_review", {"decision": "approve"})


def messages(api, case, kind=None):
    rows = api.get(f"/api/v1/cases/{case['id']}/notifications").get_json()["items"]
    return [n["body"] for n in rows if n["channel"] == "sms" and (kind is None or n["kind"] == kind)]


def test_mail_chosen_when_applying_is_told_and_sent_with_its_tracking_number(as_user):
    case = decided(as_user, delivery={"method": "mail", "address": ADDRESS})
    assert case["delivery_choice"] == "mail"
    assert case["mail_address"] == {**ADDRESS, "recipient": "西安鄠邑小厨餐饮有限公司", "phone": "13800000000"}
    pickup = as_user("pickup")
    assert messages(pickup, case, "ready_for_pickup") == []  # no pickup code for a mailed result
    told = messages(pickup, case, "to_be_mailed")
    assert len(told) == 1 and "邮寄至陕西省西安市鄠邑区甘亭街道东街 12 号 3 单元 501" in told[0]
    dossier = pickup.get(f"/api/v1/cases/{case['id']}").get_json()
    assert "送达方式：邮寄至 陕西省西安市鄠邑区甘亭街道" in dossier["events"][-1]["message"]

    done = complete(pickup, case, "window_delivery", {"delivery_method": "mail", "carrier": "sf",
                                                      "tracking_no": "SF1234567890"})
    assert done["status"] == "completed" and done["carrier"] == "sf"
    assert messages(pickup, case, "mailed") == [
        f"“食品经营许可（新办）”的办理结果已由顺丰速运寄出，运单号 SF1234567890（{case['case_no']}）。"]


def test_the_pickup_window_changes_the_method_only_with_a_reason(app, as_user):
    case = decided(as_user, delivery={"method": "mail", "address": ADDRESS})
    pickup, code = as_user("pickup"), pickup_code(app, case)
    refused = complete(pickup, case, "window_delivery", {"delivery_method": "window_pickup", "pickup_code": code},
                       expect=422)
    assert "变更理由" in refused["errors"]["delivery_change_reason"][0]
    done = complete(pickup, case, "window_delivery", {"delivery_method": "window_pickup", "pickup_code": code,
                                                      "delivery_change_reason": "申请人到窗口要求当面领取"})
    history = [e["message"] for e in pickup.get(f"/api/v1/cases/{case['id']}").get_json()["events"]]
    assert "送达方式由“邮寄”变更为“窗口领取”：申请人到窗口要求当面领取" in history
    assert done["collected_by"] == {"name": "西安鄠邑小厨餐饮有限公司", "id_number": None, "proxy": False,
                                    "authorisation_checked": False}


def test_someone_else_collects_only_with_the_applicants_authorisation(app, as_user):
    case = decided(as_user)
    pickup, code = as_user("pickup"), pickup_code(app, case)
    by_proxy = {"delivery_method": "window_pickup", "pickup_code": code, "collector_is_proxy": True,
                "collector_name": "李四", "collector_id_number": COLLECTOR}
    unchecked = complete(pickup, case, "window_delivery", by_proxy, expect=422)
    assert "授权委托书" in unchecked["errors"]["authorisation_checked"][0]
    mistyped = COLLECTOR[:-1] + ("0" if COLLECTOR[-1] != "0" else "1")
    bad_id = complete(pickup, case, "window_delivery", {**by_proxy, "authorisation_checked": True,
                                                        "collector_id_number": mistyped}, expect=422)
    assert "collector_id_number" in bad_id["errors"]
    done = complete(pickup, case, "window_delivery", {**by_proxy, "authorisation_checked": True})
    assert done["collected_by"] == {"name": "李四", "id_number": COLLECTOR, "proxy": True, "authorisation_checked": True}
    history = [e["message"] for e in pickup.get(f"/api/v1/cases/{case['id']}").get_json()["events"]]
    assert "窗口领取：李四（代领，已核验授权委托书）" in history


def test_e_delivery_chosen_gets_its_own_message_and_no_pickup_code(as_user):
    case = decided(as_user, delivery={"method": "e_delivery"})
    pickup = as_user("pickup")
    assert messages(pickup, case, "ready_for_pickup") == []
    assert len(messages(pickup, case, "to_be_e_delivered")) == 1
    done = complete(pickup, case, "window_delivery", {"delivery_method": "e_delivery"})
    assert done["status"] == "completed" and len(messages(pickup, case, "e_delivered")) == 1


def test_a_bad_address_is_named_part_by_part_and_nothing_is_received(as_user):
    frontdesk = as_user("frontdesk")
    bad = frontdesk.post("/api/v1/cases", json=application(delivery={"method": "mail", "address": {
        **ADDRESS, "street": "东大街", "district": "鄠邑"}}))
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert set(errors) == {"delivery.address.street", "delivery.address.district"}
    assert "街道（乡镇）" in errors["delivery.address.street"][0]
    missing = frontdesk.post("/api/v1/cases", json=application(delivery={"method": "mail"}))
    assert missing.status_code == 422 and "delivery.address.province" in missing.get_json()["errors"]
    odd = frontdesk.post("/api/v1/cases", json=application(delivery={"method": "drone"}))
    assert odd.status_code == 422
    assert frontdesk.get("/api/v1/cases").get_json()["items"] == []


def test_the_window_chooses_mail_on_the_intake_page(app, as_user):
    client = signed_in(app)
    form = step_two(client)
    html = page_of(form)
    assert html.cssselect("#delivery input[value=window_pickup]")[0].get("checked") is not None
    assert html.cssselect("input[name='delivery.address.district']")[0].get("value") == "鄠邑区"
    fields = {"delivery.method": "mail", **{f"delivery.address.{k}": v for k, v in ADDRESS.items()}}
    wrong = receive(client, form, handed_in=["SQS"], **{**fields, "delivery.address.street": "东大街"})
    assert wrong.status_code == 422
    assert page_of(wrong).cssselect("span.error[data-field='delivery.address.street']")
    done = receive(client, form, handed_in=["SQS"], **fields)
    assert done.status_code == 302
    case = as_user("frontdesk").get(f"/api/v1/cases?id_number={VISITOR}").get_json()["items"][0]
    assert case["delivery_choice"] == "mail"
    assert case["mail_address"] == {**ADDRESS, "recipient": "王大爷", "phone": "13900001111"}
