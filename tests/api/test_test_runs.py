"""试运行 through the API: a sandbox case of a draft, its lanes acted in turn, its clock moved by
working days past a timer; nothing real is touched, and the recorded path is replayed at deploy."""
from sqlalchemy import func, select

from app.cases.models import Case
from app.cases.tasks import Task
from app.documents.models import Document
from app.extensions import db
from app.notify.models import Notification


def _draft(api, **body):
    response = api.post("/api/v1/drafts", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _counts(app) -> tuple:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Case, Task, Document, Notification))


def _task(run, element):
    return next(t for t in run["open_tasks"] if t["element"] == element)


def test_a_draft_runs_in_the_sandbox_with_its_own_clock_and_touches_nothing_real(app, as_user):
    designer = as_user("designer")
    draft = _draft(designer, source="template", template="standard_licence")
    base = f"/api/v1/drafts/{draft['id']}/test-run"
    before = _counts(app)
    assert designer.get(base).status_code == 404

    started = designer.post(base, json={"materials": ["SQS"]})
    assert started.status_code == 201, started.get_json()
    run = started.get_json()
    assert run["outcome"] == "running" and run["status_label"] == "已提交，待受理"
    acceptance = _task(run, "front_desk_acceptance")
    assert acceptance["role_label"] == "前台综合受理" and acceptance["form"]["components"]
    assert {o["value"] for o in acceptance["options"]["item_materials"]} == {"SQS", "YYZZ", "SFZ"}
    assert "front_desk_acceptance" in run["active_elements"]
    assert run["timers"] and run["timers"][0]["name"] == "受理超期"

    # the form is checked as a real task's answer is
    bad = designer.post(f"{base}/tasks/{acceptance['id']}/complete", json={"data": {"outcome": "reject"}})
    assert bad.status_code == 422 and "reason" in bad.get_json()["errors"]
    corrected = designer.post(f"{base}/tasks/{acceptance['id']}/complete",
                              json={"data": {"outcome": "correct", "missing_materials": ["YYZZ"]}})
    assert corrected.status_code == 200, corrected.get_json()
    run = corrected.get_json()
    assert run["status"] == "awaiting_correction"
    step = run["steps"][-1]
    assert step["text"] == "前台综合受理完成“受理审查”" and step["status_text"] == "办件状态：待补齐补正"
    assert step["shown"] == ["出具补齐补正材料通知书", "短信告知申请人：待补齐补正"]
    assert {"name": "supplement", "label": "申请人补交材料"} in run["waiting_messages"]
    deadline = next(t for t in run["timers"] if t["name"] == "补正期限届满")

    # move the sandbox's clock past the correction deadline: the timer fires, the case is not accepted
    moved = designer.post(f"{base}/clock", json={"next_timer": True})
    assert moved.status_code == 200, moved.get_json()
    run = moved.get_json()
    assert run["now"] > deadline["due"]
    assert "补正期限届满" in run["steps"][-1]["text"] and run["status"] == "not_accepted"
    assert run["outcome"] == "completed" and run["steps"][-1]["ended"]
    assert "出具不予受理决定书" in run["steps"][-1]["shown"]
    assert designer.post(f"{base}/clock", json={"workdays": 1}).status_code == 409

    assert _counts(app) == before  # no case, task, document or message was made


