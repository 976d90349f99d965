"""Staff-contact records (art. 18) through HTTP: contacts at steps that allow them, flagged ones
for the supervisors of the case's hall and their review, validation, visibility, the steps'
declarations at deploy and on old versions, and the pages."""
import io
from datetime import timedelta
from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from tests.api.test_staff_pages import signed_in, token_of
from tests.flows import complete, dossier, open_task, start

STANDARD = (Path(__file__).resolve().parents[2] / "processes" / "standard_licence.bpmn").read_text(encoding="utf-8")
DECLARATIONS = ('<bpmn:extensionElements><camunda:properties><camunda:property name="applicantContact" '
                'value="{}" /></camunda:properties></bpmn:extensionElements>')


def _contact(api, case, expect=201, **body):
    body = {"mode": "in_person", "summary": "申请人到窗口询问办理进度"} | body
    response = api.post(f"/api/v1/cases/{case['id']}/contacts", json=body)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def _flagged(api, state="open"):
    response = api.get(f"/api/v1/contacts/flagged?state={state}")
    assert response.status_code == 200, response.get_json()
    return [c["id"] for c in response.get_json()["items"]]


def _under_review(as_user):
    frontdesk = as_user("frontdesk")
    return complete(frontdesk, start(frontdesk), "front_desk_acceptance", {"outcome": "accept"})


def test_a_contact_at_the_front_desk_step_is_allowed(app, as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    assert open_task(case, "front_desk_acceptance")["applicant_contact"] == "acceptance"
    contact = _contact(frontdesk, case, summary="当面核对申请材料原件")
    assert contact["flagged"] is False and contact["state"] == "allowed"
    assert contact["contact_kind"] == "acceptance" and contact["contact_kind_label"] == "受理"
    assert contact["step"] == "受理审查" and contact["recorded_by"] == "frontdesk"
    assert contact["occurred_at"] == clock.now().isoformat()
    listed = frontdesk.get(f"/api/v1/cases/{case['id']}/contacts").get_json()["items"]
    assert [c["id"] for c in listed] == [contact["id"]]
    event = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()["events"][0]
    assert event["kind"] == "applicant_contact" and "当面核对申请材料原件" in event["message"]
    assert "违规" not in event["message"] and event["data"]["flagged"] is False
    assert _flagged(as_user("supervisor")) == []


def test_taking_in_a_supplement_while_the_flow_waits_for_it_is_receiving(app, as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    assert case["status"] == "awaiting_correction" and case["open_tasks"] == []
    contact = _contact(frontdesk, case, summary="申请人到窗口递交补正材料")
    assert contact["flagged"] is False and contact["contact_kind"] == "receiving"


def test_a_contact_at_the_back_office_review_is_flagged_for_the_halls_supervisors(app, as_user, make_user):
    case = _under_review(as_user)
    backoffice, supervisor = as_user("backoffice"), as_user("supervisor")
    assert open_task(case, "back_office_review")["applicant_contact"] is None
    clock.advance(timedelta(hours=2))
    earlier = (clock.now() - timedelta(hours=1)).isoformat()  # during the review
    contact = _contact(backoffice, case, mode="phone", summary="审查人员致电申请人", occurred_at=earlier)
    assert contact["flagged"] is True and contact["state"] == "open" and contact["contact_kind"] is None
    assert contact["step"] == "审查并作出决定" and "不安排与申请人接触" in contact["flag_reason"]
    assert contact["occurred_at"] == earlier
    event = backoffice.get(f"/api/v1/cases/{case['id']}").get_json()["events"][0]
    assert event["kind"] == "applicant_contact" and "违规接触" in event["message"] and event["data"]["flagged"]

    assert _flagged(supervisor) == [contact["id"]]
    assert _flagged(as_user("admin")) == [contact["id"]]
    elsewhere = make_user("gt_supervisor", ("supervisor", "HY-GTJD"))
    assert _flagged(elsewhere) == []
    assert elsewhere.post(f"/api/v1/contacts/{contact['id']}/review", json={"note": "x"}).status_code == 404
    assert backoffice.get("/api/v1/contacts/flagged").status_code == 403

    reviewed = supervisor.post(f"/api/v1/contacts/{contact['id']}/review", json={"note": "已约谈，属业务咨询回访"})
    assert reviewed.status_code == 200, reviewed.get_json()
    assert reviewed.get_json()["state"] == "reviewed"
    assert reviewed.get_json()["review"] == {"note": "已约谈，属业务咨询回访", "by": "supervisor", "at": clock.now().isoformat()}
    assert _flagged(supervisor) == [] and _flagged(supervisor, "reviewed") == [contact["id"]]
    again = supervisor.post(f"/api/v1/contacts/{contact['id']}/review", json={"note": "再次督查"})
    assert again.status_code == 409 and again.get_json()["review_note"] == "已约谈，属业务咨询回访"
    events = backoffice.get(f"/api/v1/cases/{case['id']}").get_json()["events"]
    assert events[0]["kind"] == "contact_reviewed" and "已约谈" in events[0]["message"]


def test_a_front_desk_clerk_meeting_the_applicant_during_the_review_is_flagged(app, as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)  # 09:00
    clock.advance(timedelta(minutes=30))
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})  # 09:30
    clock.advance(timedelta(days=3))
    contact = _contact(frontdesk, case)  # cannot work the review: the step is still the review
    assert contact["flagged"] is True and contact["step"] == "审查并作出决定"
    # the clerk may say the contact belonged to the acceptance step, when it happened then
    acceptance = next(e["data"]["task_id"] for e in dossier(frontdesk, case)["events"] if e["kind"] == "task_completed")
    then = "2026-11-30T09:10:00+08:00"
    named = _contact(frontdesk, case, task_id=acceptance, occurred_at=then)
    assert named["flagged"] is False and named["step"] == "受理审查" and named["contact_kind"] == "acceptance"
    assert _contact(frontdesk, case, task_id=acceptance, occurred_at="2026-11-30T09:30:00+08:00")["flagged"] is False
    # without naming it, it is the current step's, which was not running then
    unnamed = _contact(frontdesk, case, occurred_at=then)
    assert unnamed["flagged"] is True and unnamed["step"] == "审查并作出决定"
    assert unnamed["flag_reason"] == "接触时间不在环节“审查并作出决定”的办理期间（2026-11-30 09:30 至 今）"
    # naming the acceptance for a contact after it was done does not cover it
    later = _contact(frontdesk, case, task_id=acceptance, occurred_at="2026-11-30T09:31:00+08:00")
    assert later["flagged"] is True and later["step"] == "受理审查" and later["contact_kind"] is None
    assert later["flag_reason"] == "接触时间不在环节“受理审查”的办理期间（2026-11-30 09:00 至 2026-11-30 09:30）"
    assert set(_flagged(as_user("supervisor"))) == {contact["id"], unnamed["id"], later["id"]}


