"""咨询 (art. 11): recorded by channel with a first responder who owns it until answered; online
questions without signing in (rate-limited, honeypot); public answers on the guide's FAQ; the
1-working-day red flag; statistics per department."""
from datetime import timedelta

import lxml.html
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.notify.models import Notification
from tests.api.test_staff_pages import signed_in, token_of
from tests.flows import HALL, ITEM


def ask(app, address="198.51.100.7", **fields):
    client = app.test_client()
    page = client.get(f"/guides/{ITEM}/ask", environ_base={"REMOTE_ADDR": address})
    assert page.status_code == 200
    return client.post(f"/guides/{ITEM}/ask", data={"csrf_token": token_of(page), **fields},
                       environ_base={"REMOTE_ADDR": address})


def test_an_online_question_is_taken_answered_and_shown_on_the_guide_page(app, as_user):
    asked = ask(app, question="食品经营许可证到期后多久内可以申请延续？", name="王女士", phone="13900004444")
    assert asked.status_code == 200 and "1 个工作日内" in asked.get_data(as_text=True)
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    [pooled] = frontdesk.get("/api/v1/consultations?scope=pool").get_json()["items"]
    assert pooled["channel"] == "online" and pooled["first_responder"] is None and pooled["item_code"] == ITEM
    assert pooled["due_at"].startswith("2026-12-01T15:59:59")  # asked Monday: by the end of Tuesday (23:59:59 in Shanghai)
    taken = frontdesk.post(f"/api/v1/consultations/{pooled['id']}/take")
    assert taken.status_code == 200 and taken.get_json()["first_responder"] == "frontdesk"
    second = backoffice.post(f"/api/v1/consultations/{pooled['id']}/take")
    assert second.status_code == 409 and "前台受理员 王敏" in second.get_json()["message"]  # by name, not login
    stolen = backoffice.post(f"/api/v1/consultations/{pooled['id']}/answer", json={"answer": "x"})
    assert stolen.status_code == 409  # the first responder answers
    empty = frontdesk.post(f"/api/v1/consultations/{pooled['id']}/answer", json={"answer": "  "})
    assert empty.status_code == 422 and "answer" in empty.get_json()["errors"]
    answered = frontdesk.post(f"/api/v1/consultations/{pooled['id']}/answer",
                              json={"answer": "应在有效期届满 30 个工作日前提出延续申请。", "public": True})
    assert answered.status_code == 200 and answered.get_json()["state"] == "answered"
    guide = app.test_client().get(f"/guides/{ITEM}").get_data(as_text=True)
    faq = lxml.html.fromstring(guide).cssselect("#faq li")
    assert len(faq) == 1 and "多久内可以申请延续" in faq[0].text_content()
    assert "有效期届满 30 个工作日前" in faq[0].text_content()
    assert "王女士" not in guide and "13900004444" not in guide  # the asker stays private
    public = app.test_client().get(f"/api/v1/catalog/items/{ITEM}").get_json()
    assert public["faq"][0]["answer"] == "应在有效期届满 30 个工作日前提出延续申请。"
    assert set(public["faq"][0]) == {"question", "answer", "answered_at"}
    with app.app_context():  # the answer goes to the asker's phone through the outbox
        sent = db.session.scalars(select(Notification).where(Notification.kind == "consultation_answer")).all()
        assert [(n.channel, n.recipient) for n in sent] == [("sms", "13900004444")]
        assert "30 个工作日前" in sent[0].body
    hidden = frontdesk.put(f"/api/v1/consultations/{pooled['id']}/public", json={"public": False})
    assert hidden.status_code == 200
    assert not lxml.html.fromstring(app.test_client().get(f"/guides/{ITEM}").get_data(as_text=True)).cssselect("#faq li")


