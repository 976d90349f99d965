"""Delivery that reaches people (art. 16): the method chosen when applying (a mailing address
checked down to the street), the message each method gets, the pickup window changing it only
with a reason, the carrier and tracking number sent when mailed, who collected at the window."""
import io
import json

from app.parties.idnumbers import with_check_digit_id_card
from tests.api.test_staff_pages import signed_in
from tests.api.test_walk_in import VISITOR, page_of, receive, step_two
from tests.flows import application, complete, pickup_code, start
from tests.guides import guide_doc, publish_doc

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
    assert len(told) == 1 and "将按您选择的地址邮寄" in told[0] and case["case_no"] in told[0]
    dossier = pickup.get(f"/api/v1/cases/{case['id']}").get_json()
    assert "送达方式：邮寄至 陕西省西安市鄠邑区甘亭街道" in dossier["events"][-1]["message"]

    [task] = [t for t in case["open_tasks"] if t["name"] == "window_delivery"]
    shown = pickup.get(f"/api/v1/tasks/{task['id']}").get_json()
    assert shown["form_data"]["delivery_method"] == "mail"  # the pickup window sees the applicant's choice
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


def test_mail_chosen_at_the_window_records_where_it_went(as_user):
    case = decided(as_user, delivery={"method": "window_pickup"})
    pickup = as_user("pickup")
    mailed = {"delivery_method": "mail", "carrier": "ems", "tracking_no": "EM123456789CN",
              "delivery_change_reason": "申请人来电要求改为邮寄"}
    nowhere = complete(pickup, case, "window_delivery", mailed, expect=422)
    assert "mail_to" in nowhere["errors"]
    done = complete(pickup, case, "window_delivery", {**mailed, "mail_to": "西安市鄠邑区甘亭街道东街 9 号 张三 13800000000"})
    assert done["mail_address"] == {"as_given": "西安市鄠邑区甘亭街道东街 9 号 张三 13800000000"}
    assert done["collected_by"] is None


def test_a_long_explanation_reaches_the_notice_whole(app, as_user):
    from app.documents.models import Document  # the notice's decided content
    from app.extensions import db

    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    words = "请补充经营场所平面布局图。" * 100 + "最后一句：请携带原件。"
    complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"], "reason": words})
    notice = [d for d in frontdesk.get(f"/api/v1/cases/{case['id']}/documents").get_json()["items"]
              if d["kind"] == "correction_notice"]
    with app.app_context():
        data = db.session.get(Document, notice[0]["id"]).data
        db.session.remove()
    assert data["reason"] == words


# A designer's own process whose handover form also has a `delivery_method` field.
NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
      'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"')
XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="d_defs" targetNamespace="https://onewindow.example/bpmn/tests">
  <bpmn:collaboration id="c"><bpmn:participant id="p" name="x" processRef="own_delivery" /></bpmn:collaboration>
  <bpmn:process id="own_delivery" name="自有出件（测试）" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l1" name="pickup_window"><bpmn:flowNodeRef>s</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>hand</bpmn:flowNodeRef><bpmn:flowNodeRef>e</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="hand" />
    <bpmn:userTask id="hand" name="发放证照" camunda:formKey="own_delivery_form">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="hand" targetRef="e" />
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>""".encode()
FORM = {"id": "own_delivery_form", "type": "default", "components": [
    {"type": "radio", "id": "delivery_method", "key": "delivery_method", "label": "发放方式",
     "values": [{"label": "当场发放", "value": "hand_over"}, {"label": "快递", "value": "courier"}],
     "validate": {"required": True}}]}




def test_a_designers_own_delivery_form_is_not_held_to_the_pickup_windows_rules(app, as_user):
    designer = as_user("designer")
    deployed = designer.post("/api/v1/processes", content_type="multipart/form-data", data={
        "file": (io.BytesIO(XML), "own_delivery.bpmn"),
        "forms": (io.BytesIO(json.dumps(FORM).encode()), "own_delivery_form.form")})
    assert deployed.status_code in (200, 201), deployed.get_json()
    publish_doc(app, guide_doc("610118-TEST-0099", process_key="own_delivery", materials=[("SQS", "申请书")]))
    case = as_user("frontdesk").post("/api/v1/cases", json=application(
        item_code="610118-TEST-0099", materials=["SQS"], delivery={"method": "window_pickup"})).get_json()
    done = as_user("pickup").post(f"/api/v1/tasks/{case['open_tasks'][0]['id']}/complete",
                                  json={"data": {"delivery_method": "hand_over"}})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["collected_by"] is None