def test_naming_a_finished_step_for_a_later_contact_is_flagged(app, as_user):
    """The reproduction: three days after the acceptance, a contact named as the acceptance's."""
    case = _under_review(as_user)
    events = dossier(as_user("frontdesk"), case)["events"]
    acceptance = next(e["data"]["task_id"] for e in events if e["kind"] == "task_completed")
    clock.advance(timedelta(days=3))
    backoffice = as_user("backoffice")
    contact = _contact(backoffice, case, mode="phone", summary="审查人员致电申请人", task_id=acceptance)
    assert contact["flagged"] is True and contact["state"] == "open" and contact["contact_kind"] is None
    assert contact["step"] == "受理审查" and "不在环节“受理审查”的办理期间" in contact["flag_reason"]
    event = backoffice.get(f"/api/v1/cases/{case['id']}").get_json()["events"][0]
    assert event["kind"] == "applicant_contact" and "违规接触" in event["message"] and event["data"]["flagged"]
    assert _flagged(as_user("supervisor")) == [contact["id"]]
    # nor is a step that has not begun yet a cover for a contact before it
    review = open_task(case, "back_office_review")["id"]
    clock.advance(timedelta(days=1))
    assert _contact(backoffice, case, task_id=review)["flagged"] is True  # still allows none
    window = complete(backoffice, backoffice.get(f"/api/v1/cases/{case['id']}").get_json(), "back_office_review",
                      {"decision": "approve"})
    delivery = open_task(window, "window_delivery")
    assert delivery["applicant_contact"] == "window_delivery"
    during_review = (clock.now() - timedelta(hours=1)).isoformat()
    early = _contact(as_user("pickup"), window, task_id=delivery["id"], occurred_at=during_review)
    assert early["flagged"] is True and "不在环节“" in early["flag_reason"]
    assert _contact(as_user("pickup"), window, task_id=delivery["id"])["flagged"] is False


