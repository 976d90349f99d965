"""The modeler's workspace through the API: drafts saved on the server, one editor at a time,
deployed with their forms (a redeploy never loses them)."""
import io
import json
from datetime import timedelta

from app import clock
from tests.api.test_deploy import SHIPPED_FORMS

FORMS = {"front_desk_acceptance", "back_office_review", "window_delivery", "supervisor_escalation"}


def _draft(api, **body):
    response = api.post("/api/v1/drafts", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_deployed_version_opened_as_a_draft_redeploys_with_its_forms(as_user):
    designer = as_user("designer")
    draft = _draft(designer, source="version", key="standard_licence", version=1)
    assert draft["based_on"] == {"key": "standard_licence", "version": 1}
    assert draft["name"] == "标准许可事项办理流程 第 1 版的修改"
    assert set(draft["forms"]) == FORMS
    assert draft["editor"] == designer.get("/api/v1/auth/me").get_json()["display_name"] and not draft["editing_by_other"]

    old_doc = "综合窗口送达办理结果：窗口领取、网上送达或邮寄（须填写运单号）。"
    changed = draft["xml"].replace(old_doc, "综合窗口送达（草稿修改）。")
    assert changed != draft["xml"]
    form = draft["forms"]["window_delivery"]
    form["components"][0]["label"] = "送达方式（草稿）"
    saved = designer.put(f"/api/v1/drafts/{draft['id']}", json={"xml": changed, "forms": draft["forms"],
                                                                  "revision": draft["revision"]})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["revision"] == draft["revision"] + 1
    stale = designer.put(f"/api/v1/drafts/{draft['id']}", json={"xml": changed, "revision": draft["revision"]})
    assert stale.status_code == 409 and "刷新" in stale.get_json()["message"]

    deployed = designer.post(f"/api/v1/drafts/{draft['id']}/deploy")
    assert deployed.status_code == 201, deployed.get_json()
    body = deployed.get_json()
    assert (body["key"], body["version"]) == ("standard_licence", 2)
    assert sorted(body["forms"]) == ["back_office_review", "front_desk_acceptance", "supervisor_escalation", "window_delivery"]
    v2 = designer.get("/api/v1/processes/standard_licence/versions/2/forms/window_delivery").get_json()
    assert v2["components"][0]["label"] == "送达方式（草稿）"
    v2_acceptance = designer.get("/api/v1/processes/standard_licence/versions/2/forms/front_desk_acceptance").get_json()
    assert v2_acceptance == json.loads(SHIPPED_FORMS["front_desk_acceptance"])  # carried over untouched
    listed = designer.get("/api/v1/drafts").get_json()
    assert listed["items"][0]["deployed"] == {"key": "standard_licence", "version": 2}
    assert "standard_licence" in listed["templates"] and "renewal" in listed["templates"]


def test_one_designer_edits_a_draft_at_a_time(as_user, make_user):
    make_user("designer2", ("designer", None), display_name="流程设计 李娜")
    first, second = as_user("designer"), as_user("designer2")
    draft = _draft(first, source="template", template="renewal")
    assert "renewal_application" in draft["forms"]
    seen = second.get(f"/api/v1/drafts/{draft['id']}").get_json()
    assert seen["editing_by_other"] is True and seen["editor"]
    refused = second.put(f"/api/v1/drafts/{draft['id']}", json={"xml": seen["xml"], "revision": seen["revision"]})
    assert refused.status_code == 409 and "正由" in refused.get_json()["message"]
    assert second.post(f"/api/v1/drafts/{draft['id']}/lease").status_code == 409
    assert second.delete(f"/api/v1/drafts/{draft['id']}").status_code == 409
    # the first closes the page: the second takes over at once
    assert first.delete(f"/api/v1/drafts/{draft['id']}/lease").status_code == 204
    taken = second.post(f"/api/v1/drafts/{draft['id']}/lease")
    assert taken.status_code == 200 and taken.get_json()["editor"] == "流程设计 李娜"
    assert first.get(f"/api/v1/drafts/{draft['id']}").get_json()["editing_by_other"] is True
    # a lease not renewed runs out: a tab left open elsewhere does not lock the draft for ever
    clock.advance(timedelta(minutes=3))
    assert first.post(f"/api/v1/drafts/{draft['id']}/lease").status_code == 200


def test_a_blank_draft_is_refused_at_deploy_with_findings_on_its_elements(as_user):
    designer = as_user("designer")
    draft = _draft(designer, source="blank", name="建设工程消防验收")
    assert "建设工程消防验收" in draft["xml"] and draft["forms"] == {}
    before = designer.get("/api/v1/processes").get_json()
    drawn = draft["xml"].replace('<bpmn:startEvent id="StartEvent_1" name="收件" />', (
        '<bpmn:startEvent id="StartEvent_1" name="收件"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="review" />'
        '<bpmn:userTask id="review" name="技术审查" camunda:formKey="fire_review">'
        '<bpmn:incoming>f1</bpmn:incoming></bpmn:userTask>'))
    saved = designer.put(f"/api/v1/drafts/{draft['id']}", json={"xml": drawn, "revision": draft["revision"]})
    assert saved.status_code == 200, saved.get_json()
    found = designer.post(f"/api/v1/drafts/{draft['id']}/validate").get_json()
    assert found["valid"] is False
    on_review = [p["message"] for p in found["problems"] if p["element_id"] == "review"]
    assert any("fire_review" in m for m in on_review), found["problems"]
    refused = designer.post(f"/api/v1/drafts/{draft['id']}/deploy")
    assert refused.status_code == 422 and refused.get_json()["problems"]
    assert designer.get("/api/v1/processes").get_json() == before  # nothing deployed


def test_an_uploaded_file_becomes_a_draft_and_hostile_xml_is_refused(as_user):
    designer = as_user("designer")
    from tests.api.test_deploy import STANDARD
    made = designer.post("/api/v1/drafts/upload", data={"file": (io.BytesIO(STANDARD), "standard_licence.bpmn")})
    assert made.status_code == 201, made.get_json()
    assert set(made.get_json()["forms"]) == FORMS
    hostile = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</definitions>')
    refused = designer.post("/api/v1/drafts/upload", data={"file": (io.BytesIO(hostile), "evil.bpmn")})
    assert refused.status_code == 422 and "file" in refused.get_json()["errors"]
    assert "root:" not in json.dumps(refused.get_json())


def test_only_designers_and_administrators_reach_drafts(as_user):
    frontdesk = as_user("frontdesk")
    assert frontdesk.get("/api/v1/drafts").status_code == 403
    assert frontdesk.post("/api/v1/drafts", json={"source": "blank"}).status_code == 403
    admin = as_user("admin")
    draft = _draft(admin, source="blank")
    assert frontdesk.get(f"/api/v1/drafts/{draft['id']}").status_code == 403
    assert admin.get("/api/v1/drafts/999999").status_code == 404
    bad = admin.post("/api/v1/drafts", json={"source": "template", "template": "nope"})
    assert bad.status_code == 422 and "template" in bad.get_json()["errors"]
    assert admin.delete(f"/api/v1/drafts/{draft['id']}").status_code == 204


def test_the_designers_reference_lists_the_platforms_contract(app):
    from tests.api.test_staff_pages import signed_in

    designer = signed_in(app, "designer")
    page = designer.get("/modeler/reference")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for needed in ("front_desk", "前台综合受理", "case_status", "awaiting_correction", "outstanding_materials",
                   "item_materials", "supplement", "workdays(20)", "decision == \"approve\"", "tracking_no",
                   "applicantContact", "多选框组"):
        assert needed in text, needed
    assert "/modeler/reference" in designer.get("/modeler").get_data(as_text=True)  # linked from the workspace
    assert signed_in(app, "frontdesk").get("/modeler/reference").status_code == 403


def test_a_wait_for_an_unknown_message_an_unknown_status_or_an_unvalidated_field_is_refused_on_its_element(as_user):
    """What would hang or mislead at run time is refused at deployment, each on its element."""
    designer = as_user("designer")
    draft = _draft(designer, source="version", key="standard_licence", version=1)
    xml = draft["xml"].replace('<bpmn:message id="supplement" name="supplement" />',
                               '<bpmn:message id="supplement" name="supplement" />'
                               '<bpmn:message id="site_visit_done" name="site_visit_done" />')
    wait = '<bpmn:messageEventDefinition id="correction_supplement_received_def" messageRef="supplement" />'
    assert wait in xml
    xml = xml.replace(wait, wait.replace('messageRef="supplement"', 'messageRef="site_visit_done"'))
    xml = xml.replace('case_status = "completed"', 'case_status = "finished"')
    forms = draft["forms"]
    forms["window_delivery"]["components"].append({"type": "filepicker", "key": "scan", "label": "扫描件"})
    saved = designer.put(f"/api/v1/drafts/{draft['id']}", json={"xml": xml, "forms": forms, "revision": draft["revision"]})
    assert saved.status_code == 200, saved.get_json()
    refused = designer.post(f"/api/v1/drafts/{draft['id']}/deploy")
    assert refused.status_code == 422
    found = {(p["element_id"], p["rule"]) for p in refused.get_json()["problems"]}
    assert ("correction_supplement_received", "unknown_message") in found
    assert ("close_completed", "unknown_case_status") in found
    assert ("window_delivery", "form_schema") in found
    said = {p["rule"]: p["message"] for p in refused.get_json()["problems"]}
    assert "site_visit_done" in said["unknown_message"] and "supplement" in said["unknown_message"]
    assert "finished" in said["unknown_case_status"] and "completed（已办结）" in said["unknown_case_status"]


def test_the_process_layers_statuses_are_the_cases_own():
    from app.cases.models import STATUS_LABELS
    from app.processes.vocabulary import CASE_STATUSES

    assert CASE_STATUSES == STATUS_LABELS


def test_the_documents_a_flow_may_issue_are_the_documents_own():
    from app.documents.models import KINDS
    from app.processes.vocabulary import DOCUMENTS

    titles = {kind: title for kind, (title, _) in KINDS.items()}
    assert titles == DOCUMENTS


def test_a_form_preview_is_checked_with_the_servers_rules(as_user):
    designer = as_user("designer")
    draft = _draft(designer, source="version", key="standard_licence", version=1)
    url = f"/api/v1/drafts/{draft['id']}/forms/front_desk_acceptance/try"
    missing = designer.post(url, json={"data": {}})
    assert missing.status_code == 422 and "outcome" in missing.get_json()["errors"]
    wrong = designer.post(url, json={"data": {"outcome": "correct", "missing_materials": ["NOPE"]}})
    assert wrong.status_code == 422 and "missing_materials" in wrong.get_json()["errors"]
    offered = designer.get(f"/api/v1/drafts/{draft['id']}/preview-data").get_json()["options"]
    assert {o["value"] for o in offered["acceptance_outcomes"]} == {"accept", "correct", "tolerate", "reject"}
    assert offered["item_materials"]  # sample materials where a case would offer its guide's
    fine = designer.post(url, json={"data": {"outcome": "correct", "missing_materials": ["SQS"]}})
    assert fine.status_code == 200 and fine.get_json()["data"]["missing_materials"] == ["SQS"]
    assert designer.post(f"/api/v1/drafts/{draft['id']}/forms/nope/try", json={"data": {}}).status_code == 404
    assert as_user("frontdesk").post(url, json={"data": {}}).status_code == 403


def test_the_diagram_being_edited_is_checked_without_being_saved(as_user):
    designer = as_user("designer")
    draft = _draft(designer, source="template", template="standard_licence")
    edited = draft["xml"].replace('name="front_desk"', 'name="fire_brigade"')
    checked = designer.post(f"/api/v1/drafts/{draft['id']}/check", json={"xml": edited})
    assert checked.status_code == 200
    found = [p for p in checked.get_json()["problems"] if p["element_id"] == "lane_front_desk"]
    assert found and "fire_brigade" in found[0]["message"]
    kept = designer.get(f"/api/v1/drafts/{draft['id']}").get_json()
    assert kept["revision"] == draft["revision"] and 'name="front_desk"' in kept["xml"]  # nothing saved
    bad = designer.post(f"/api/v1/drafts/{draft['id']}/check", json={"xml": edited, "forms": {"x": 1}})
    assert bad.status_code == 422 and "forms.x.value" in bad.get_json()["errors"]
    assert as_user("frontdesk").post(f"/api/v1/drafts/{draft['id']}/check", json={"xml": edited}).status_code == 403


def test_an_issue_document_step_names_a_document_the_platform_draws(as_user):
    designer = as_user("designer")
    draft = _draft(designer, source="template", template="immediate_service")
    assert designer.post(f"/api/v1/drafts/{draft['id']}/validate").get_json()["valid"] is True
    edited = draft["xml"].replace('value="acceptance_receipt"', 'value="site_report"')
    checked = designer.post(f"/api/v1/drafts/{draft['id']}/check", json={"xml": edited}).get_json()
    found = {p["element_id"]: p for p in checked["problems"]}
    assert found["issue_receipt"]["rule"] == "unknown_document_kind"
    assert "site_report" in found["issue_receipt"]["message"] and "受理凭证" in found["issue_receipt"]["message"]
