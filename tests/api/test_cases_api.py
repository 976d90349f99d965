"""Receiving applications and reading cases: validation, authorisation, filters."""
from tests.flows import COMPANY_ID, HALL, PERSON_ID, application, complete, start


def test_start_case_answers_the_documented_shape(as_user):
    case = start(as_user("frontdesk"), applicant={"name": "张三", "id_type": "id_card", "id_number": PERSON_ID,
                                                  "phone": "029-84812345", "email": None})
    for key in ("id", "case_no", "status", "process", "open_tasks", "revision", "applicant", "hall", "item"):
        assert key in case
    assert "events" not in case  # an action answers without the history: the dossier has it
    assert case["hall"] == {"code": HALL, "name": "鄠邑区政务服务中心"}
    assert case["applicant"]["id_number"] == PERSON_ID
    dossier = as_user("frontdesk").get(f"/api/v1/cases/{case['id']}").get_json()
    assert dossier["events"][-1]["kind"] == "case_submitted" and dossier["history_intact"] is True
    task = case["open_tasks"][0]
    assert task["role"] == "front_desk" and task["hall"] == HALL and task["title"] == "受理审查"
    assert task["due_at"] and task["form_key"] == "front_desk_acceptance"


def _error(response, status):
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["code"] == status and body["message"]
    return body


def test_application_validation_names_the_field(as_user):
    frontdesk = as_user("frontdesk")
    cases = [
        (application(item_code="NOPE"), "item_code"),
        (application(hall="NOPE"), "hall"),
        (application(materials=["SQS", "XXX"]), "materials"),
        (application(materials="SQS"), "materials"),
        (application(channel="fax"), "channel"),
        (application(applicant={"name": "甲", "id_type": "id_card", "id_number": "610124199001011230"}), "applicant.id_number"),
        (application(applicant={"name": "甲", "id_type": "uscc", "id_number": COMPANY_ID[:-1] + "1"}), "applicant.id_number"),
        (application(applicant={"name": "甲", "id_type": "passport", "id_number": "E1234"}), "applicant.id_type"),
        (application(applicant={"name": "", "id_type": "uscc", "id_number": COMPANY_ID}), "applicant.name"),
        (application(applicant={"name": "甲", "id_type": "uscc", "id_number": COMPANY_ID, "phone": "12"}), "applicant.phone"),
        (application(applicant=None), "applicant"),
        ({**application(), "colour": "red"}, "colour"),
    ]
    for body, field in cases:
        error = _error(frontdesk.post("/api/v1/cases", json=body), 422)
        assert field in error["errors"], (field, error)
    assert frontdesk.get("/api/v1/cases").get_json()["total"] == 0  # nothing half-stored


def test_item_not_offered_at_hall_is_422(as_user, make_hall, make_user):
    make_hall("HY-XX", "某某街道便民服务中心")
    clerk = make_user("fd2", ("front_desk", "HY-XX"))
    error = _error(clerk.post("/api/v1/cases", json=application(hall="HY-XX")), 422)
    assert "item_code" in error["errors"]


def test_only_intake_staff_of_the_hall_may_receive(as_user, make_user):
    _error(as_user("backoffice").post("/api/v1/cases", json=application()), 403)
    _error(as_user("designer").post("/api/v1/cases", json=application()), 403)
    street_clerk = make_user("street_fd", ("front_desk", "HY-GTJD"))
    _error(street_clerk.post("/api/v1/cases", json=application()), 403)
    assert street_clerk.post("/api/v1/cases", json=application(hall="HY-GTJD")).status_code == 201
    chief = make_user("chief", ("chief_representative", HALL))
    assert chief.post("/api/v1/cases", json=application()).status_code == 201


def test_cases_are_visible_only_to_their_hall(as_user, make_user):
    case = start(as_user("frontdesk"))
    other = make_user("street_fd", ("front_desk", "HY-GTJD"))
    _error(other.get(f"/api/v1/cases/{case['id']}"), 404)
    assert other.get("/api/v1/cases").get_json()["total"] == 0
    assert as_user("admin").get(f"/api/v1/cases/{case['id']}").status_code == 200
    assert as_user("supervisor").get(f"/api/v1/cases/{case['id']}").status_code == 200
    _error(as_user("designer").get("/api/v1/cases"), 403)
    _error(as_user("frontdesk").get("/api/v1/cases/999999"), 404)


def test_case_list_filters_and_pages(as_user):
    frontdesk = as_user("frontdesk")
    first = start(frontdesk)
    second = start(frontdesk, applicant={"name": "张三", "id_type": "id_card", "id_number": PERSON_ID})
    complete(frontdesk, second, "front_desk_acceptance", {"outcome": "reject", "reason": "材料虚假"})
    listing = frontdesk.get("/api/v1/cases?per_page=1").get_json()
    assert listing["total"] == 2 and len(listing["items"]) == 1 and listing["page"] == 1
    assert listing["items"][0]["id"] == second["id"]  # newest first
    by_status = frontdesk.get("/api/v1/cases?status=not_accepted").get_json()
    assert [c["id"] for c in by_status["items"]] == [second["id"]]
    open_only = frontdesk.get("/api/v1/cases?open=true").get_json()
    assert [c["id"] for c in open_only["items"]] == [first["id"]]
    by_person = frontdesk.get(f"/api/v1/cases?id_number={PERSON_ID}").get_json()
    assert [c["id"] for c in by_person["items"]] == [second["id"]]
    by_no = frontdesk.get(f"/api/v1/cases?case_no={first['case_no']}").get_json()
    assert by_no["total"] == 1
    assert _error(frontdesk.get("/api/v1/cases?status=lost"), 422)["errors"]["status"]
    assert _error(frontdesk.get("/api/v1/cases?per_page=1000"), 422)["errors"]["per_page"]


def test_supplement_errors(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    nothing_waiting = frontdesk.post(f"/api/v1/cases/{case['id']}/supplements", json={"materials": ["PMT"]})
    _error(nothing_waiting, 409)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    _error(frontdesk.post(f"/api/v1/cases/{case['id']}/supplements", json={"materials": ["ZZZ"]}), 422)
    _error(frontdesk.post(f"/api/v1/cases/{case['id']}/supplements", json={"materials": []}), 422)
    _error(frontdesk.post(f"/api/v1/cases/{case['id']}/supplements", json={}), 422)
    _error(as_user("backoffice").post(f"/api/v1/cases/{case['id']}/supplements", json={"materials": ["PMT"]}), 403)
    _error(frontdesk.post("/api/v1/cases/424242/supplements", json={"materials": ["PMT"]}), 404)
    still = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()
    assert still["status"] == "awaiting_correction" and still["revision"] == case["revision"]


def test_tolerance_supplement_must_bring_everything(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "tolerate", "missing_materials": ["PMT", "GLZD"]})
    partial = frontdesk.post(f"/api/v1/cases/{case['id']}/supplements", json={"materials": ["PMT"]})
    error = _error(partial, 422)
    assert "食品安全管理制度文本" in error["errors"]["materials"][0]
