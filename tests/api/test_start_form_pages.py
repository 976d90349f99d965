"""A process's own application fields entered on the pages arrive typed as the start form
declares them: a number as a number, a checkbox as true/false, a checklist as a list — the pages
post text, the engine's scripts compute with the values."""
import io
import json

from tests.api.test_staff_pages import signed_in, token_of
from tests.api.test_walk_in import VISITOR, page_of
from tests.guides import guide_doc, publish_doc
from tests.script_processes import NAMESPACES

ITEM = "610118-TEST-START"
FORM = {
    "id": "typed_application", "type": "default",
    "components": [
        {"type": "number", "id": "area", "key": "area", "label": "经营面积（平方米）", "validate": {"required": True, "min": 1}},
        {"type": "checkbox", "id": "chain", "key": "chain", "label": "连锁经营"},
        {"type": "checklist", "id": "scopes", "key": "scopes", "label": "经营项目",
         "values": [{"label": "热食类", "value": "hot"}, {"label": "冷食类", "value": "cold"},
                    {"label": "饮品", "value": "drinks"}]},
    ],
}
BPMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NAMESPACES} id="typed_defs" targetNamespace="https://onewindow.example/bpmn/tests">
  <bpmn:process id="typed_start" name="带申请表的事项（测试）" isExecutable="true">
    <bpmn:startEvent id="started" camunda:formKey="typed_application"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="started" targetRef="calc" />
    <bpmn:scriptTask id="calc" name="计算" scriptFormat="python">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>doubled = area * 2
kinds = len(scopes) + (1 if chain else 0)</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="calc" targetRef="ended" />
    <bpmn:endEvent id="ended"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
""".encode()


def _deploy(app, as_user):
    response = as_user("designer").post("/api/v1/processes", content_type="multipart/form-data", data={
        "file": (io.BytesIO(BPMN), "typed_start.bpmn"),
        "forms": (io.BytesIO(json.dumps(FORM).encode()), "typed_application.form")})
    assert response.status_code in (200, 201), response.get_json()
    publish_doc(app, guide_doc(ITEM, name="带申请表的事项", process_key="typed_start", legal=1, promised=1,
                               materials=[("SQS", "申请书")]))


def _intake(client, **data):
    form = client.get("/intake", query_string={"hall": "HY-ZWFW", "item": ITEM, "id_number": VISITOR})
    assert form.status_code == 200, form.get_data(as_text=True)[:1000]
    return form, client.post("/intake", content_type="multipart/form-data", data={
        "csrf_token": token_of(form), "hall": "HY-ZWFW", "item": ITEM, "id_number": VISITOR,
        "applicant.name": "王大爷", "applicant.phone": "13900001111", "handed_in": ["SQS"], **data})


def test_the_window_enters_numbers_ticks_and_lists_that_the_process_computes_with(app, as_user):
    _deploy(app, as_user)
    client = signed_in(app, "frontdesk")
    form, done = _intake(client, **{"data.area": "12.5", "data.chain": "1", "data.scopes": ["hot", "drinks"]})
    fields = page_of(form)
    assert fields.cssselect("input[type=number][name='data.area']")
    assert len(fields.cssselect("input[type=checkbox][name='data.scopes']")) == 3
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    case = as_user("frontdesk").get(f"/api/v1/cases?id_number={VISITOR}").get_json()["items"][0]
    assert case["application_data"] == {"area": 12.5, "chain": True, "scopes": ["hot", "drinks"]}
    assert case["status"] not in ("failed",)


def test_a_number_that_is_not_one_is_named_and_the_ticks_are_kept(app, as_user):
    _deploy(app, as_user)
    client = signed_in(app, "frontdesk")
    _, refused = _intake(client, **{"data.area": "十二", "data.scopes": ["hot", "cold"]})
    assert refused.status_code == 422
    page = page_of(refused)
    assert "经营面积" in page.text_content() and "数字" in page.text_content()
    kept = [box.get("value") for box in page.cssselect("input[name='data.scopes'][checked]")]
    assert kept == ["hot", "cold"]
    assert page.cssselect("input[name='data.area']")[0].get("value") == "十二"
