"""The inbox: who sees which task, claim/unclaim, completing with bad data, conflicts."""
from tests.flows import HALL, complete, open_task, start


def _ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _error(response, status):
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["code"] == status and body["message"]
    return body


def test_inbox_shows_tasks_by_role_and_hall(as_user, make_user):
    frontdesk, backoffice, supervisor = as_user("frontdesk"), as_user("backoffice"), as_user("supervisor")
    case = start(frontdesk)
    mine = _ok(frontdesk.get("/api/v1/tasks"))
    assert mine["total"] == 1
    item = mine["items"][0]
    assert set(item) >= {"id", "case_id", "case_no", "name", "title", "role", "hall", "assignee", "state",
                         "form_key", "created_at", "due_at"}
    assert item["case_no"] == case["case_no"] and item["role"] == "front_desk" and item["hall"] == HALL
    assert _ok(backoffice.get("/api/v1/tasks"))["total"] == 0
    assert _ok(supervisor.get("/api/v1/tasks"))["total"] == 1
    assert _ok(as_user("admin").get("/api/v1/tasks"))["total"] == 1
    street = make_user("street_fd", ("front_desk", "HY-GTJD"))
    assert _ok(street.get("/api/v1/tasks"))["total"] == 0
    chief = make_user("chief", ("chief_representative", HALL))
    assert _ok(chief.get("/api/v1/tasks"))["total"] == 1
    _error(as_user("designer").get("/api/v1/tasks"), 403)
    assert _ok(frontdesk.get("/api/v1/tasks?role=back_office"))["total"] == 0
    assert _ok(frontdesk.get(f"/api/v1/tasks?hall={HALL}"))["total"] == 1
    _error(frontdesk.get("/api/v1/tasks?state=sleeping"), 422)


def test_tasks_sorted_by_due_and_filters(as_user):
    frontdesk = as_user("frontdesk")
    first, second = start(frontdesk), start(frontdesk)
    items = _ok(frontdesk.get("/api/v1/tasks"))["items"]
    assert [t["case_id"] for t in items] == [first["id"], second["id"]]
    complete(frontdesk, first, "front_desk_acceptance", {"outcome": "accept"})
    done = _ok(frontdesk.get("/api/v1/tasks?state=completed"))["items"]
    assert [t["case_id"] for t in done] == [first["id"]] and done[0]["completed_by"] == "frontdesk"
    assert _ok(frontdesk.get(f"/api/v1/tasks?case_no={second['case_no']}"))["total"] == 1
    assert _ok(frontdesk.get("/api/v1/tasks?overdue=true"))["total"] == 0


def test_task_detail_carries_form_and_options(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    task = open_task(case, "front_desk_acceptance")
    detail = _ok(frontdesk.get(f"/api/v1/tasks/{task['id']}"))
    assert detail["form"]["components"][1]["key"] == "outcome"
    assert [o["value"] for o in detail["form_data"]["acceptance_outcomes"]] == ["accept", "correct", "tolerate", "reject"]
    assert {"label": "营业执照复印件", "value": "YYZZ"} in detail["form_data"]["item_materials"]
    assert detail["documentation"].startswith("前台综合受理")
    _error(as_user("backoffice").get(f"/api/v1/tasks/{task['id']}"), 404)
    _error(frontdesk.get("/api/v1/tasks/no-such-task"), 404)
    complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    answered = _ok(frontdesk.get(f"/api/v1/tasks/{task['id']}"))
    assert answered["state"] == "completed" and answered["form_data"]["outcome"] == "accept"


def test_complete_validates_every_field(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    task_id = open_task(case, "front_desk_acceptance")["id"]

    def submit(data):
        return frontdesk.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data})

    assert "colour" in _error(submit({"outcome": "accept", "colour": "red"}), 422)["errors"]
    assert "outcome" in _error(submit({"outcome": 3}), 422)["errors"]
    assert "outcome" in _error(submit({}), 422)["errors"]
    assert "outcome" in _error(submit({"outcome": "maybe"}), 422)["errors"]
    assert "missing_materials" in _error(submit({"outcome": "correct"}), 422)["errors"]
    assert "missing_materials" in _error(submit({"outcome": "correct", "missing_materials": ["XXX"]}), 422)["errors"]
    assert "missing_materials" in _error(submit({"outcome": "correct", "missing_materials": "PMT"}), 422)["errors"]
    assert "missing_materials" in _error(submit({"outcome": "accept", "missing_materials": ["PMT"]}), 422)["errors"]
    assert "reason" in _error(submit({"outcome": "reject", "reason": "   "}), 422)["errors"]
    assert "data" in _error(frontdesk.post(f"/api/v1/tasks/{task_id}/complete", json={"data": [1]}), 422)["errors"]
    assert "data" in _error(frontdesk.post(f"/api/v1/tasks/{task_id}/complete", json={}), 422)["errors"]
    still = _ok(frontdesk.get(f"/api/v1/cases/{case['id']}"))
    assert still["revision"] == case["revision"] and still["status"] == "submitted"
    assert len([e for e in still["events"] if e["kind"] == "task_completed"]) == 0


