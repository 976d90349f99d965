"""The calendar over HTTP: reading a year, corrections, notices, and the deadlines they move."""
from datetime import datetime, timedelta

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.timers.models import Job
from tests.flows import complete, fire_timers, open_task, start


def test_year_view_marks_holidays_adjusted_days_and_sources(as_user):
    year = as_user("frontdesk").get("/api/v1/calendar/days?year=2026").get_json()
    assert year["official"] is True and len(year["days"]) == 365
    days = {d["date"]: d for d in year["days"]}
    assert days["2026-10-05"] == {"date": "2026-10-05", "is_workday": False, "weekday": 1, "name": "国庆节",
                                  "source": "chinesecalendar"}
    assert days["2026-02-14"]["is_workday"] is True and days["2026-02-14"]["name"] == "春节调休上班"
    assert days["2026-11-30"] == {"date": "2026-11-30", "is_workday": True, "weekday": 1, "name": None, "source": None}
    assert as_user("frontdesk").get("/api/v1/calendar/days?year=2027").get_json()["official"] is False
    assert as_user("frontdesk").get("/api/v1/calendar/days?year=1999").status_code == 422
    assert as_user("frontdesk").get("/api/v1/calendar/days").status_code == 422


def test_add_answers_the_official_examples(as_user):
    api = as_user("frontdesk")
    for begin, n, expected in [("2026-09-30", 1, "2026-10-08"), ("2026-02-13", 1, "2026-02-14"),
                               ("2026-02-14", 1, "2026-02-24"), ("2026-04-30", 1, "2026-05-06"),
                               ("2026-09-18", 2, "2026-09-21")]:
        body = api.get(f"/api/v1/calendar/add?start={begin}&days={n}").get_json()
        assert body == {"date": expected, "deadline": f"{expected}T23:59:59+08:00", "provisional": False}
    later = api.get("/api/v1/calendar/add?start=2026-12-30&days=3").get_json()
    assert later == {"date": "2027-01-04", "deadline": "2027-01-04T23:59:59+08:00", "provisional": True}
    assert "days" in api.get("/api/v1/calendar/add?start=2026-12-30&days=-1").get_json()["errors"]
    assert "start" in api.get("/api/v1/calendar/add?start=yesterday&days=1").get_json()["errors"]


def test_only_admins_change_the_calendar(as_user):
    body = {"is_workday": False, "name": "临时调整"}
    assert as_user("frontdesk").put("/api/v1/calendar/days/2026-12-02", json=body).status_code == 403
    assert as_user("admin").put("/api/v1/calendar/days/not-a-date", json=body).status_code == 422
    assert as_user("admin").put("/api/v1/calendar/days/2026-12-02", json={"name": "x"}).status_code == 422
    assert as_user("frontdesk").post("/api/v1/calendar/notices", json={"days": []}).status_code == 403


def test_an_admin_correction_moves_pending_deadlines(app, as_user):
    frontdesk, admin = as_user("frontdesk"), as_user("admin")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    assert case["supplement_due_at"] == "2026-12-07T15:59:59+00:00"  # 5 working days after Mon 30 Nov
    day = admin.put("/api/v1/calendar/days/2026-12-02", json={"is_workday": False, "name": "临时闭厅"})
    assert day.status_code == 200 and day.get_json()["source"] == "admin"
    case = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()
    assert case["supplement_due_at"] == "2026-12-08T15:59:59+00:00"
    assert case["events"][0]["kind"] == "deadlines_recomputed" and "管理员调整 2026-12-02" in case["events"][0]["message"]
    clock.advance(timedelta(days=7, hours=12))  # Mon 7 Dec 21:00: the old deadline would have passed
    assert fire_timers(app) == {}
    clock.advance(timedelta(days=1, hours=6))
    assert fire_timers(app) == {"done": 1}


def test_an_official_notice_recomputes_provisional_deadlines(app, as_user):
    clock.freeze(datetime(2026, 12, 24, 9, 0, tzinfo=clock.LOCAL_TZ))
    frontdesk, backoffice, admin = as_user("frontdesk"), as_user("backoffice"), as_user("admin")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "tolerate", "missing_materials": ["GLZD"]})
    review = open_task(case, "back_office_review")
    assert review["due_at"] == "2027-01-07T15:59:59+00:00"   # weekends only in 2027: provisional
    assert case["decision_due"] == "2027-01-07T15:59:59+00:00" and case["deadlines_provisional"] is True
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.case_id == case["id"], Job.element_id == "tolerance_deadline"))
        assert (job.provisional, job.due_rule) == (True, {"start": "2026-12-24", "days": 10})
        db.session.remove()
    notice = {"days": [{"date": "2027-01-01", "is_workday": False, "name": "元旦"},
                       {"date": "2027-01-04", "is_workday": False, "name": "元旦"}]}
    answer = admin.post("/api/v1/calendar/notices", json=notice)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"years": [2027], "recomputed": {"cases": 1, "timers": 1, "tasks": 1, "failed": []}}
    case = backoffice.get(f"/api/v1/cases/{case['id']}").get_json()
    assert open_task(case, "back_office_review")["due_at"] == "2027-01-11T15:59:59+00:00"
    assert case["decision_due"] == "2027-01-11T15:59:59+00:00" and case["deadlines_provisional"] is False
    assert case["supplement_due_at"] == "2027-01-11T15:59:59+00:00"
    assert case["events"][0]["kind"] == "deadlines_recomputed" and "2027" in case["events"][0]["message"]
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.case_id == case["id"], Job.element_id == "tolerance_deadline"))
        assert job.provisional is False
        db.session.remove()
    clock.freeze(datetime(2027, 1, 8, 9, 0, tzinfo=clock.LOCAL_TZ))   # past the provisional deadline
    assert fire_timers(app) == {}
    clock.freeze(datetime(2027, 1, 12, 9, 0, tzinfo=clock.LOCAL_TZ))
    assert fire_timers(app) == {"done": 1}
    assert backoffice.get(f"/api/v1/cases/{case['id']}").get_json()["status_reason"] == "逾期未补正"


def test_calendar_load_command_reads_a_csv_notice(app, as_user, tmp_path):
    notice = tmp_path / "2027.csv"
    notice.write_text("date,is_workday,name\n2027-01-01,false,元旦\n2027-02-20,true,春节调休上班\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["calendar", "load", str(notice)])
    assert result.exit_code == 0, result.output
    assert "loaded 2 days for [2027]" in result.output
    body = as_user("frontdesk").get("/api/v1/calendar/add?start=2026-12-31&days=1").get_json()
    assert body == {"date": "2027-01-04", "deadline": "2027-01-04T23:59:59+08:00", "provisional": False}
    bad = tmp_path / "bad.csv"
    bad.write_text("date,is_workday,name\n2027-13-01,false,x\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["calendar", "load", str(bad)])
    assert result.exit_code != 0 and "第 1 条记录有误" in str(result.exception)
