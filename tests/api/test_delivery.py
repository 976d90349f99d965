"""Delivery (art. 16) and the public progress page (art. 15): the pickup code checked at the
window, the e-delivery link that expires and cannot be forged, lookups that show one case only
and are limited when guessed."""
from datetime import timedelta

import lxml.html

from app import clock
from tests.flows import complete, pickup_code, start


def decided(as_user):
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    case = complete(frontdesk, start(frontdesk), "front_desk_acceptance", {"outcome": "accept"})
    return complete(backoffice, case, "back_office_review", {"decision": "approve"})


def progress(app, case_no, id_number, address="198.51.100.20"):
    client = app.test_client()
    page = client.get("/progress")
    token = lxml.html.fromstring(page.get_data(as_text=True)).cssselect('input[name="csrf_token"]')[0].get("value")
    return client.post("/progress", data={"csrf_token": token, "case_no": case_no, "id_number": id_number},
                       environ_base={"REMOTE_ADDR": address})


def test_the_pickup_window_checks_the_applicants_code(app, as_user):
    case = decided(as_user)
    code = pickup_code(app, case)
    assert len(code) == 6 and code.isdigit()
    staff_view = as_user("pickup").get(f"/api/v1/cases/{case['id']}").get_json()
    assert code not in str(staff_view)  # staff never see it: the applicant shows it
    wrong = "000000" if code != "000000" else "111111"
    refused = complete(as_user("pickup"), case, "window_delivery", {"delivery_method": "window_pickup",
                                                                    "pickup_code": wrong}, expect=422)
    assert "取件码不正确" in refused["errors"]["pickup_code"][0]
    done = complete(as_user("pickup"), case, "window_delivery", {"delivery_method": "window_pickup",
                                                                 "pickup_code": code})
    assert done["status"] == "completed"


def test_e_delivery_link_works_expires_and_cannot_be_forged(app, as_user):
    case = decided(as_user)
    done = complete(as_user("pickup"), case, "window_delivery", {"delivery_method": "e_delivery"})
    assert done["status"] == "completed"
    page = lxml.html.fromstring(progress(app, case["case_no"], case["applicant"]["id_number"]).get_data(as_text=True))
    link = page.get_element_by_id("e_delivery").get("href")
    client = app.test_client()
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    token = link.rsplit("/", 1)[1]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(f"/deliver/{forged}").status_code == 404
    clock.advance(timedelta(days=31))
    expired = client.get(link)
    assert expired.status_code == 404 and "过期" in expired.get_data(as_text=True)


def test_progress_shows_one_case_only_and_limits_guessing(app, as_user):
    case = start(as_user("frontdesk"))
    found = progress(app, case["case_no"], case["applicant"]["id_number"].lower())
    body = found.get_data(as_text=True)
    assert found.status_code == 200 and case["case_no"] in body and "已提交，待受理" in body
    wrong_id = progress(app, case["case_no"], "110105194912310038")
    unknown = progress(app, "OW20990101000001", case["applicant"]["id_number"])
    assert wrong_id.status_code == unknown.status_code == 404
    assert "不匹配" in wrong_id.get_data(as_text=True) and "不匹配" in unknown.get_data(as_text=True)
    assert "已提交，待受理" not in wrong_id.get_data(as_text=True)
    for _ in range(9):  # ten failed lookups an hour per address (PROGRESS_LOOKUPS_PER_HOUR)
        progress(app, "OW20990101000001", "x", address="192.0.2.77")
    statuses = [progress(app, "OW20990101000001", "x", address="192.0.2.77").status_code for _ in range(3)]
    assert statuses == [404, 429, 429]
    assert progress(app, case["case_no"], case["applicant"]["id_number"], address="192.0.2.77").status_code == 429
    assert progress(app, case["case_no"], case["applicant"]["id_number"], address="192.0.2.78").status_code == 200


def test_the_progress_page_gives_the_documents_and_takes_one_rating(app, as_user):
    case = decided(as_user)
    complete(as_user("pickup"), case, "window_delivery",
             {"delivery_method": "mail", "carrier": "sf", "tracking_no": "SF1234567890"})
    found = progress(app, case["case_no"], case["applicant"]["id_number"])
    page = lxml.html.fromstring(found.get_data(as_text=True))
    links = [a.get("href") for a in page.cssselect("#documents a")]
    titles = [a.text_content() for a in page.cssselect("#documents a")]
    assert titles == ["受理凭证", "准予行政许可决定书"]
    client = app.test_client()
    assert all(client.get(link).data.startswith(b"%PDF") for link in links)
    form = page.get_element_by_id("rate")
    proof = form.cssselect('input[name="proof"]')[0].get("value")
    token = form.cssselect('input[name="csrf_token"]')[0].get("value")
    session_client = app.test_client()
    page_again = session_client.get("/progress")
    token = lxml.html.fromstring(page_again.get_data(as_text=True)).cssselect('input[name="csrf_token"]')[0].get("value")
    rated = session_client.post("/progress/rate", data={"csrf_token": token, "proof": proof, "level": "4"})
    assert rated.status_code == 200 and "感谢您的评价" in rated.get_data(as_text=True)
    twice = session_client.post("/progress/rate", data={"csrf_token": token, "proof": proof, "level": "5"})
    assert twice.status_code == 409
    forged = session_client.post("/progress/rate", data={"csrf_token": token, "proof": proof + "x", "level": "5"})
    assert forged.status_code == 404