def test_a_run_moves_by_working_days_and_is_replayed_at_deploy(as_user):
    designer = as_user("designer")
    draft = _draft(designer, source="template", template="standard_licence")
    base = f"/api/v1/drafts/{draft['id']}/test-run"
    run = designer.post(base, json={}).get_json()
    acceptance = _task(run, "front_desk_acceptance")
    run = designer.post(f"{base}/tasks/{acceptance['id']}/complete", json={"data": {"outcome": "accept"}}).get_json()
    assert run["status"] == "under_review"
    assert run["steps"][-1]["shown"] == ["出具受理凭证", "短信告知申请人：审查中"]
    review = _task(run, "back_office_review")
    assert review["role_label"] == "后台分类审批" and review["due"]
    refused = designer.post(f"{base}/clock", json={"workdays": 0})
    assert refused.status_code == 422 and "workdays" in refused.get_json()["errors"]
    run = designer.post(f"{base}/clock", json={"workdays": 2}).get_json()
    assert run["steps"][-1]["text"].startswith("时钟前进 2 个工作日")
    run = designer.post(f"{base}/tasks/{review['id']}/complete", json={"data": {"decision": "approve"}}).get_json()
    assert run["status"] == "awaiting_delivery" and "出具准予行政许可决定书" in run["steps"][-1]["shown"]
    delivery = _task(run, "window_delivery")
    assert delivery["role_label"] == "综合窗口出件"
    run = designer.post(f"{base}/tasks/{delivery['id']}/complete",
                        json={"data": {"delivery_method": "e_delivery"}}).get_json()
    assert run["outcome"] == "completed" and run["status_label"] == "已办结"

    # the recorded path replays on the draft as saved: valid
    valid = designer.post(f"/api/v1/drafts/{draft['id']}/validate").get_json()
    assert valid["valid"] is True, valid
    # the review step is renamed away: the replay names the step it can no longer take
    current = designer.get(f"/api/v1/drafts/{draft['id']}").get_json()
    changed = current["xml"].replace('id="back_office_review"', 'id="department_review"') \
        .replace('bpmnElement="back_office_review"', 'bpmnElement="department_review"') \
        .replace(">back_office_review<", ">department_review<").replace('"back_office_review"', '"department_review"')
    changed = changed.replace('formKey="department_review"', 'formKey="back_office_review"')
    saved = designer.put(f"/api/v1/drafts/{draft['id']}", json={"xml": changed, "revision": current["revision"]})
    assert saved.status_code == 200, saved.get_json()
    assert designer.get(base).get_json()["stale"] is True
    checked = designer.post(f"/api/v1/drafts/{draft['id']}/validate").get_json()
    assert checked["valid"] is False, checked
    finding = checked["problems"][0]
    assert finding["rule"] == "test_run_replay" and "第 4 步" in finding["message"] and "审查并作出决定" in finding["message"]
    refused = designer.post(f"/api/v1/drafts/{draft['id']}/deploy")
    assert refused.status_code == 422 and refused.get_json()["problems"][0]["rule"] == "test_run_replay"
    # discarding the run lets the draft deploy
    assert designer.delete(base).status_code == 204
    assert designer.post(f"/api/v1/drafts/{draft['id']}/deploy").status_code == 201


def test_the_applicant_supplements_in_the_sandbox(as_user):
    designer = as_user("designer")
    draft = _draft(designer, source="template", template="standard_licence")
    base = f"/api/v1/drafts/{draft['id']}/test-run"
    run = designer.post(base, json={}).get_json()
    none_awaited = designer.post(f"{base}/supplement", json={"materials": ["YYZZ"]})
    assert none_awaited.status_code == 409 and "补正" in none_awaited.get_json()["message"]
    acceptance = _task(run, "front_desk_acceptance")
    designer.post(f"{base}/tasks/{acceptance['id']}/complete",
                  json={"data": {"outcome": "correct", "missing_materials": ["YYZZ"]}})
    wrong = designer.post(f"{base}/supplement", json={"materials": ["XX"]})
    assert wrong.status_code == 422 and "materials.0" in wrong.get_json()["errors"]
    run = designer.post(f"{base}/supplement", json={"materials": ["YYZZ"], "note": "补交执照"}).get_json()
    assert run["steps"][-1]["text"] == "申请人补交材料：营业执照复印件"
    assert "front_desk_acceptance" in run["active_elements"] and run["status_label"] == "已提交，待受理"


def test_a_draft_with_findings_cannot_be_test_run_and_only_designers_may(as_user):
    designer = as_user("designer")
    draft = _draft(designer, source="blank", name="空白流程")
    drawn = draft["xml"].replace('<bpmn:startEvent id="StartEvent_1" name="收件" />', (
        '<bpmn:startEvent id="StartEvent_1" name="收件"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="review" />'
        '<bpmn:userTask id="review" name="技术审查" camunda:formKey="fire_review">'
        '<bpmn:incoming>f1</bpmn:incoming></bpmn:userTask>'))
    assert designer.put(f"/api/v1/drafts/{draft['id']}", json={"xml": drawn, "revision": draft["revision"]}).status_code == 200
    refused = designer.post(f"/api/v1/drafts/{draft['id']}/test-run", json={})
    assert refused.status_code == 422 and refused.get_json()["problems"]
    assert "试运行" in refused.get_json()["message"]
    assert as_user("frontdesk").post(f"/api/v1/drafts/{draft['id']}/test-run", json={}).status_code == 403
    assert designer.post("/api/v1/drafts/999999/test-run", json={}).status_code == 404


def test_an_issue_document_step_shows_its_document_in_the_sandbox(as_user):
    designer = as_user("designer")
    draft = _draft(designer, source="template", template="immediate_service")
    base = f"/api/v1/drafts/{draft['id']}/test-run"
    run = designer.post(base, json={"materials": ["SQS"]}).get_json()
    decide = _task(run, "immediate_decision")
    assert decide["role_label"] == "首席代表"
    run = designer.post(f"{base}/tasks/{decide['id']}/complete", json={"data": {"outcome": "approve"}}).get_json()
    assert run["steps"][-1]["shown"] == ["出具准予行政许可决定书", "出具受理凭证", "短信告知申请人：待送达"]
