"""评价器 (art. 32, 一次一评) through the pages: an administrator pairs a tablet to a window with
a one-time code, a clerk of the hall sends a case to it after a window pickup, the applicant
rates on the tablet without any staff login; wrong, expired and used codes, revoked devices,
clerks of other halls and a second rating of the same visit are refused in Chinese."""
from datetime import timedelta

import lxml.html
from sqlalchemy import select

from app import clock
from app.evaluation.tablets import RatingTablet
from app.extensions import db
from tests.api.test_no_internal_codes import leaks
from tests.api.test_staff_pages import signed_in, token_of
from tests.flows import complete, open_task, pickup_code, start


def page_of(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def register(admin, hall="HY-ZWFW", window="3号窗口", expect=201):
    form = admin.get("/admin/tablets")
    response = admin.post("/admin/tablets", data={"csrf_token": token_of(form), "hall": hall, "window": window})
    assert response.status_code == expect, response.get_data(as_text=True)[:500]
    if expect != 201:
        return response, None
    doc = page_of(response)
    code = doc.get_element_by_id("pairing-code").text_content().strip()
    tablet_id = int(doc.get_element_by_id("pairing").get("data-tablet"))
    return code, tablet_id


def pair(tablet, code):
    form = tablet.get("/tablet")
    return tablet.post("/tablet/pair", data={"csrf_token": token_of(form), "code": code})


def paired_tablet(app, admin=None, hall="HY-ZWFW", window="3号窗口"):
    admin = admin or signed_in(app, "admin")
    code, tablet_id = register(admin, hall, window)
    tablet = app.test_client()
    assert pair(tablet, code).status_code == 302
    return tablet, tablet_id


def delivered(app, as_user):
    """A case handed over at the pickup window; returns (case, the delivery task's id)."""
    frontdesk, backoffice, pickup = as_user("frontdesk"), as_user("backoffice"), as_user("pickup")
    case = complete(frontdesk, start(frontdesk), "front_desk_acceptance", {"outcome": "accept"})
    case = complete(backoffice, case, "back_office_review", {"decision": "approve"})
    task_id = open_task(case, "window_delivery")["id"]
    case = complete(pickup, case, "window_delivery", {"delivery_method": "window_pickup",
                                                      "pickup_code": pickup_code(app, case)})
    return case, task_id


def offer(clerk, case_id, tablet_id, page="/cases/{}"):
    form = clerk.get(page.format(case_id))
    return clerk.post(f"/cases/{case_id}/rating-offer", data={"csrf_token": token_of(form), "tablet": tablet_id,
                                                             "back": "/inbox"})


def state(tablet):
    response = tablet.get("/tablet/state")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def rate(tablet, level, comment=None, offer_id=None, expect=200):
    form = tablet.get("/tablet")
    offer_id = offer_id or page_of(form).cssselect('input[name="offer"]')[0].get("value")
    response = tablet.post("/tablet/rate", data={"csrf_token": token_of(form), "offer": offer_id, "level": level,
                                                 "comment": comment or ""})
    assert response.status_code == expect, response.get_data(as_text=True)[:800]
    return response


def test_pairing_with_a_one_time_code_binds_the_tablet_to_its_window(app):
    admin = signed_in(app, "admin")
    assert "评价器" in [a.text_content() for a in page_of(admin.get("/admin/tablets")).cssselect("header nav a")]
    code, tablet_id = register(admin)
    assert len(code) == 6 and code.isdigit()
    tablet = app.test_client()
    assert "评价器配对" in tablet.get("/tablet").get_data(as_text=True)

    wrong = pair(tablet, "000000" if code != "000000" else "111111")
    assert wrong.status_code == 422 and "配对码不正确" in page_of(wrong).get_element_by_id("tablet-error").text_content()
    assert pair(tablet, "12ab").status_code == 422
    right = pair(tablet, code)
    assert right.status_code == 302
    cookie = right.headers["Set-Cookie"]
    assert cookie.startswith("ow_tablet=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/tablet" in cookie
    waiting = page_of(tablet.get("/tablet"))
    assert "请在窗口办理完毕后评价" in waiting.text_content()
    assert "鄠邑区政务服务中心 · 3号窗口" in waiting.cssselect("header.where")[0].text_content()
    assert state(tablet) == {"paired": True, "offer": None}

    # the code was for one device only; only hashes are stored
    assert pair(app.test_client(), code).status_code == 422
    with app.app_context():
        row = db.session.get(RatingTablet, tablet_id)
        value = cookie.split(";")[0].split("=", 1)[1]
        assert row.pairing_code_hash is None and row.device_token_hash and row.device_token_hash not in value
        assert row.paired_at is not None
        db.session.remove()
    listed = page_of(admin.get("/admin/tablets")).cssselect(f'tr[data-tablet="{tablet_id}"]')[0].text_content()
    assert "已配对" in listed and "3号窗口" in listed and "2026-11-30 09:00" in listed

    # the same window twice is refused; a clerk may not open the page
    refused, _ = register(admin, expect=422)
    assert "已有“3号窗口”的评价器" in refused.get_data(as_text=True)
    assert signed_in(app, "pickup").get("/admin/tablets").status_code == 403


def test_an_expired_code_is_refused_and_a_new_one_works(app):
    admin = signed_in(app, "admin")
    code, tablet_id = register(admin)
    clock.advance(timedelta(minutes=11))
    admin = signed_in(app, "admin")
    tablet = app.test_client()
    expired = pair(tablet, code)
    assert expired.status_code == 422 and "配对码已过期" in expired.get_data(as_text=True)
    listing = admin.get("/admin/tablets")
    again = admin.post(f"/admin/tablets/{tablet_id}/code", data={"csrf_token": token_of(listing)})
    fresh = page_of(again).get_element_by_id("pairing-code").text_content().strip()
    assert pair(tablet, fresh).status_code == 302
    assert state(tablet)["paired"] is True


def test_wrong_codes_are_limited_per_address(app):
    admin = signed_in(app, "admin")
    code, _ = register(admin)
    tablet = app.test_client()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(10):
        assert pair(tablet, wrong).status_code == 422
    limited = pair(tablet, code)
    assert limited.status_code == 429 and "输错次数过多" in limited.get_data(as_text=True)
    clock.advance(timedelta(minutes=61))
    code, _ = register(signed_in(app, "admin"), window="4号窗口")
    assert pair(tablet, code).status_code == 302


def test_a_revoked_tablet_stops_at_once(app, as_user):
    admin = signed_in(app, "admin")
    tablet, tablet_id = paired_tablet(app, admin)
    case, _ = delivered(app, as_user)
    pickup = signed_in(app, "pickup")
    assert offer(pickup, case["id"], tablet_id).status_code == 302
    form = tablet.get("/tablet")
    offer_id = page_of(form).cssselect('input[name="offer"]')[0].get("value")

    listing = admin.get("/admin/tablets")
    assert admin.post(f"/admin/tablets/{tablet_id}/revoke", data={"csrf_token": token_of(listing)}).status_code == 302
    assert "已停用" in page_of(admin.get("/admin/tablets")).cssselect(f'tr[data-tablet="{tablet_id}"]')[0].text_content()
    assert state(tablet) == {"paired": False, "offer": None}
    refused = tablet.post("/tablet/rate", data={"csrf_token": token_of(form), "offer": offer_id, "level": 5})
    assert refused.status_code == 403 and "未配对或已停用" in refused.get_data(as_text=True)
    assert refused.headers.get("Set-Cookie", "").startswith("ow_tablet=;")  # the useless cookie is dropped
    assert "评价器配对" in tablet.get("/tablet").get_data(as_text=True)
    # nothing was rated; the clerk can no longer choose it
    assert not page_of(pickup.get(f"/cases/{case['id']}")).cssselect("form.rating-offer")
    assert offer(pickup, case["id"], tablet_id).status_code == 422


def test_the_applicant_rates_on_the_tablet_after_a_window_pickup(app, as_user):
    tablet, tablet_id = paired_tablet(app)
    case, task_id = delivered(app, as_user)
    pickup = signed_in(app, "pickup")
    inbox = page_of(pickup.get(f"/inbox?done={task_id}"))
    block = inbox.get_element_by_id("offer-rating")
    assert [o.text_content() for o in block.cssselect('select[name="tablet"] option')] == ["3号窗口"]
    assert offer(pickup, case["id"], tablet_id, page=f"/inbox?done={task_id}&c={{}}").status_code == 302

    offered = state(tablet)["offer"]
    assert offered
    shown = tablet.get("/tablet")
    text = page_of(shown).text_content()
    assert "食品经营许可" in text and "3号窗口" in text and "出件窗口 赵丽" in text
    assert [s.text_content() for s in page_of(shown).cssselect(".levels label span")] == \
        ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert case["applicant"]["id_number"] not in text and case["case_no"] not in text
    assert not leaks(shown.get_data(as_text=True))

    # the form needs its CSRF token and a level
    assert tablet.post("/tablet/rate", data={"offer": offered, "level": 4}).status_code == 400
    missing = rate(tablet, "", expect=422)
    assert "请选择满意程度" in missing.get_data(as_text=True)
    thanks = rate(tablet, 4, "办理很快")
    assert "感谢您的评价" in thanks.get_data(as_text=True) and not leaks(thanks.get_data(as_text=True))
    assert state(tablet) == {"paired": True, "offer": None}
    again = tablet.post("/tablet/rate", data={"csrf_token": token_of(shown), "offer": offered, "level": 5})
    assert again.status_code == 409 and "评价邀请已失效" in again.get_data(as_text=True)

    dossier = page_of(pickup.get(f"/cases/{case['id']}")).get_element_by_id("ratings").text_content()
    assert "满意" in dossier and "窗口评价器" in dossier and "办理很快" in dossier
    history = [e["message"] for e in as_user("pickup").get(f"/api/v1/cases/{case['id']}").get_json()["events"]]
    assert "申请人评价：满意（窗口评价器）" in history
    # one rating per visit: no second offer today
    second = offer(pickup, case["id"], tablet_id)
    assert second.status_code == 409 and "本次已评价过" in second.get_data(as_text=True)


def test_the_service_refuses_a_second_rating_of_the_visit_on_the_tablet(app, as_user):
    tablet, tablet_id = paired_tablet(app)
    case, _ = delivered(app, as_user)
    assert offer(signed_in(app, "pickup"), case["id"], tablet_id).status_code == 302
    form = tablet.get("/tablet")
    offer_id = page_of(form).cssselect('input[name="offer"]')[0].get("value")
    # meanwhile the visit was rated another way (the staff API of the window tablet)
    assert as_user("pickup").post(f"/api/v1/cases/{case['id']}/evaluations", json={"level": 5}).status_code == 201
    refused = tablet.post("/tablet/rate", data={"csrf_token": token_of(form), "offer": offer_id, "level": 3})
    assert refused.status_code == 409 and "本次服务已评价过" in refused.get_data(as_text=True)
    assert state(tablet)["offer"] is None  # back to waiting


def test_a_bad_rating_on_the_tablet_opens_a_rectification(app, as_user):
    tablet, tablet_id = paired_tablet(app)
    case, _ = delivered(app, as_user)
    assert offer(signed_in(app, "pickup"), case["id"], tablet_id).status_code == 302
    rate(tablet, 1, "等了很久")
    rows = page_of(signed_in(app, "supervisor").get("/rectifications")).cssselect("tr[data-rectification]")
    assert len(rows) == 1 and "非常不满意" in rows[0].text_content()


def test_clerks_offer_only_their_own_halls_cases_to_their_own_halls_tablets(app, as_user):
    admin = signed_in(app, "admin")
    tablet, tablet_id = paired_tablet(app, admin)
    _, street_tablet = paired_tablet(app, admin, hall="HY-GTJD", window="1号窗口")
    case, _ = delivered(app, as_user)
    other = signed_in(app, "gtdesk")  # a clerk of the street centre
    form = other.get("/inbox")
    refused = other.post(f"/cases/{case['id']}/rating-offer", data={"csrf_token": token_of(form), "tablet": tablet_id})
    assert refused.status_code == 404
    pickup = signed_in(app, "pickup")
    wrong_hall = offer(pickup, case["id"], street_tablet)
    assert wrong_hall.status_code == 422 and "本大厅已配对的评价器" in wrong_hall.get_data(as_text=True)
    options = page_of(pickup.get(f"/cases/{case['id']}")).cssselect('form.rating-offer select[name="tablet"] option')
    assert [o.get("value") for o in options] == [str(tablet_id)]
    assert state(tablet)["offer"] is None
    # an administrator without a hall role sees the dossier but sends nothing
    assert not page_of(admin.get(f"/cases/{case['id']}")).cssselect("form.rating-offer")


def test_an_offer_expires_and_a_newer_one_replaces_it(app, as_user):
    tablet, tablet_id = paired_tablet(app)
    first, _ = delivered(app, as_user)
    second, _ = delivered(app, as_user)
    pickup = signed_in(app, "pickup")
    assert offer(pickup, first["id"], tablet_id).status_code == 302
    old = state(tablet)["offer"]
    assert offer(pickup, second["id"], tablet_id).status_code == 302
    new = state(tablet)["offer"]
    assert new != old
    clock.advance(timedelta(minutes=16))
    assert state(tablet)["offer"] is None
    assert "请在窗口办理完毕后评价" in tablet.get("/tablet").get_data(as_text=True)


def test_the_tablet_pages_show_nothing_internal(app, as_user):
    tablet = app.test_client()
    problems = leaks(tablet.get("/tablet").get_data(as_text=True))
    wrong = pair(tablet, "999999")
    problems += leaks(wrong.get_data(as_text=True))
    tablet, _ = paired_tablet(app)
    problems += leaks(tablet.get("/tablet").get_data(as_text=True))
    problems += leaks(signed_in(app, "admin").get("/admin/tablets").get_data(as_text=True), {"admin"})
    assert not problems, problems
    with app.app_context():
        assert db.session.scalars(select(RatingTablet)).first() is not None
        db.session.remove()
