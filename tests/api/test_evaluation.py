"""好差评 (art. 32): one rating per case online and per visit on site; a bad review becomes a
rectification due in 5 working days whose result is sent to the applicant; statistics."""
from datetime import timedelta

import lxml.html

from app import clock
from tests.flows import complete, pickup_code, start


def finished(as_user, app):
    frontdesk, backoffice, pickup = as_user("frontdesk"), as_user("backoffice"), as_user("pickup")
    case = complete(frontdesk, start(frontdesk), "front_desk_acceptance", {"outcome": "accept"})
    case = complete(backoffice, case, "back_office_review", {"decision": "approve"})
    return complete(pickup, case, "window_delivery", {"delivery_method": "window_pickup",
                                                      "pickup_code": pickup_code(app, case)})


def test_a_bad_review_is_rectified_within_five_working_days(app, as_user, codes):
    from tests.applicant_flows import Applicant

    applicant = Applicant(app, codes).register()
    case = applicant.apply()
    early = applicant.post(f"/api/v1/applicant/cases/{case['id']}/evaluation", {"level": 5})
    assert early.status_code == 409  # online: once the case is finished
    frontdesk = as_user("frontdesk")
    staff = complete(frontdesk, frontdesk.get(f"/api/v1/cases/{case['id']}").get_json(), "front_desk_acceptance",
                     {"outcome": "reject", "reason": "材料与申请事项不符"})
    assert staff["status"] == "not_accepted"
    assert applicant.post(f"/api/v1/applicant/cases/{case['id']}/evaluation", {"level": 7}).status_code == 422
    bad = applicant.post(f"/api/v1/applicant/cases/{case['id']}/evaluation", {"level": 2, "comment": "等了很久"})
    assert bad.status_code == 201 and bad.get_json()["rectification"] is True
    again = applicant.post(f"/api/v1/applicant/cases/{case['id']}/evaluation", {"level": 5})
    assert again.status_code == 409  # one rating per case online

    supervisor = as_user("supervisor")
    from tests.api.test_staff_pages import signed_in, token_of

    client = signed_in(app, "supervisor")
    listing = client.get("/rectifications")
    row = lxml.html.fromstring(listing.get_data(as_text=True)).cssselect("tr[data-rectification]")[0]
    assert "2026-12-07" in row.text_content()  # Monday + 5 working days, across the weekend
    clock.advance(timedelta(days=8))
    client = signed_in(app, "supervisor")  # a week later: a new sign-in
    listing = client.get("/rectifications")
    overdue = lxml.html.fromstring(listing.get_data(as_text=True))
    assert "超期" in overdue.cssselect("tr[data-rectification]")[0].text_content()
    closed = client.post(f"/rectifications/{row.get('data-rectification')}", data={
        "csrf_token": token_of(listing), "outcome": "rectified", "result": "已对窗口人员开展业务培训"})
    assert closed.status_code == 302
    told = supervisor.get(f"/api/v1/cases/{case['id']}/notifications").get_json()["items"]
    assert any(n["kind"] == "rectification_result" and "已对窗口人员开展业务培训" in n["body"] for n in told)
    history = [e["message"] for e in supervisor.get(f"/api/v1/cases/{case['id']}").get_json()["events"]]
    assert any("差评整改办结：已整改" in m for m in history)


def test_on_site_one_rating_per_visit_and_statistics(app, as_user):
    case = finished(as_user, app)
    frontdesk = as_user("frontdesk")
    assert frontdesk.post(f"/api/v1/cases/{case['id']}/evaluations", json={"level": 5}).status_code == 201
    assert frontdesk.post(f"/api/v1/cases/{case['id']}/evaluations", json={"level": 4}).status_code == 409
    clock.advance(timedelta(days=1))
    assert frontdesk.post(f"/api/v1/cases/{case['id']}/evaluations", json={"level": 1}).status_code == 201
    assert as_user("designer").post(f"/api/v1/cases/{case['id']}/evaluations", json={"level": 5}).status_code == 404

    from tests.api.test_staff_pages import signed_in

    stats = lxml.html.fromstring(signed_in(app, "admin").get("/admin/statistics").get_data(as_text=True))
    assert stats.get_element_by_id("satisfaction").text_content() == "50.0%"
    assert stats.cssselect("#chart rect")
    assert "西安市鄠邑区市场监督管理局" in stats.text_content()
