"""Helpers that drive the standard flow through the HTTP API, as a clerk would."""
from app.parties.idnumbers import with_check_digit_id_card, with_check_digit_uscc

ITEM = "610118-SCJG-0001"  # 食品经营许可（新办）, runs standard_licence
HALL = "HY-ZWFW"
PERSON_ID = with_check_digit_id_card("61012419900101123")
COMPANY_ID = with_check_digit_uscc("91610118MA6TXXXX0")


def application(**overrides) -> dict:
    body = {
        "item_code": ITEM,
        "applicant": {"name": "西安鄠邑小厨餐饮有限公司", "id_type": "uscc", "id_number": COMPANY_ID,
                      "phone": "13800000000", "email": "owner@example.cn"},
        "channel": "window",
        "hall": HALL,
        "materials": ["SQS", "YYZZ", "FDDBR"],
    }
    body.update(overrides)
    return body


def start(frontdesk, **overrides) -> dict:
    response = frontdesk.post("/api/v1/cases", json=application(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def open_task(case: dict, name: str) -> dict:
    tasks = [t for t in case["open_tasks"] if t["name"] == name]
    assert tasks, f"no open task {name}; open: {[t['name'] for t in case['open_tasks']]}"
    return tasks[0]


def progress_page(app, case: dict):
    """The public progress page as the applicant sees it (case number + id number), parsed."""
    import lxml.html

    client = app.test_client()
    form = lxml.html.fromstring(client.get("/progress").get_data(as_text=True))
    token = form.cssselect('input[name="csrf_token"]')[0].get("value")
    page = client.post("/progress", data={"csrf_token": token, "case_no": case["case_no"],
                                          "id_number": case["applicant"]["id_number"]})
    return lxml.html.fromstring(page.get_data(as_text=True))


def pickup_code(app, case: dict) -> str:
    """The code the applicant reads on the public progress page and shows at the window."""
    return progress_page(app, case).get_element_by_id("pickup_code").find("strong").text


def complete(api, case: dict, name: str, data: dict, expect: int = 200) -> dict:
    """Complete the case's open task `name`; the documents it decided are drawn right after, as
    the scheduler's documents job does."""
    if name == "window_delivery" and data.get("delivery_method") == "window_pickup" and "pickup_code" not in data:
        data = {**data, "pickup_code": pickup_code(api.app, case)}
    task = open_task(case, name)
    response = api.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data})
    assert response.status_code == expect, response.get_json()
    draw_documents(api.app)
    return response.get_json()


def supplement(api, case: dict, materials, expect: int = 200, note=None) -> dict:
    response = api.post(f"/api/v1/cases/{case['id']}/supplements", json={"materials": materials, "note": note})
    assert response.status_code == expect, response.get_json()
    draw_documents(api.app)
    return response.get_json()


def dossier(api, case: dict) -> dict:
    """The case's full dossier with its history (actions answer without it)."""
    response = api.get(f"/api/v1/cases/{case['id']}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def draw_documents(app) -> dict:
    """What the scheduler's documents job does right after a step: draw and seal the decided documents."""
    from app.bootstrap import runtime_of
    from app.documents.service import draw_pending
    from app.extensions import db

    runtime = runtime_of(app)
    with app.app_context():
        try:
            return draw_pending(db.session, runtime.key_file, runtime.settings.store, runtime.settings.document_base_url)
        finally:
            db.session.remove()


def fire_timers(app) -> dict:
    from app.bootstrap import runtime_of
    from app.cases.firing import run_due
    from app.extensions import db

    with app.app_context():
        try:
            return run_due(db.session, runtime_of(app))
        finally:
            db.session.remove()
            draw_documents(app)


def person_applicant(n: int) -> dict:
    """The n-th of many distinct natural-person applicants (valid ID card numbers)."""
    return {"name": f"申请人{n}", "id_type": "id_card",
            "id_number": with_check_digit_id_card(f"610124199001{n % 28 + 1:02d}{n // 28 % 1000:03d}")}
