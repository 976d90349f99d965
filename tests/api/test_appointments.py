"""预约 (art. 12): slots on working days only, online and clerk bookings, one active booking per
person/item/day, cancellation frees the seat, the front desk's day list and check-in, which
receives the application. (The last-seat race on PostgreSQL: tests/concurrency/test_pg_appointments.py.)"""
from datetime import timedelta

import lxml.html

from app import clock
from app.parties.idnumbers import with_check_digit_id_card
from tests.api.test_staff_pages import signed_in, token_of
from tests.applicant_flows import Applicant
from tests.flows import HALL, ITEM

PERSON_B = with_check_digit_id_card("61012419900101234")


def publish(user, **overrides):
    body = {"hall": HALL, "item_code": ITEM, "date_from": "2026-12-01", "date_to": "2026-12-07",
            "times": ["09:00-10:00", "14:00-15:00"], "capacity": 2} | overrides
    return user.post("/api/v1/appointments/slots", json=body)


def slots(client, **query):
    args = "&".join(f"{k}={v}" for k, v in ({"item_code": ITEM} | query).items())
    return client.get(f"/api/v1/appointments/slots?{args}").get_json()["items"]


def booking(slot_id, name="李四", id_number=PERSON_B, channel="phone", phone="13900006666"):
    return {"slot_id": slot_id, "item_code": ITEM, "channel": channel,
            "applicant": {"name": name, "id_type": "id_card", "id_number": id_number, "phone": phone}}


def test_slots_are_published_on_working_days_only(app, as_user):
    admin, supervisor = as_user("admin"), as_user("supervisor")
    # Thursday 3 December closed for a holiday, Saturday 5 December an adjusted workday
    admin.put("/api/v1/calendar/days/2026-12-03", json={"is_workday": False, "name": "临时闭厅"})
    admin.put("/api/v1/calendar/days/2026-12-05", json={"is_workday": True, "name": "调休上班"})
    assert publish(as_user("frontdesk")).status_code == 403
    made = publish(supervisor)
    assert made.status_code == 201 and made.get_json() == {"created": 10, "working_days": 5, "scope": f"item:{ITEM}"}
    assert publish(supervisor).get_json()["created"] == 0  # publishing again adds nothing
    days = sorted({s["day"] for s in slots(app.test_client())})
    assert days == ["2026-12-01", "2026-12-02", "2026-12-04", "2026-12-05", "2026-12-07"]
    bad = publish(supervisor, date_from="2026-11-01")
    assert bad.status_code == 422 and "date_from" in bad.get_json()["errors"]
    assert "times.0" in publish(supervisor, times=["10:00-09:00"]).get_json()["errors"]
    assert publish(supervisor, times=["25:00-26:00"]).get_json()["errors"] == {"times.0": ["“25:00-26:00”格式应为 09:00-10:00"]}
    assert "capacity" in publish(supervisor, capacity=0).get_json()["errors"]
    both = publish(supervisor, window_group="综合受理窗口")
    assert both.status_code == 422 and "item_code" in both.get_json()["errors"]
    group = publish(supervisor, item_code=None, window_group="综合受理窗口", date_to="2026-12-01", times=["11:00-12:00"])
    assert group.status_code == 201
    assert any(s["window_group"] == "综合受理窗口" for s in slots(app.test_client(), days=1))  # serves every item of the hall
    # the 4th is declared a holiday after publishing: its slots take no more bookings
    friday = [s for s in slots(app.test_client()) if s["day"] == "2026-12-04"][0]
    admin.put("/api/v1/calendar/days/2026-12-04", json={"is_workday": False, "name": "临时闭厅"})
    assert not [s for s in slots(app.test_client()) if s["day"] == "2026-12-04"]
    closed = as_user("frontdesk").post("/api/v1/appointments", json=booking(friday["id"]))
    assert closed.status_code == 409 and "非工作日" in closed.get_json()["message"]