def test_a_contact_before_the_case_existed_is_refused(app, as_user):
    frontdesk = as_user("frontdesk")
    clock.advance(timedelta(hours=1))
    case = start(frontdesk)  # 10:00
    before = frontdesk.post(f"/api/v1/cases/{case['id']}/contacts",
                            json={"mode": "phone", "summary": "x", "occurred_at": "2026-11-30T09:59:59+08:00"})
    assert before.status_code == 422 and list(before.get_json()["errors"]) == ["occurred_at"]
    assert "不能早于办件申请时间" in before.get_json()["errors"]["occurred_at"][0]
    assert _contact(frontdesk, case, occurred_at="2026-11-30T10:00:00+08:00")["flagged"] is False
    assert len(frontdesk.get(f"/api/v1/cases/{case['id']}/contacts").get_json()["items"]) == 1


def test_a_hearing_allows_contact_while_it_runs(app, as_user):
    case = _under_review(as_user)
    backoffice = as_user("backoffice")
    clock.advance(timedelta(days=2))
    started = backoffice.post(f"/api/v1/cases/{case['id']}/special-procedures",
                              json={"kind": "hearing", "reason": "申请人申请听证"})
    assert started.status_code == 200, started.get_json()
    during = _contact(backoffice, case, summary="听证会")
    assert during["flagged"] is False and during["contact_kind"] == "hearing"
    before = _contact(backoffice, case, occurred_at=(clock.now() - timedelta(days=1)).isoformat())
    assert before["flagged"] is True  # the day before the hearing began


def test_a_contact_on_a_closed_case_is_flagged(app, as_user):
    frontdesk = as_user("frontdesk")
    case = complete(frontdesk, start(frontdesk), "front_desk_acceptance", {"outcome": "reject", "reason": "不属于本机关职权"})
    assert case["status"] == "not_accepted" and case["open_tasks"] == []
    contact = _contact(frontdesk, case)
    assert contact["flagged"] is True and contact["step"] is None and "办件已结束" in contact["flag_reason"]


@pytest.mark.parametrize("body, field", [
    ({"mode": "carrier_pigeon"}, "mode"),
    ({"mode": None}, "mode"),
    ({"summary": ""}, "summary"),
    ({"summary": "   "}, "summary"),
    ({"summary": "很长" * 1001}, "summary"),
    ({"occurred_at": "2026-11-30T10:00:00+08:00"}, "occurred_at"),  # an hour ahead of the frozen clock
    ({"occurred_at": "2026-11-30T09:01"}, "occurred_at"),  # local time when no zone is given
    ({"occurred_at": "昨天"}, "occurred_at"),
    ({"occurred_at": "0001-01-01T00:00:00"}, "occurred_at"),
    ({"occurred_at": "0001-01-01T00:00:00+14:00"}, "occurred_at"),
    ({"occurred_at": "9999-12-31T23:59:59-12:00"}, "occurred_at"),
    ({"occurred_at": "1999-12-31T23:59:59+08:00"}, "occurred_at"),
    ({"occurred_at": "2026-11-30T08:59:59"}, "occurred_at"),  # before the case was made (09:00)
    ({"task_id": "no-such-task"}, "task_id"),
    ({"who": "x"}, "who"),
])
def test_invalid_contacts_are_refused_naming_the_field(app, as_user, body, field):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    payload = {"mode": "in_person", "summary": "窗口接待"} | body
    response = frontdesk.post(f"/api/v1/cases/{case['id']}/contacts", json=payload)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()
    assert frontdesk.get(f"/api/v1/cases/{case['id']}/contacts").get_json()["items"] == []


