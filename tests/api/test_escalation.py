"""A front-desk task still open after its 1-working-day limit raises a supervisor task,
without stopping the case (art. 13)."""
from datetime import datetime, timedelta

from app import clock
from tests.flows import complete, dossier, fire_timers, open_task, start


def _inbox(api):
    return [t["name"] for t in api.get("/api/v1/tasks").get_json()["items"]]


def test_overdue_acceptance_escalates_to_the_supervisor(app, as_user):
    frontdesk, supervisor = as_user("frontdesk"), as_user("supervisor")
    case = start(frontdesk)   # Monday 30 Nov 09:00: acceptance due end of Tuesday
    assert case["acceptance_due"] == "2026-12-01T15:59:59+00:00"
    assert case["deadline"] == {"kind": "acceptance", "due_at": "2026-12-01T15:59:59+00:00",
                                "working_days_left": 1, "warning": "yellow"}
    clock.advance(timedelta(days=1))  # Tuesday: still in time
    assert fire_timers(app) == {}
    clock.advance(timedelta(days=1))  # Wednesday 09:00: overdue
    assert fire_timers(app) == {"done": 1}
    case = supervisor.get(f"/api/v1/cases/{case['id']}").get_json()
    assert sorted(t["name"] for t in case["open_tasks"]) == ["acceptance_escalation", "front_desk_acceptance"]
    assert case["status"] == "submitted" and case["deadline"]["warning"] == "red"
    escalation = open_task(case, "acceptance_escalation")
    assert escalation["role"] == "supervisor" and escalation["title"] == "受理超期督办"
    assert "acceptance_escalation" in _inbox(supervisor) and "acceptance_escalation" not in _inbox(frontdesk)
    front = open_task(case, "front_desk_acceptance")
    assert front["warning"] == "red" and front["working_days_left"] == -1
    case = complete(supervisor, case, "acceptance_escalation", {"action": "urged", "note": "已电话催办"})
    assert [t["name"] for t in case["open_tasks"]] == ["front_desk_acceptance"]
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    assert case["status"] == "under_review"


def test_acceptance_in_time_raises_nothing(app, as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    clock.advance(timedelta(days=5))
    assert fire_timers(app) == {}
    assert "acceptance_escalation" not in _inbox(as_user("supervisor"))


def test_ending_the_case_closes_an_open_escalation(app, as_user):
    frontdesk, supervisor = as_user("frontdesk"), as_user("supervisor")
    case = start(frontdesk)
    clock.advance(timedelta(days=2))
    fire_timers(app)
    case = complete(frontdesk, supervisor.get(f"/api/v1/cases/{case['id']}").get_json(), "front_desk_acceptance",
                    {"outcome": "reject", "reason": "不属于本部门职权"})
    assert case["status"] == "not_accepted" and case["closed_at"] and case["open_tasks"] == []
    assert any(e["kind"] == "task_cancelled" and "受理超期督办" in e["message"] for e in dossier(frontdesk, case)["events"])


def test_acceptance_deadline_skips_holidays(app, as_user):
    clock.freeze(datetime(2026, 9, 30, 10, 0, tzinfo=clock.LOCAL_TZ))
    case = start(as_user("frontdesk"))
    assert case["acceptance_due"] == "2026-10-08T15:59:59+00:00"
    assert open_task(case, "front_desk_acceptance")["due_at"] == "2026-10-08T15:59:59+00:00"
    clock.freeze(datetime(2026, 10, 7, 12, 0, tzinfo=clock.LOCAL_TZ))
    assert fire_timers(app) == {}   # the National Day week does not count