def test_booking_rules_cancel_and_seats(app, as_user, codes):
    publish(as_user("supervisor"), capacity=1)
    frontdesk = as_user("frontdesk")
    first = slots(app.test_client())[0]
    assert first["day"] == "2026-12-01" and first["free"] == 1
    made = frontdesk.post("/api/v1/appointments", json=booking(first["id"]))
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["booking_no"].startswith("YY20261201") and made.get_json()["state"] == "booked"
    full = frontdesk.post("/api/v1/appointments", json=booking(first["id"], name="王五",
                                                              id_number=with_check_digit_id_card("61012419900101111")))
    assert full.status_code == 409 and "已约满" in full.get_json()["message"]
    second = slots(app.test_client())[1]
    again = frontdesk.post("/api/v1/appointments", json=booking(second["id"]))  # same person, item and day
    assert again.status_code == 409 and "applicant.id_number" in again.get_json()["errors"]
    wrong = frontdesk.post("/api/v1/appointments", json=booking(second["id"], id_number="610124199001011235"))
    assert wrong.status_code == 422 and "applicant.id_number" in wrong.get_json()["errors"]
    no_phone = frontdesk.post("/api/v1/appointments", json=booking(second["id"], phone=None))
    assert no_phone.status_code == 422 and "applicant.phone" in no_phone.get_json()["errors"]
    cancelled = frontdesk.post(f"/api/v1/appointments/{made.get_json()['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["state"] == "cancelled"
    assert slots(app.test_client())[0]["free"] == 1  # the seat is free again
    assert frontdesk.post(f"/api/v1/appointments/{made.get_json()['id']}/cancel").status_code == 409
    rebooked = frontdesk.post("/api/v1/appointments", json=booking(second["id"]))
    assert rebooked.status_code == 201  # cancelled bookings do not count as active
    clock.freeze(clock.now() + timedelta(days=1, hours=6))  # Tuesday 15:00: the 14:00 slot has begun
    assert frontdesk.post(f"/api/v1/appointments/{rebooked.get_json()['id']}/cancel").status_code == 409
    past = frontdesk.post("/api/v1/appointments", json=booking(first["id"], name="王五",
                                                              id_number=with_check_digit_id_card("61012419900101111")))
    assert past.status_code == 409 and "已开始或已过去" in past.get_json()["message"]


def test_an_applicant_books_online_sees_it_and_cancels(app, as_user, codes):
    publish(as_user("supervisor"))
    applicant = Applicant(app, codes)
    applicant.register()
    slot = slots(app.test_client())[0]
    made = applicant.post("/api/v1/applicant/appointments", json={"slot_id": slot["id"], "item_code": ITEM})
    assert made.status_code == 201 and made.get_json()["channel"] == "online" and "phone" not in made.get_json()
    mine = applicant.get("/api/v1/applicant/appointments").get_json()["items"]
    assert [a["booking_no"] for a in mine] == [made.get_json()["booking_no"]]
    other = Applicant(app, codes, phone="13912340001", address="203.0.113.10")
    assert other.post(f"/api/v1/applicant/appointments/{made.get_json()['id']}/cancel").status_code == 404
    assert other.get("/api/v1/applicant/appointments").get_json()["items"] == []
    assert app.test_client().get("/api/v1/applicant/appointments").status_code == 401
    frontdesk_token = as_user("frontdesk").token()
    staff_token = app.test_client().get("/api/v1/applicant/appointments",
                                        headers={"Authorization": f"Bearer {frontdesk_token}"})
    assert staff_token.status_code == 401  # staff tokens do not open the applicant API
    with app.app_context():
        from sqlalchemy import select

        from app.extensions import db
        from app.notify.models import Notification

        sms = db.session.scalars(select(Notification).where(Notification.kind == "appointment_booked")).all()
        assert [(n.recipient, made.get_json()["booking_no"] in n.body) for n in sms] == [(applicant.phone, True)]
    assert applicant.post(f"/api/v1/applicant/appointments/{made.get_json()['id']}/cancel").get_json()["state"] == "cancelled"


def test_the_front_desk_checks_in_on_the_day_which_receives_the_application(app, as_user):
    publish(as_user("supervisor"), date_from="2026-11-30", times=["14:00-15:00"])
    frontdesk = as_user("frontdesk")
    today = [s for s in slots(app.test_client()) if s["day"] == "2026-11-30"][0]
    tomorrow = [s for s in slots(app.test_client()) if s["day"] == "2026-12-01"][0]
    made = frontdesk.post("/api/v1/appointments", json=booking(today["id"], channel="on_site")).get_json()
    later = frontdesk.post("/api/v1/appointments", json=booking(tomorrow["id"], name="王五",
                                                               id_number=with_check_digit_id_card("61012419900101111")))
    day = frontdesk.get("/api/v1/appointments").get_json()
    assert day["day"] == "2026-11-30" and [a["booking_no"] for a in day["items"]] == [made["booking_no"]]
    early = frontdesk.post(f"/api/v1/appointments/{later.get_json()['id']}/check-in", json={})
    assert early.status_code == 409 and "当天" in early.get_json()["message"]
    assert as_user("backoffice").post(f"/api/v1/appointments/{made['id']}/check-in", json={}).status_code == 403
    client = signed_in(app, "frontdesk")
    listing = client.get("/appointments")
    row = lxml.html.fromstring(listing.get_data(as_text=True)).cssselect(f'tr[data-appointment="{made["id"]}"]')[0]
    assert "李四" in row.text_content() and row.cssselect("form.check-in")
    materials = [i.get("value") for i in row.cssselect('form.check-in input[name="materials"]')]
    checked = client.post(f"/appointments/{made['id']}/check-in",
                          data={"csrf_token": token_of(listing), "materials": materials[:2]})
    assert checked.status_code == 302 and "/cases/" in checked.headers["Location"]
    case_id = int(checked.headers["Location"].rstrip("/").split("/")[-1])
    case = frontdesk.get(f"/api/v1/cases/{case_id}").get_json()
    assert case["applicant"]["name"] == "李四" and case["item"]["code"] == ITEM and case["materials"] == materials[:2]
    assert any(e["kind"] == "appointment_checked_in" and made["booking_no"] in e["message"] for e in case["events"])
    again = frontdesk.post(f"/api/v1/appointments/{made['id']}/check-in", json={})
    assert again.status_code == 409
    assert frontdesk.get("/api/v1/appointments").get_json()["items"][0]["state"] == "checked_in"


def test_staff_of_another_hall_cannot_see_or_touch_bookings(app, as_user, make_hall, make_user):
    publish(as_user("supervisor"))
    made = as_user("frontdesk").post("/api/v1/appointments", json=booking(slots(app.test_client())[0]["id"])).get_json()
    make_hall("HY-GTJD2", "鄠邑区甘亭街道第二便民服务中心")
    outsider = make_user("outsider", ("front_desk", "HY-GTJD2"))
    assert outsider.get("/api/v1/appointments?day=2026-12-01").get_json()["items"] == []
    assert outsider.post(f"/api/v1/appointments/{made['id']}/cancel").status_code == 404
    into = outsider.post("/api/v1/appointments", json=booking(slots(app.test_client())[1]["id"], name="王五",
                                                              id_number=with_check_digit_id_card("61012419900101111")))
    assert into.status_code == 422 and "slot_id" in into.get_json()["errors"]


def test_the_applicant_books_from_the_guide_page(app, as_user, codes):
    publish(as_user("supervisor"), capacity=1)
    client = app.test_client()
    guide = lxml.html.fromstring(client.get(f"/guides/{ITEM}").get_data(as_text=True))
    assert guide.cssselect("a#book") and guide.cssselect("a#ask")
    Applicant(app, codes).register()  # identity on file through the API
    from tests.api.test_applicant_pages import sign_in

    browser = app.test_client()
    clock.freeze(clock.now() + timedelta(minutes=2))  # one sign-in code per phone and minute
    assert sign_in(browser, codes).status_code == 302
    form = browser.get(f"/guides/{ITEM}/book")
    doc = lxml.html.fromstring(form.get_data(as_text=True))
    first = doc.cssselect('input[name="slot_id"]')[0].get("value")
    done = browser.post(f"/guides/{ITEM}/book", data={"csrf_token": token_of(form), "slot_id": first})
    assert done.status_code == 302 and done.headers["Location"].endswith("/my/appointments")
    mine = browser.get("/my/appointments").get_data(as_text=True)
    assert "预约成功" in mine and "已预约" in mine
    full = lxml.html.fromstring(browser.get(f"/guides/{ITEM}/book").get_data(as_text=True))
    assert full.cssselect(f'input[name="slot_id"][value="{first}"]')[0].get("disabled") is not None
    assert "已约满" in full.text_content()


def test_staff_publish_and_book_on_the_page_and_no_shows_are_marked(app, as_user):
    supervisor = signed_in(app, "supervisor")
    listing = supervisor.get("/appointments")
    published = supervisor.post("/appointments/slots", data={
        "csrf_token": token_of(listing), "hall": HALL, "item_code": ITEM, "date_from": "2026-12-01",
        "date_to": "2026-12-02", "times": "09:00-10:00，10:00-11:00", "capacity": "3"})
    assert published.status_code == 302
    assert "已发布 4 个时段" in supervisor.get("/appointments").get_data(as_text=True)
    bad = supervisor.post("/appointments/slots", data={"csrf_token": token_of(listing), "hall": HALL, "item_code": ITEM,
                                                       "date_from": "2026-13-01", "times": "09:00-10:00", "capacity": "3"})
    assert bad.status_code == 422 and "日期格式" in bad.get_data(as_text=True)
    frontdesk = signed_in(app, "frontdesk")
    found = frontdesk.get(f"/appointments?item_code={ITEM}")
    options = lxml.html.fromstring(found.get_data(as_text=True)).cssselect('#book-for select[name="slot_id"] option')
    assert len(options) == 4 and "余 3" in options[0].text_content()
    assert not lxml.html.fromstring(found.get_data(as_text=True)).cssselect("#publish-slots")  # supervisors only
    booked = frontdesk.post("/appointments/book", data={
        "csrf_token": token_of(found), "item_code": ITEM, "slot_id": options[0].get("value"), "channel": "phone",
        "name": "李四", "id_type": "id_card", "id_number": PERSON_B, "phone": "13900006666"})
    assert booked.status_code == 302 and booked.headers["Location"].endswith("day=2026-12-01")
    day = frontdesk.get("/appointments?day=2026-12-01").get_data(as_text=True)
    assert "李四" in day and "电话预约" in day and "已预约" in day and PERSON_B not in day  # id number masked
    clock.freeze(clock.now() + timedelta(days=2))  # Wednesday: Tuesday's booking was never checked in
    assert as_user("frontdesk").get("/api/v1/appointments?day=2026-12-01").get_json()["items"][0]["state_label"] \
        == "未签到（爽约）"


def test_odd_inputs_get_a_4xx_naming_the_field(app, as_user):
    supervisor, frontdesk = as_user("supervisor"), as_user("frontdesk")
    publish(supervisor)
    slot = slots(app.test_client())[0]["id"]
    for value in (10 ** 20, 2 ** 31, 0, -1):
        r = frontdesk.post("/api/v1/appointments", json=booking(value))
        assert r.status_code == 422 and "slot_id" in r.get_json()["errors"], (value, r.get_json())
    far = app.test_client().get(f"/api/v1/appointments/slots?item_code={ITEM}&date_from=9999-12-30")
    assert far.status_code == 422 and "date_from" in far.get_json()["errors"]
    assert publish(supervisor, date_from="9999-12-31", date_to="9999-12-31").get_json()["errors"].keys() == {"date_from"}
    twice = publish(supervisor, times=["09:00-10:00", "09:00-11:00"])
    assert twice.status_code == 422 and "times.1" in twice.get_json()["errors"]
    long_group = publish(supervisor, item_code=None, window_group="窗" * 65)
    assert long_group.status_code == 422 and "window_group" in long_group.get_json()["errors"]
    page = signed_in(app, "frontdesk")
    form = page.get("/appointments")
    for data in ({"slot_id": "²"}, {"slot_id": "9" * 25}, {"slot_id": str(slot), "channel": "online"}):
        r = page.post("/appointments/book", data={"csrf_token": token_of(form), "item_code": ITEM, "channel": "phone",
                                                  "name": "李四", "id_type": "id_card", "id_number": PERSON_B,
                                                  "phone": "13900006666"} | data)
        assert r.status_code == 422, (data, r.status_code)
    boss = signed_in(app, "supervisor")
    r = boss.post("/appointments/slots", data={"csrf_token": token_of(boss.get("/appointments")), "hall": HALL,
                                               "item_code": ITEM, "date_from": "2026-12-01", "date_to": "2026-12-01",
                                               "times": "09:00-10:00", "capacity": "²"})
    assert r.status_code == 422 and "500" in r.get_data(as_text=True)  # 应为 1–500


def test_a_reminder_goes_out_the_day_before_once(app, as_user):
    publish(as_user("supervisor"))
    frontdesk = as_user("frontdesk")
    tuesday, wednesday = (next(s for s in slots(app.test_client()) if s["day"] == d and s["starts"] == "09:00")
                          for d in ("2026-12-01", "2026-12-02"))
    soon = frontdesk.post("/api/v1/appointments", json=booking(tuesday["id"])).get_json()
    later = frontdesk.post("/api/v1/appointments", json=booking(wednesday["id"], name="王五",
                                                               id_number=with_check_digit_id_card("61012419900101111"),
                                                               phone="13900007777")).get_json()
    gone = frontdesk.post("/api/v1/appointments", json=booking(wednesday["id"], name="赵六",
                                                              id_number=with_check_digit_id_card("61012419900101222"),
                                                              phone="13900008888")).get_json()
    frontdesk.post(f"/api/v1/appointments/{gone['id']}/cancel")
    runner = app.test_cli_runner()

    def remind() -> list:
        assert runner.invoke(args=["appointments", "remind"]).exit_code == 0
        with app.app_context():
            from sqlalchemy import select

            from app.extensions import db
            from app.notify.models import Notification

            rows = db.session.scalars(select(Notification).where(Notification.kind == "appointment_reminder")).all()
            db.session.remove()
            return [(n.recipient, n.body) for n in rows]

    assert remind() == []  # Tuesday's booking was made less than a day ahead: its confirmation suffices
    clock.freeze(clock.now() + timedelta(days=1, seconds=-1))  # Tuesday 08:59:59: Wednesday 09:00 is a day + 1 s away
    assert remind() == []
    clock.freeze(clock.now() + timedelta(seconds=2))
    [(phone, body)] = remind()
    assert phone == "13900007777" and later["booking_no"] in body and "12月02日 09:00" in body
    assert len(remind()) == 1  # once
    assert soon["state"] == "booked"