def test_questions_older_than_one_working_day_are_red_in_the_responders_inbox(app, as_user):
    frontdesk = as_user("frontdesk")
    made = frontdesk.post("/api/v1/consultations", json={"channel": "phone", "question": "周六可以办理吗？",
                                                         "item_code": ITEM, "hall": HALL, "phone": "13900005555"})
    assert made.status_code == 201 and made.get_json()["first_responder"] == "frontdesk"
    client = signed_in(app, "frontdesk")
    row = lxml.html.fromstring(client.get("/consultations").get_data(as_text=True)).cssselect("tr[data-consultation]")[0]
    assert "overdue" not in (row.get("class") or "")
    clock.freeze(clock.now() + timedelta(days=1, hours=14, minutes=59, seconds=58))  # Tuesday 23:59:58
    client = signed_in(app, "frontdesk")  # a new day's sign-in (the old session went idle)
    row = lxml.html.fromstring(client.get("/consultations").get_data(as_text=True)).cssselect("tr[data-consultation]")[0]
    assert "overdue" not in (row.get("class") or "")
    clock.freeze(clock.now() + timedelta(seconds=3))  # Wednesday 00:00:01: one working day has passed
    page = client.get("/consultations").get_data(as_text=True)
    row = lxml.html.fromstring(page).cssselect("tr[data-consultation]")[0]
    assert "overdue" in row.get("class") and "已超时" in row.text_content()
    inbox = lxml.html.fromstring(client.get("/inbox").get_data(as_text=True))
    assert inbox.cssselect("#consultations-due .overdue"), "the task inbox shows the red consultation too"
    assert frontdesk.get("/api/v1/consultations").get_json()["items"][0]["overdue"] is True


def test_staff_record_answer_on_the_spot_and_statistics_count_answers_within_one_working_day(app, as_user):
    frontdesk, supervisor = as_user("frontdesk"), as_user("supervisor")
    spot = frontdesk.post("/api/v1/consultations", json={"channel": "window", "question": "需要带什么材料？",
                                                         "item_code": ITEM, "hall": HALL, "answer": "见办事指南材料目录。"})
    assert spot.status_code == 201 and spot.get_json()["state"] == "answered"
    late = frontdesk.post("/api/v1/consultations", json={"channel": "letter", "question": "来信咨询收费标准",
                                                         "hall": HALL, "name": "赵先生"}).get_json()
    bad = frontdesk.post("/api/v1/consultations", json={"channel": "fax", "question": "q", "hall": HALL})
    assert bad.status_code == 422 and "channel" in bad.get_json()["errors"]
    empty = frontdesk.post("/api/v1/consultations", json={"channel": "phone", "question": " ", "hall": HALL})
    assert empty.status_code == 422 and "question" in empty.get_json()["errors"]
    other = frontdesk.post("/api/v1/consultations", json={"channel": "phone", "question": "q", "hall": "HY-NOPE"})
    assert other.status_code == 422 and "hall" in other.get_json()["errors"]
    clock.freeze(clock.now() + timedelta(days=3))  # Thursday: the letter is answered late
    assert frontdesk.post(f"/api/v1/consultations/{late['id']}/answer", json={"answer": "不收费"}).status_code == 200
    assert frontdesk.get("/api/v1/consultations/statistics").status_code == 403
    stats = supervisor.get("/api/v1/consultations/statistics").get_json()
    market = stats["by_department"]["西安市鄠邑区市场监督管理局"]
    assert market == {"asked": 1, "answered": 1, "answered_in_time": 1, "open": 0, "overdue": 0, "in_time_rate": 1.0}
    general = stats["by_department"]["综合咨询"]
    assert general["asked"] == 1 and general["answered_in_time"] == 0 and general["in_time_rate"] == 0.0
    page = signed_in(app, "supervisor").get("/consultations?scope=all").get_data(as_text=True)
    assert "西安市鄠邑区市场监督管理局" in page and "1 个工作日内答复率" in page


def test_online_questions_are_rate_limited_and_robots_ignored(app, as_user):
    robot = ask(app, question="buy now", website="http://spam.example")
    assert robot.status_code == 200
    assert as_user("frontdesk").get("/api/v1/consultations?scope=pool").get_json()["items"] == []
    for n in range(5):
        assert ask(app, address="198.51.100.8", question=f"问题 {n}").status_code == 200
    limited = ask(app, address="198.51.100.8", question="第六个问题")
    assert limited.status_code == 429 and "过于频繁" in limited.get_data(as_text=True)
    assert ask(app, address="198.51.100.9", question="另一位市民").status_code == 200
    empty = ask(app, question="")
    assert empty.status_code == 422 and "请填写咨询内容" in empty.get_data(as_text=True)
    assert len(as_user("frontdesk").get("/api/v1/consultations?scope=pool").get_json()["items"]) == 6


