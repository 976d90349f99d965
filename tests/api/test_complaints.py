"""投诉举报 (art. 31): online without signing in (linked to a case only with its applicant's id
number), recorded by staff for other channels, answered by the hall's supervisors, the answer
sent to the complainant."""
import lxml.html

from tests.api.test_staff_pages import signed_in, token_of
from tests.flows import start


def post_form(app, **fields):
    client = app.test_client()
    page = client.get("/complaints")
    return client.post("/complaints", data={"csrf_token": token_of(page), **fields})


def test_an_online_complaint_about_a_case_is_answered(app, as_user):
    case = start(as_user("frontdesk"))
    wrong = post_form(app, name="张先生", phone="13900001111", content="窗口人员态度不好",
                      case_no=case["case_no"], id_number="110105194912310038")
    assert wrong.status_code == 422 and "不匹配" in wrong.get_data(as_text=True)
    done = post_form(app, name="张先生", phone="13900001111", content="窗口人员态度不好",
                     case_no=case["case_no"], id_number=case["applicant"]["id_number"])
    assert done.status_code == 200 and "5 个工作日内答复" in done.get_data(as_text=True)
    supervisor = as_user("supervisor")
    [complaint] = supervisor.get("/api/v1/complaints").get_json()["items"]
    assert complaint["case_id"] == case["id"] and complaint["channel"] == "web"
    assert complaint["due_at"].startswith("2026-12-07")
    client = signed_in(app, "supervisor")
    listing = client.get("/complaints/manage")
    row = lxml.html.fromstring(listing.get_data(as_text=True)).cssselect("tr[data-complaint]")[0]
    answered = client.post(f"/complaints/manage/{row.get('data-complaint')}",
                           data={"csrf_token": token_of(listing), "answer": "已约谈窗口人员并致歉"})
    assert answered.status_code == 302
    assert supervisor.get("/api/v1/complaints").get_json()["items"][0]["state"] == "answered"
    told = supervisor.get(f"/api/v1/cases/{case['id']}/notifications").get_json()["items"]
    answer = [n for n in told if n["kind"] == "complaint_answer"]
    assert answer and answer[0]["recipient"] == "13900001111" and "已约谈窗口人员并致歉" in answer[0]["body"]
    events = [e["kind"] for e in supervisor.get(f"/api/v1/cases/{case['id']}").get_json()["events"]]
    assert "complaint_received" in events and "complaint_answered" in events


def test_staff_record_complaints_from_other_channels_and_robots_are_ignored(app, as_user):
    frontdesk = as_user("frontdesk")
    recorded = frontdesk.post("/api/v1/complaints", json={"channel": "hotline", "name": "李女士", "phone": "13900002222",
                                                          "content": "办理时间太长", "hall": "HY-ZWFW"})
    assert recorded.status_code == 201
    assert frontdesk.post("/api/v1/complaints", json={"channel": "fax", "name": "x", "content": "y"}).status_code == 422
    assert frontdesk.get("/api/v1/complaints").status_code == 403  # answering is for supervisors
    robot = post_form(app, name="bot", phone="13900003333", content="spam", website="http://spam.example")
    assert robot.status_code == 200
    items = as_user("admin").get("/api/v1/complaints").get_json()["items"]
    assert [c["name"] for c in items] == ["李女士"]
    assert post_form(app, name="", content="").status_code == 422


def test_online_complaints_are_limited_per_address(app):
    def lodge(address: str):
        client = app.test_client()
        page = client.get("/complaints")
        return client.post("/complaints", data={"csrf_token": token_of(page), "name": "赵六", "phone": "13800000001",
                                                "content": "窗口排队时间太长"}, environ_base={"REMOTE_ADDR": address})

    for _ in range(5):
        assert lodge("198.51.100.30").status_code == 200
    refused = lodge("198.51.100.30")
    assert refused.status_code == 429 and "提交投诉过于频繁" in refused.get_data(as_text=True)
    assert lodge("2001:db8:1:2::30").status_code == 200  # another address, even with the same name
