"""Bad input never 500s (issue 14): control characters are refused with 422 naming the field
(JSON bodies, query strings, multipart and page forms) or dropped from search terms; JSON
numbers are bounded before they are converted; bidi controls leave uploaded file names.

`make test` runs this module on SQLite and again on PostgreSQL (which refuses NUL in text)."""
import io

import lxml.html

from app.files.service import sanitise_name
from tests.applicant_flows import PDF
from tests.flows import application, start


def _refused(response, field: str) -> dict:
    body = response.get_json()
    assert response.status_code == 422, (response.status_code, body)
    assert set(body) >= {"code", "status", "message", "errors"} and body["code"] == 422
    assert field in body["errors"], body["errors"]
    assert field in body["message"]
    return body


def test_nul_in_a_json_text_field_is_422_naming_it(as_user):
    frontdesk = as_user("frontdesk")
    person = {"name": "a\u0000b", "id_type": "uscc", "id_number": application()["applicant"]["id_number"]}
    body = _refused(frontdesk.post("/api/v1/cases", json=application(applicant=person)), "applicant.name")
    assert "U+0000" in body["errors"]["applicant.name"][0]
    # also where the schema takes any JSON (a task form's data), and in a list
    _refused(frontdesk.post("/api/v1/cases", json=application(data={"note": "x\u0000"})), "data.note")
    _refused(frontdesk.post("/api/v1/cases", json=application(materials=["SQS", "\u0085"])), "materials.1")
    # a single-line field refuses line breaks and spoofing format characters; a note keeps lines
    _refused(frontdesk.post("/api/v1/cases", json=application(hall="HY-ZWFW\n")), "hall")
    spoofed = {**person, "name": "鄠邑\u202e司公限有"}
    _refused(frontdesk.post("/api/v1/cases", json=application(applicant=spoofed)), "applicant.name")
    case = start(frontdesk)
    commented = frontdesk.post(f"/api/v1/cases/{case['id']}/comments", json={"text": "第一行\n第二行\t完"})
    assert commented.status_code == 201, commented.get_json()


def test_nul_in_a_query_parameter_is_422_naming_it_and_dropped_from_search_terms(as_user):
    frontdesk = as_user("frontdesk")
    _refused(frontdesk.get("/api/v1/tasks?hall=%00"), "hall")
    _refused(frontdesk.get("/api/v1/cases?item_code=x%0Ay"), "item_code")
    _refused(frontdesk.get("/api/v1/tasks/ab%00cd"), "task_id")  # a path parameter
    case = start(frontdesk)
    found = frontdesk.get(f"/api/v1/cases?case_no=%00{case['case_no']}%E2%80%AE")
    assert found.status_code == 200 and [c["id"] for c in found.get_json()["items"]] == [case["id"]]
    assert as_user().get("/api/v1/catalog/items?q=%00").status_code == 200
    page = as_user().client.get("/guides?q=%00%C2%85")
    assert page.status_code == 200
    assert as_user().client.get("/guides?item_type=%00").status_code in (400, 422)


def test_nul_in_a_multipart_field_is_422_naming_it(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    response = frontdesk.post(f"/api/v1/cases/{case['id']}/materials", content_type="multipart/form-data",
                              data={"material_code": "SQS\u0000", "file": (io.BytesIO(PDF), "scan.pdf")})
    _refused(response, "material_code")


def test_nul_in_a_page_form_is_422_naming_it(app):
    client = app.test_client()
    form = lxml.html.fromstring(client.get("/complaints").get_data(as_text=True))
    token = form.cssselect('input[name="csrf_token"]')[0].get("value")
    page = client.post("/complaints", data={"csrf_token": token, "name": "张\u0000三", "content": "窗口态度差"})
    assert page.status_code == 422
    assert "name" in page.get_data(as_text=True) and "U+0000" in page.get_data(as_text=True)


def test_a_5000_digit_number_in_a_json_body_is_422(as_user):
    huge = "9" * 5000
    anonymous = as_user()
    token = anonymous.client.post("/api/v1/auth/token", data='{"username": ' + huge + ', "password": "x"}',
                                  content_type="application/json")
    assert "数字过长" in _refused(token, "username")["errors"]["username"][0]
    for body in ('{"username": "admin", "password": -' + huge + "}", '{"username": 1e99999, "password": "x"}',
                 '{"username": NaN, "password": "x"}'):
        assert anonymous.client.post("/api/v1/auth/token", data=body, content_type="application/json").status_code == 422
    whole = anonymous.client.post("/api/v1/auth/token", data=huge, content_type="application/json")
    _refused(whole, "json")
    frontdesk = as_user("frontdesk")
    nested = frontdesk.post("/api/v1/cases", data='{"item_code": "x", "data": {"n": [1, ' + huge + "]}}",
                            content_type="application/json")
    _refused(nested, "data.n.1")
    # 30 digits still parse; the schema then bounds the integer to what the database holds
    case = start(frontdesk)
    rated = frontdesk.post(f"/api/v1/cases/{case['id']}/evaluations", json={"level": 10**29})
    _refused(rated, "level")


def test_an_applicants_form_data_is_checked_like_a_json_body(app, codes):
    from tests.applicant_flows import Applicant

    applicant = Applicant(app, codes).register()
    refused = applicant.apply(expect=422, data='{"valid_until": ' + "1" * 5000 + "}")
    assert "data.valid_until" in refused["errors"]
    refused = applicant.apply(expect=422, data='{"valid_until": "2027\\u0000"}')
    assert "data.valid_until" in refused["errors"]


def test_bidi_controls_leave_an_uploaded_files_name(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    name = "发票\u202egpj.exe\u202c\u2066\u2069\u200e\u200f\u061c.pdf"
    uploaded = frontdesk.post(f"/api/v1/cases/{case['id']}/materials", content_type="multipart/form-data",
                              data={"material_code": "SQS", "file": (io.BytesIO(PDF), name)})
    assert uploaded.status_code == 201, uploaded.get_json()
    listed = frontdesk.get(f"/api/v1/cases/{case['id']}/materials").get_json()["items"]
    assert [m["file_name"] for m in listed if m["code"] == "SQS" and m["source"] == "upload"] == ["发票gpj.exe.pdf"]


def test_sanitise_name_drops_bidi_controls():
    for mark in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c":
        assert sanitise_name(f"合同{mark}fdp.exe.pdf", "application/pdf") == "合同fdp.exe.pdf"
    assert sanitise_name("\u202e\u202e", "image/png") == "file.png"