def test_a_supervisor_does_not_review_their_own_contact(app, as_user, make_user):
    case = _under_review(as_user)
    supervisor = as_user("supervisor")
    own = _contact(supervisor, case, summary="督办人员约见申请人")
    assert own["flagged"] is True and own["recorded_by"] == "supervisor"
    assert _flagged(supervisor) == [own["id"]]  # listed: the hall's flagged contacts, to see
    refused = supervisor.post(f"/api/v1/contacts/{own['id']}/review", json={"note": "本人接触，情况属实"})
    assert refused.status_code == 403 and "本人记录" in refused.get_json()["message"]
    assert _flagged(supervisor) == [own["id"]]
    page = lxml.html.fromstring(signed_in(app, "supervisor").get("/contacts/flagged").get_data(as_text=True))
    row = page.cssselect(f'tr[data-contact="{own["id"]}"]')[0]
    assert not row.cssselect("form") and "待本厅其他督办人员督查" in row.text_content()
    events = supervisor.get(f"/api/v1/cases/{case['id']}").get_json()["events"]
    assert events[0]["kind"] == "applicant_contact"  # nothing written
    colleague = make_user("zw_supervisor", ("supervisor", "HY-ZWFW"))
    done = colleague.post(f"/api/v1/contacts/{own['id']}/review", json={"note": "已核实"})
    assert done.status_code == 200 and done.get_json()["review"]["by"] == "zw_supervisor"


def test_review_needs_a_note_and_a_flagged_contact(app, as_user):
    frontdesk, supervisor = as_user("frontdesk"), as_user("supervisor")
    case = start(frontdesk)
    allowed = _contact(frontdesk, case)
    empty = supervisor.post(f"/api/v1/contacts/{allowed['id']}/review", json={"note": " "})
    assert empty.status_code == 422 and "note" in empty.get_json()["errors"]
    assert supervisor.post(f"/api/v1/contacts/{allowed['id']}/review", json={"note": "x"}).status_code == 404
    assert supervisor.post("/api/v1/contacts/999999/review", json={"note": "x"}).status_code == 404
    assert "state" in supervisor.get("/api/v1/contacts/flagged?state=all").get_json()["errors"]


def test_other_halls_staff_get_404_for_the_case(app, as_user):
    case = start(as_user("frontdesk"))
    gtdesk = as_user("gtdesk")
    assert gtdesk.post(f"/api/v1/cases/{case['id']}/contacts",
                       json={"mode": "phone", "summary": "x"}).status_code == 404
    assert gtdesk.get(f"/api/v1/cases/{case['id']}/contacts").status_code == 404
    assert as_user().get(f"/api/v1/cases/{case['id']}/contacts").status_code == 401


# --- the steps' declarations ----------------------------------------------------------------

def _deploy(api, content: bytes):
    return api.post("/api/v1/processes", data={"file": (io.BytesIO(content), "standard_licence.bpmn")},
                    content_type="multipart/form-data")


def test_an_unknown_contact_kind_is_refused_at_deploy(app, as_user):
    bad = STANDARD.replace('value="acceptance"', 'value="tea_party"', 1).encode("utf-8")
    response = _deploy(as_user("designer"), bad)
    assert response.status_code == 422, response.get_json()
    problems = [p for p in response.get_json()["problems"] if p["rule"] == "applicant_contact_kind"]
    assert [p["element_id"] for p in problems] == ["front_desk_acceptance"]
    assert "tea_party" in problems[0]["message"] and "acceptance（受理）" in problems[0]["message"]


def test_the_shipped_flow_declares_its_contact_steps(app, as_user):
    tasks = as_user("designer").get("/api/v1/processes/standard_licence/versions/1").get_json()["user_tasks"]
    declared = {task_id: meta["applicant_contact"] for task_id, meta in tasks.items()}
    assert declared == {"front_desk_acceptance": "acceptance", "window_delivery": "window_delivery",
                        "back_office_review": None, "acceptance_escalation": None}


def test_versions_deployed_before_declarations_keep_running_with_no_contact_step(app, as_user):
    """A version stored before art. 18 was modelled has no applicant_contact in its task metadata."""
    from app.processes.models import ProcessDefinition

    xml = STANDARD
    for kind in ("acceptance", "window_delivery"):
        xml = xml.replace(DECLARATIONS.format(kind), "")
    response = _deploy(as_user("designer"), xml.encode("utf-8"))
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        definition = db.session.scalar(select(ProcessDefinition).where(
            ProcessDefinition.key == "standard_licence", ProcessDefinition.version == response.get_json()["version"]))
        definition.user_tasks = {k: {n: v for n, v in meta.items() if n != "applicant_contact"}
                                 for k, meta in definition.user_tasks.items()}
        db.session.commit()
        db.session.remove()
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    assert case["process"]["version"] == response.get_json()["version"]
    assert open_task(case, "front_desk_acceptance")["applicant_contact"] is None
    assert _contact(frontdesk, case)["flagged"] is True
    assert complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})["status"] == "under_review"


