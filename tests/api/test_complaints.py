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
                                                          "content": "办理时间太长", "hall": "HY-ZWFW",
                                                          "hotline_ticket": "HY-2026-000001"})
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


def _hotline(**fields) -> dict:
    return {"channel": "hotline", "name": "周女士", "phone": "13900004444", "content": "等候时间过长",
            "hotline_ticket": "HY-2026-000123", **fields}


def test_complaints_by_phone_and_from_the_12345_hotline_carry_the_ticket_number(app, as_user, make_user):
    frontdesk, supervisor = as_user("frontdesk"), as_user("supervisor")
    case = start(frontdesk)

    def refused(api, **fields):
        response = api.post("/api/v1/complaints", json=_hotline(**fields))
        assert response.status_code == 422, response.get_json()
        return response.get_json()["errors"]

    assert "hotline_ticket" in refused(frontdesk, hotline_ticket=None)              # required for 12345
    assert "hotline_ticket" in refused(frontdesk, hotline_ticket="HY 2026/123")     # letters, digits, '-'
    assert "hotline_ticket" in refused(frontdesk, hotline_ticket="A" * 41)          # at most 40
    assert "hotline_ticket" in refused(frontdesk, channel="letter")                  # only phone and 12345 have one
    assert "case_no" in refused(frontdesk, case_no="OW20991231999999")              # the hall has no such case
    assert as_user("backoffice").post("/api/v1/complaints", json=_hotline()).status_code == 403
    assert as_user("pickup").post("/api/v1/complaints", json=_hotline()).status_code == 403
    elsewhere = make_user("gtsup", ("supervisor", "HY-GTJD"))  # a supervisor of another hall
    assert elsewhere.post("/api/v1/complaints", json=_hotline(hall="HY-ZWFW")).status_code == 403

    hotline = frontdesk.post("/api/v1/complaints", json=_hotline(case_no=case["case_no"]))
    assert hotline.status_code == 201, hotline.get_json()
    assert hotline.get_json()["hotline_ticket"] == "HY-2026-000123" and hotline.get_json()["case_id"] == case["id"]
    phone = frontdesk.post("/api/v1/complaints", json=_hotline(channel="phone", hotline_ticket=None))
    assert phone.status_code == 201 and phone.get_json()["hotline_ticket"] is None
    chief = make_user("chiefrep", ("chief_representative", "HY-ZWFW"))
    assert chief.post("/api/v1/complaints", json=_hotline(channel="phone", hotline_ticket="T-1")).status_code == 201
    items = supervisor.get("/api/v1/complaints").get_json()["items"]
    assert sorted(c["hotline_ticket"] or "" for c in items) == ["", "HY-2026-000123", "T-1"]
    events = supervisor.get(f"/api/v1/cases/{case['id']}").get_json()["events"]
    assert any(e["kind"] == "complaint_received" and "12345 热线" in e["message"] for e in events)


def _record_on_page(client, **fields):
    page = client.get("/complaints/manage")
    return client.post("/complaints/manage/new", data={"csrf_token": token_of(page), **_hotline(**fields)})


def _field_errors(response) -> set[str]:
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    return {e.get("data-field") for e in doc.cssselect("#phone-complaint .error")}


def test_staff_record_a_phone_complaint_on_the_complaints_page(app, as_user):
    case = start(as_user("frontdesk"))
    client = signed_in(app, "supervisor")
    page = client.get("/complaints/manage")
    form = lxml.html.fromstring(page.get_data(as_text=True)).cssselect("#phone-complaint")[0]
    assert "登记电话投诉" in form.text_content()
    assert [o.text for o in form.cssselect('select[name="channel"] option')] == ["电话", "12345 热线"]

    bad = _record_on_page(client, hotline_ticket="工单123")
    assert bad.status_code == 422 and _field_errors(bad) == {"hotline_ticket"}
    assert "周女士" in bad.get_data(as_text=True)  # what was typed stays
    unknown = _record_on_page(client, case_no="OW20991231999999")
    assert unknown.status_code == 422 and _field_errors(unknown) == {"case_no"}
    missing = _record_on_page(client, hotline_ticket="")
    assert missing.status_code == 422 and _field_errors(missing) == {"hotline_ticket"}
    assert as_user("supervisor").get("/api/v1/complaints").get_json()["items"] == []  # nothing was recorded

    done = _record_on_page(client, case_no=case["case_no"])
    assert done.status_code == 302
    listing = client.get("/complaints/manage").get_data(as_text=True)
    assert "已登记投诉（12345 热线），5 个工作日内答复" in listing
    row = lxml.html.fromstring(listing).cssselect("tr[data-complaint]")[0]
    assert "12345 热线，工单 HY-2026-000123" in row.text_content() and case["case_no"] in row.text_content()

    # The front desk records (no list: answering is the supervisors'); the back office may not.
    front = signed_in(app, "frontdesk")
    front_page = front.get("/complaints/manage")
    doc = lxml.html.fromstring(front_page.get_data(as_text=True))
    assert doc.cssselect("#phone-complaint") and not doc.cssselect("#complaints")
    assert _record_on_page(front, channel="phone", hotline_ticket="").status_code == 302
    back = signed_in(app, "backoffice")
    assert back.get("/complaints/manage").status_code == 403
    assert back.post("/complaints/manage/new", data={"csrf_token": token_of(back.get("/inbox")),
                                                     **_hotline()}).status_code == 403
    assert len(as_user("supervisor").get("/api/v1/complaints").get_json()["items"]) == 2
