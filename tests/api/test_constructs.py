"""Constructs a designer draws that used to be refused or to hang the case: plain and manual tasks
complete on their own (as in Camunda); a JUEL ${…} condition is answered with what to write."""
import io

from tests.flows import start
from tests.script_processes import NAMESPACES, deploy

PASS_THROUGH = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NAMESPACES} id="pass_defs" targetNamespace="https://onewindow.example/bpmn/tests">
  <bpmn:process id="pass_through" name="直通任务（测试）" isExecutable="true">
    <bpmn:startEvent id="started" camunda:formKey="timer_test_application"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="started" targetRef="check_papers" />
    <bpmn:task id="check_papers" name="核对纸质材料">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:task>
    <bpmn:sequenceFlow id="f2" sourceRef="check_papers" targetRef="stamp" />
    <bpmn:manualTask id="stamp" name="线下盖章">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:manualTask>
    <bpmn:sequenceFlow id="f3" sourceRef="stamp" targetRef="close" />
    <bpmn:scriptTask id="close" name="办结" scriptFormat="python">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>case_status = "completed"</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f4" sourceRef="close" targetRef="ended" />
    <bpmn:endEvent id="ended"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
""".encode()


def test_plain_and_manual_tasks_complete_on_their_own(app, as_user):
    designer, frontdesk = as_user("designer"), as_user("frontdesk")
    item = deploy(app, designer, "pass_through", "", item="TEST-PASS-0001", xml=PASS_THROUGH)
    case = start(frontdesk, item_code=item, materials=["SQS"], data={"wait_for": "PT1S"})
    assert case["status"] == "completed" and case["open_tasks"] == []
    dossier = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()
    assert dossier["closed_at"] and dossier["active_elements"] == []


def test_a_juel_condition_is_answered_with_the_python_to_write(as_user):
    from tests.api.test_deploy import STANDARD

    designer = as_user("designer")
    juel = STANDARD.replace(b'decision == "deny"</bpmn', b'${decision == "deny"}</bpmn')
    refused = designer.post("/api/v1/processes", content_type="multipart/form-data",
                            data={"file": (io.BytesIO(juel), "standard_licence.bpmn")})
    assert refused.status_code == 422
    found = [p for p in refused.get_json()["problems"] if p["element_id"] == "decision_deny"]
    assert found and 'decision == "approve"' in found[0]["message"] and "${" in found[0]["message"]


STUCK_FLOW = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NAMESPACES} id="stuck_defs" targetNamespace="https://onewindow.example/bpmn/tests">
  <bpmn:signal id="policy_signal" name="policy_changed" />
  <bpmn:process id="stuck_flow" name="等待信号（测试）" isExecutable="true">
    <bpmn:startEvent id="started" camunda:formKey="timer_test_application"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="started" targetRef="await_policy" />
    <bpmn:intermediateCatchEvent id="await_policy" name="等待政策调整">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:signalEventDefinition id="await_policy_def" signalRef="policy_signal" /></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="await_policy" targetRef="ended" />
    <bpmn:endEvent id="ended"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
""".encode()


def test_a_case_that_cannot_go_on_becomes_an_incident_at_once(app, as_user):
    designer, frontdesk, admin = as_user("designer"), as_user("frontdesk"), as_user("admin")
    item = deploy(app, designer, "stuck_flow", "", item="TEST-STUCK-0001", xml=STUCK_FLOW)
    case = start(frontdesk, item_code=item, materials=["SQS"], data={"wait_for": "PT1S"})
    assert case["open_tasks"] == [] and case["status"] == "submitted"
    incidents = [i for i in admin.get("/api/v1/incidents").get_json() if i["case_id"] == case["id"]]
    assert len(incidents) == 1 and incidents[0]["element_id"] == "await_policy"
    assert "流程无法继续" in incidents[0]["last_error"] and "等待政策调整" in incidents[0]["last_error"]
    refused = admin.post(f"/api/v1/incidents/{incidents[0]['id']}/retry")
    assert refused.status_code == 409 and "重试无效" in refused.get_json()["message"]
    history = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()["events"]
    assert any("流程无法继续" in e["message"] for e in history)
