"""Transfer (转办), urge (催办) and comments through the API: who may, what the inbox and the
history then show."""
from tests.flows import open_task, start

STAFF_ONLY = "内部备注：请核对原件"


def test_transfer_to_a_colleague_of_the_same_role(as_user, make_user):
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    colleague = make_user("frontdesk2", ("front_desk", "HY-ZWFW"), display_name="前台受理员 周洁")
    case = start(frontdesk)
    task = open_task(case, "front_desk_acceptance")
    unclaimed = colleague.post(f"/api/v1/tasks/{task['id']}/transfer", json={"to": "frontdesk"})
    assert unclaimed.status_code == 403 and "认领" in unclaimed.get_json()["message"]  # claim it first
    assert frontdesk.post(f"/api/v1/tasks/{task['id']}/claim").status_code == 200
    wrong_role = frontdesk.post(f"/api/v1/tasks/{task['id']}/transfer", json={"to": "backoffice"})
    assert wrong_role.status_code == 422 and "to" in wrong_role.get_json()["errors"]
    assert backoffice.post(f"/api/v1/tasks/{task['id']}/transfer", json={"to": "frontdesk2"}).status_code == 404
    moved = frontdesk.post(f"/api/v1/tasks/{task['id']}/transfer", json={"to": "frontdesk2", "note": "请假"})
    assert moved.status_code == 200 and moved.get_json()["assignee"] == "frontdesk2"
    mine = colleague.get("/api/v1/tasks?assignee=me").get_json()["items"]
    assert [t["id"] for t in mine] == [task["id"]]
    # No longer the first clerk's: another transfer by them is refused.
    assert frontdesk.post(f"/api/v1/tasks/{task['id']}/transfer", json={"to": "frontdesk"}).status_code == 403
    events = [e["message"] for e in frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()["events"]]
    assert any("转办给 前台受理员 周洁：请假" in m for m in events)


def test_supervisors_urge_and_the_inbox_shows_it(as_user):
    frontdesk, supervisor = as_user("frontdesk"), as_user("supervisor")
    case = start(frontdesk)
    task = open_task(case, "front_desk_acceptance")
    assert frontdesk.post(f"/api/v1/tasks/{task['id']}/urge", json={}).status_code == 403
    urged = supervisor.post(f"/api/v1/tasks/{task['id']}/urge", json={"note": "今日内办结"})
    assert urged.status_code == 200
    listed = frontdesk.get("/api/v1/tasks").get_json()["items"]
    row = next(t for t in listed if t["id"] == task["id"])
    assert row["urged_at"] and row["urge_note"] == "今日内办结"


def test_comments_are_for_staff_only(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    assert frontdesk.post(f"/api/v1/cases/{case['id']}/comments", json={"text": ""}).status_code == 422
    added = frontdesk.post(f"/api/v1/cases/{case['id']}/comments", json={"text": STAFF_ONLY})
    assert added.status_code == 201
    assert frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()["events"][0]["kind"] == "comment"
    assert as_user("pickup").post(f"/api/v1/cases/{case['id']}/comments", json={"text": "x"}).status_code == 201
    assert as_user("designer").post(f"/api/v1/cases/{case['id']}/comments", json={"text": "x"}).status_code == 404