def test_delivery_form_needs_tracking_number_for_mail(as_user):
    frontdesk, backoffice, pickup = as_user("frontdesk"), as_user("backoffice"), as_user("pickup")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    case = complete(backoffice, case, "back_office_review", {"decision": "approve"})
    assert "tracking_no" in complete(pickup, case, "window_delivery", {"delivery_method": "mail"}, expect=422)["errors"]
    not_a_number = {"delivery_method": "mail", "carrier": "sf", "tracking_no": "顺丰"}
    assert "tracking_no" in complete(pickup, case, "window_delivery", not_a_number, expect=422)["errors"]
    assert "tracking_no" in complete(pickup, case, "window_delivery",
                                     {"delivery_method": "window_pickup", "tracking_no": "SF123456"}, expect=422)["errors"]
    complete(backoffice, case, "window_delivery", {"delivery_method": "window_pickup"}, expect=403)
    case = complete(pickup, case, "window_delivery", {"delivery_method": "mail", "carrier": "sf", "tracking_no": "SF1234567890"})
    assert case["status"] == "completed" and case["tracking_no"] == "SF1234567890" and case["carrier"] == "sf"


def test_wrong_role_or_hall_gets_403_and_done_task_409(as_user, make_user):
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    case = start(frontdesk)
    task_id = open_task(case, "front_desk_acceptance")["id"]
    _error(backoffice.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"outcome": "accept"}}), 403)
    street = make_user("street_fd", ("front_desk", "HY-GTJD"))
    _error(street.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"outcome": "accept"}}), 403)
    _error(as_user("supervisor").post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"outcome": "accept"}}), 403)
    _error(as_user("admin").post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"outcome": "accept"}}), 403)
    _ok(frontdesk.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"outcome": "accept"}}))
    again = _error(frontdesk.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"outcome": "accept"}}), 409)
    assert "已由" in again["message"]
    _error(frontdesk.post("/api/v1/tasks/no-such-task/complete", json={"data": {}}), 404)


def test_claim_unclaim_and_claimed_by_someone_else(as_user, make_user):
    frontdesk = as_user("frontdesk")
    colleague = make_user("fd2", ("front_desk", HALL), display_name="前台受理员 孙悦")
    case = start(frontdesk)
    task_id = open_task(case, "front_desk_acceptance")["id"]
    claimed = _ok(frontdesk.post(f"/api/v1/tasks/{task_id}/claim"))
    assert claimed["assignee"] == "frontdesk"
    _ok(frontdesk.post(f"/api/v1/tasks/{task_id}/claim"))  # claiming again is harmless
    assert _ok(frontdesk.get("/api/v1/tasks?assignee=me"))["total"] == 1
    assert _ok(colleague.get("/api/v1/tasks?assignee=me"))["total"] == 0
    assert _ok(colleague.get("/api/v1/tasks?assignee=none"))["total"] == 0
    assert "前台受理员 王敏" in _error(colleague.post(f"/api/v1/tasks/{task_id}/claim"), 409)["message"]
    _error(colleague.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"outcome": "accept"}}), 409)
    _error(colleague.post(f"/api/v1/tasks/{task_id}/unclaim"), 409)
    _error(as_user("backoffice").post(f"/api/v1/tasks/{task_id}/claim"), 403)
    released = _ok(as_user("supervisor").post(f"/api/v1/tasks/{task_id}/unclaim"))
    assert released["assignee"] is None
    _error(frontdesk.post(f"/api/v1/tasks/{task_id}/unclaim"), 409)
    _ok(colleague.post(f"/api/v1/tasks/{task_id}/claim"))
    case = _ok(colleague.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"outcome": "accept"}}))
    assert case["status"] == "under_review"
    _error(colleague.post(f"/api/v1/tasks/{task_id}/claim"), 409)
    kinds = [e["kind"] for e in colleague.get(f"/api/v1/cases/{case['id']}").get_json()["events"]]
    assert kinds.count("task_claimed") == 3 and kinds.count("task_unclaimed") == 1


def test_stale_if_match_revision_is_409(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    task_id = open_task(case, "front_desk_acceptance")["id"]
    stale = frontdesk.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"outcome": "accept"}},
                           headers={"If-Match": str(case["revision"] - 1)})
    assert _error(stale, 409)["revision"] == case["revision"]
    _error(frontdesk.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"outcome": "accept"}},
                          headers={"If-Match": "abc"}), 422)
    fresh = frontdesk.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"outcome": "accept"}},
                           headers={"If-Match": str(case["revision"])})
    assert _ok(fresh)["revision"] == case["revision"] + 1