def test_other_halls_staff_do_not_see_a_halls_consultations(app, as_user, make_hall, make_user):
    make_hall("HY-GTJD2", "鄠邑区甘亭街道第二便民服务中心")
    outsider = make_user("outsider", ("front_desk", "HY-GTJD2"))
    made = as_user("frontdesk").post("/api/v1/consultations", json={"channel": "phone", "question": "q",
                                                                   "hall": HALL}).get_json()
    assert outsider.get(f"/api/v1/consultations/{made['id']}").status_code == 404
    assert outsider.post(f"/api/v1/consultations/{made['id']}/take").status_code == 404
    assert outsider.get("/api/v1/consultations?scope=all").get_json()["items"] == []


def test_answers_are_due_at_the_end_of_the_next_working_day_across_weekends_and_holidays(app, as_user):
    frontdesk = as_user("frontdesk")

    def due(when):
        clock.freeze(when)
        made = frontdesk.post("/api/v1/consultations", json={"channel": "phone", "question": "q", "hall": HALL})
        return made.get_json()["due_at"]

    local = clock.LOCAL_TZ
    from datetime import datetime

    assert due(datetime(2026, 12, 4, 16, 0, tzinfo=local)) == "2026-12-07T15:59:59+00:00"  # Friday → Monday
    assert due(datetime(2026, 12, 5, 10, 0, tzinfo=local)) == "2026-12-07T15:59:59+00:00"  # Saturday → Monday
    assert due(datetime(2026, 9, 30, 10, 0, tzinfo=local)) == "2026-10-08T15:59:59+00:00"  # National Day week
    assert due(datetime(2026, 2, 13, 10, 0, tzinfo=local)) == "2026-02-14T15:59:59+00:00"  # adjusted Saturday workday


def test_outsiders_cannot_answer_publish_or_reassign(app, as_user, make_hall, make_user):
    made = as_user("frontdesk").post("/api/v1/consultations", json={"channel": "phone", "question": "q",
                                                                     "item_code": ITEM, "hall": HALL}).get_json()
    make_hall("HY-GTJD2", "鄠邑区甘亭街道第二便民服务中心")
    outsider = make_user("outsider", ("supervisor", "HY-GTJD2"))
    assert outsider.post(f"/api/v1/consultations/{made['id']}/answer", json={"answer": "x"}).status_code == 404
    assert outsider.put(f"/api/v1/consultations/{made['id']}/public", json={"public": True}).status_code == 404
    assert outsider.post(f"/api/v1/consultations/{made['id']}/reassign", json={"username": "outsider"}).status_code == 404
    assert as_user("backoffice").post(f"/api/v1/consultations/{made['id']}/reassign",
                                      json={"username": "backoffice"}).status_code == 403
    supervisor = as_user("supervisor")
    wrong = supervisor.post(f"/api/v1/consultations/{made['id']}/reassign", json={"username": "outsider"})
    assert wrong.status_code == 422 and "username" in wrong.get_json()["errors"]
    moved = supervisor.post(f"/api/v1/consultations/{made['id']}/reassign", json={"username": "backoffice"})
    assert moved.status_code == 200 and moved.get_json()["first_responder"] == "backoffice"
    assert as_user("frontdesk").post(f"/api/v1/consultations/{made['id']}/answer", json={"answer": "x"}).status_code == 409
    assert as_user("backoffice").post(f"/api/v1/consultations/{made['id']}/answer", json={"answer": "好"}).status_code == 200
    empty_hall = as_user("frontdesk").post("/api/v1/consultations", json={"channel": "phone", "question": "q", "hall": ""})
    assert empty_hall.status_code == 422 and "hall" in empty_hall.get_json()["errors"]