# --- pages ------------------------------------------------------------------------------------

def test_the_dossier_lists_contacts_and_records_one(app, as_user):
    case = _under_review(as_user)
    client = signed_in(app, "backoffice")
    page = client.get(f"/cases/{case['id']}")
    assert page.status_code == 200
    html = lxml.html.fromstring(page.get_data(as_text=True))
    section = html.get_element_by_id("contacts")
    assert "接触记录" in section.text_content() and "没有接触记录" in section.text_content()
    clock.advance(timedelta(hours=1))  # 10:00
    done = client.post(f"/cases/{case['id']}/contacts",
                       data={"csrf_token": token_of(page), "mode": "phone", "summary": "电话告知补充说明", "task_id": "",
                             "occurred_at": "2026-11-30T09:30"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/cases/{case['id']}#contacts")
    section = lxml.html.fromstring(client.get(f"/cases/{case['id']}").get_data(as_text=True)).get_element_by_id("contacts")
    text = section.text_content()
    assert "电话告知补充说明" in text and "违规接触" in text and "待督查" in text and "2026-11-30 09:30" in text
    refused = client.post(f"/cases/{case['id']}/contacts", data={"csrf_token": token_of(page), "mode": "phone",
                                                               "summary": "x", "occurred_at": "2026-12-01T09:00"})
    assert refused.status_code == 422 and "接触时间不能晚于现在" in refused.get_data(as_text=True)
    for when, why in (("2026-11-30T08:30", "不能早于办件申请时间"), ("0001-01-01T00:00", "超出可记录的范围"),
                      ("9999-12-31T23:59", "超出可记录的范围")):
        refused = client.post(f"/cases/{case['id']}/contacts", data={"csrf_token": token_of(page), "mode": "phone",
                                                                   "summary": "x", "occurred_at": when})
        assert refused.status_code == 422 and why in refused.get_data(as_text=True), when
    assert len(as_user("backoffice").get(f"/api/v1/cases/{case['id']}/contacts").get_json()["items"]) == 1
    assert client.post(f"/cases/{case['id']}/contacts", data={"mode": "phone", "summary": "x"}).status_code == 400


def test_the_supervisors_page_reviews_flagged_contacts(app, as_user):
    case = _under_review(as_user)
    contact = _contact(as_user("backoffice"), case, summary="私下约见申请人")
    client = signed_in(app, "supervisor")
    page = client.get("/contacts/flagged")
    assert page.status_code == 200
    html = lxml.html.fromstring(page.get_data(as_text=True))
    assert "接触记录督查" in [a.text_content() for a in html.cssselect("nav a")]
    row = html.cssselect(f'tr[data-contact="{contact["id"]}"]')[0].text_content()
    assert case["case_no"] in row and "审查并作出决定" in row and "私下约见申请人" in row and "backoffice" in row
    done = client.post(f"/contacts/flagged/{contact['id']}", data={"csrf_token": token_of(page), "note": "已批评教育"})
    assert done.status_code == 302
    assert "没有待督查的接触记录" in client.get("/contacts/flagged").get_data(as_text=True)
    assert "已批评教育" in client.get("/contacts/flagged?state=reviewed").get_data(as_text=True)
    assert signed_in(app, "frontdesk").get("/contacts/flagged").status_code == 403


def test_the_task_page_says_whether_the_step_meets_the_applicant(app, as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    acceptance = open_task(case, "front_desk_acceptance")
    page = signed_in(app, "frontdesk").get(f"/tasks/{acceptance['id']}").get_data(as_text=True)
    assert "本环节允许与申请人接触：受理" in page
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    review = open_task(case, "back_office_review")
    assert "本环节不安排与申请人见面" in signed_in(app, "backoffice").get(f"/tasks/{review['id']}").get_data(as_text=True)
