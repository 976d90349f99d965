"""Applicants online (art. 13, 7(5), 17): phone sign-in, applying with files, the same flow as
a window case, online supplements, files only for their owners, materials already on file."""
import io
from datetime import timedelta

from app import clock
from tests.applicant_flows import COMPANY, PDF, PHONE, Applicant
from tests.flows import complete, open_task

CODES = "/api/v1/applicant/codes"
SESSION = "/api/v1/applicant/session"


def _send(client, phone=PHONE, address="198.51.100.7"):
    return client.post(CODES, json={"phone": phone}, environ_base={"REMOTE_ADDR": address})


def _sign_in(client, code, phone=PHONE):
    return client.post(SESSION, json={"phone": phone, "code": code})


def test_sign_in_refuses_wrong_expired_and_reused_codes(app, codes):
    client = app.test_client()
    assert _send(client).status_code == 202
    code = codes.code_for(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    first = _sign_in(client, wrong)
    assert first.status_code == 422 and first.get_json()["attempts_left"] == 4 and "code" in first.get_json()["errors"]
    assert _sign_in(client, code).status_code == 200
    reused = _sign_in(client, code)
    assert reused.status_code == 422 and "已使用" in reused.get_json()["message"]

    clock.advance(timedelta(seconds=61))
    assert _send(client).status_code == 202
    clock.advance(timedelta(minutes=5, seconds=1))
    expired = _sign_in(client, codes.code_for(PHONE))
    assert expired.status_code == 422 and "过期" in expired.get_json()["message"]

    # Five wrong tries burn a code, even the right one after them.
    clock.advance(timedelta(seconds=61))
    assert _send(client).status_code == 202
    for _ in range(5):
        assert _sign_in(client, wrong).status_code == 422
    burnt = _sign_in(client, codes.code_for(PHONE))
    assert burnt.status_code == 422 and "次数过多" in burnt.get_json()["message"]
    assert _sign_in(client, "12ab56").get_json()["errors"]["code"]
    assert client.post(CODES, json={"phone": "12345"}).get_json()["errors"]["phone"]


def test_codes_are_rate_limited_per_phone_and_per_address(app, codes):
    client = app.test_client()
    assert _send(client).status_code == 202
    again = _send(client)
    assert again.status_code == 429 and int(again.headers["Retry-After"]) <= 60
    for _ in range(4):
        clock.advance(timedelta(seconds=61))
        assert _send(client).status_code == 202
    clock.advance(timedelta(seconds=61))
    assert _send(client).status_code == 429  # six in an hour for one phone
    clock.advance(timedelta(hours=1))
    assert _send(client).status_code == 202

    # One address asking for many phones.
    statuses = [_send(client, phone=f"1380000{n:04d}", address="192.0.2.1").status_code for n in range(21)]
    assert statuses.count(202) == 20 and statuses[-1] == 429


def test_an_online_application_runs_the_same_flow_to_completed(app, codes, as_user):
    applicant = Applicant(app, codes).register(company=COMPANY)
    form = applicant.get("/api/v1/applicant/apply/610118-SCJG-0001?acting_for=" + COMPANY).get_json()
    assert form["guide_version"] == 1 and form["applicant"]["id_number"] == COMPANY
    shared = [m for m in form["materials"] if m["shared"]]
    assert [m["code"] for m in shared] == ["SFZ"]  # never asked of the applicant

    case = applicant.apply(acting_for=COMPANY)
    assert case["channel"] == "online" and case["status"] == "submitted" and case["current_step"] == "窗口受理审查"
    sources = {m["code"]: m["source"] for m in case["materials"]}
    assert sources == {"SQS": "upload", "YYZZ": "upload", "FDDBR": "upload", "SFZ": "sharing"}

    frontdesk, backoffice, pickup = as_user("frontdesk"), as_user("backoffice"), as_user("pickup")
    staff_view = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()
    assert staff_view.get("channel") == "online", staff_view
    assert staff_view["applicant"]["id_number"] == COMPANY
    staff_view = complete(frontdesk, staff_view, "front_desk_acceptance", {"outcome": "accept"})
    staff_view = complete(backoffice, staff_view, "back_office_review", {"decision": "approve"})
    staff_view = complete(pickup, staff_view, "window_delivery", {"delivery_method": "e_delivery"})
    assert staff_view["status"] == "completed"

    mine = applicant.get("/api/v1/applicant/cases").get_json()["items"]
    assert [(c["case_no"], c["status_label"]) for c in mine] == [(case["case_no"], "已办结")]
    history = applicant.get(f"/api/v1/applicant/cases/{case['id']}").get_json()["history"]
    assert any("已办结" in h["message"] for h in history)
    assert not any("王敏" in h["message"] or "李强" in h["message"] for h in history)  # no internal notes


def test_bad_files_are_refused_and_nothing_is_stored(app, codes, reconfigure):
    applicant = Applicant(app, codes).register()
    exe = b"MZ\x90\x00\x03" + b"\x00" * 200  # a Windows program renamed .pdf
    refused = applicant.apply(files=("SQS", "YYZZ", "FDDBR"), content=exe, expect=422)
    assert "files.SQS" in refused["errors"] and "PDF" in refused["errors"]["files.SQS"][0]
    climbing = applicant.apply(names={"SQS": "../../etc/passwd.pdf"}, expect=422)
    assert "files.SQS" in climbing["errors"] and "文件名不合法" in climbing["errors"]["files.SQS"][0]
    reconfigure(app, MAX_UPLOAD_BYTES=1024)
    big = applicant.apply(expect=422)
    assert "files.SQS" in big["errors"] and "文件过大" in big["errors"]["files.SQS"][0]
    reconfigure(app, MAX_UPLOAD_BYTES=20 * 1024 * 1024)
    missing = applicant.apply(files=("SQS",), expect=422)
    assert {"files.YYZZ", "files.FDDBR"} <= set(missing["errors"])
    assert applicant.get("/api/v1/applicant/cases").get_json()["items"] == []


def test_one_applicant_cannot_reach_anothers_case_or_file(app, codes, as_user):
    owner = Applicant(app, codes).register()
    case = owner.apply()
    file_id = case["materials"][0]["id"]
    assert owner.get(f"/api/v1/applicant/cases/{case['id']}/materials/{file_id}").data == PDF
    other = Applicant(app, codes, phone="13700000001", address="203.0.113.10").register(
        name="李四", id_number="11010519491231002X")
    assert other.get(f"/api/v1/applicant/cases/{case['id']}").status_code == 404
    assert other.get(f"/api/v1/applicant/cases/{case['id']}/materials/{file_id}").status_code == 404
    assert other.get("/api/v1/applicant/cases").get_json()["items"] == []
    # Staff tokens do not open the applicant API, applicant tokens not the staff API.
    assert owner.get(f"/api/v1/cases/{case['id']}").status_code == 401
    assert as_user("frontdesk").get("/api/v1/applicant/cases").status_code == 401
    # Staff of the hall download it, and the download is in the history.
    frontdesk = as_user("frontdesk")
    assert frontdesk.get(f"/api/v1/cases/{case['id']}/materials/{file_id}").data == PDF
    events = [e["message"] for e in frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()["events"]]
    assert sum("下载材料" in m for m in events) == 2


def test_an_online_supplement_answers_the_correction_notice(app, codes, as_user):
    applicant = Applicant(app, codes).register()
    case = applicant.apply()
    frontdesk = as_user("frontdesk")
    staff_view = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()
    complete(frontdesk, staff_view, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT", "GLZD"],
                                                              "material_notes": {"PMT": "未标注各功能区面积"}})

    mine = applicant.get(f"/api/v1/applicant/cases/{case['id']}").get_json()
    assert mine["status"] == "awaiting_correction"
    notice = mine["notice"]
    assert notice["kind"] == "correction" and [m["code"] for m in notice["materials"]] == ["PMT", "GLZD"]
    assert [m["note"] for m in notice["materials"]] == ["未标注各功能区面积", None]
    assert notice["working_days_left"] == 5 and notice["due_at"]
    answered = applicant.post(f"/api/v1/applicant/cases/{case['id']}/supplements", data={
        "files.PMT": (io.BytesIO(PDF), "平面图.pdf"), "files.GLZD": (io.BytesIO(PDF), "制度.pdf")})
    assert answered.status_code == 200, answered.get_json()
    body = answered.get_json()
    assert body["status"] == "submitted" and body["notice"] is None
    assert {m["code"] for m in body["materials"] if m["source"] == "upload"} >= {"PMT", "GLZD"}
    staff_view = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()
    assert open_task(staff_view, "front_desk_acceptance")  # back at the front desk
    assert any(e["kind"] == "supplement_received" for e in staff_view["events"])
    # Nothing more is awaited: a second answer is refused.
    assert applicant.post(f"/api/v1/applicant/cases/{case['id']}/supplements",
                          data={"files.PMT": (io.BytesIO(PDF), "x.pdf")}).status_code == 409


def test_a_material_already_on_file_is_not_asked_for_again(app, codes):
    applicant = Applicant(app, codes).register(company=COMPANY)
    first = applicant.apply(acting_for=COMPANY)
    form = applicant.get("/api/v1/applicant/apply/610118-WJ-0002?acting_for=" + COMPANY).get_json()
    licence = next(m for m in form["materials"] if m["code"] == "YYZZ")  # 营业执照复印件, given in the first case
    assert licence["on_file"]["case_no"] == first["case_no"] and licence["on_file"]["file_name"] == "YYZZ.pdf"
    second = applicant.apply(item_code="610118-WJ-0002", acting_for=COMPANY, files=("SQB", "JCBG", "FDDBR", "PMT", "GLZD"),
                             on_file="YYZZ")
    reused = next(m for m in second["materials"] if m["code"] == "YYZZ")
    assert reused["source"] == "on_file" and reused["file_name"] == "YYZZ.pdf"
    # Not confirmed and not uploaded: still required.
    refused = applicant.apply(item_code="610118-WJ-0002", acting_for=COMPANY, files=("SQB", "JCBG", "FDDBR", "PMT", "GLZD"),
                              confirm_duplicate="1", expect=422)
    assert "files.YYZZ" in refused["errors"]


def test_identity_rules(app, codes):
    applicant = Applicant(app, codes)
    early = applicant.apply(expect=409)
    assert "身份" in early["message"]
    bad = applicant.put("/api/v1/applicant/me", {"name": "张三", "id_number": "610124198505051231"})
    assert bad.status_code == 422 and "applicant.id_number" in bad.get_json()["errors"]
    applicant.register()
    not_mine = applicant.apply(acting_for=COMPANY, expect=422)
    assert "applicant" in not_mine["errors"]
    # A number registered with another phone is not taken over online.
    thief = Applicant(app, codes, phone="13600000002", address="203.0.113.11")
    assert thief.put("/api/v1/applicant/me", {"name": "张三", "id_number": applicant_person()}).status_code == 409


def applicant_person():
    from tests.applicant_flows import PERSON
    return PERSON


def test_a_window_applicant_is_not_taken_over_online(app, codes, as_user):
    from tests.flows import application, start

    frontdesk = as_user("frontdesk")
    walk_in = {"name": "王五", "id_type": "id_card", "id_number": "11010519491231002X"}  # no phone given
    window_case = start(frontdesk, **application(applicant=walk_in))
    stranger = Applicant(app, codes, phone="13500000003", address="203.0.113.12")
    taken = stranger.put("/api/v1/applicant/me", {"name": "随便", "id_number": walk_in["id_number"]})
    assert taken.status_code == 409 and "窗口" in taken.get_json()["message"]
    same_name = stranger.put("/api/v1/applicant/me", {"name": "王五", "id_number": walk_in["id_number"]})
    assert same_name.status_code == 409
    assert stranger.get(f"/api/v1/applicant/cases/{window_case['id']}").status_code == 404

    # The person who gave this phone at the window finds that case online.
    regular = {"name": "赵六", "id_type": "id_card", "id_number": "110105194912310038", "phone": "13500000004"}
    theirs = start(frontdesk, **application(applicant=regular))
    owner = Applicant(app, codes, phone="13500000004", address="203.0.113.13").register(
        name="赵六", id_number=regular["id_number"])
    assert [c["case_no"] for c in owner.get("/api/v1/applicant/cases").get_json()["items"]] == [theirs["case_no"]]


def test_phone_numbers_are_ascii_digits(app, codes):
    client = app.test_client()
    fullwidth = client.post(CODES, json={"phone": "13９１２３４５６７８"})
    assert fullwidth.status_code == 202  # normalised to the same phone …
    assert client.post(CODES, json={"phone": "13912345678"}).status_code == 429  # … and the same quota
    assert client.post(CODES, json={"phone": "١٣٩١٢٣٤٥٦٧٨"}).status_code == 422  # Arabic-Indic digits


def test_malformed_uploads_get_clear_errors(app, codes):
    applicant = Applicant(app, codes).register()
    twice = applicant.post("/api/v1/applicant/cases", data={
        "item_code": "610118-SCJG-0001", "files.SQS": [(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(PDF), "b.pdf")]})
    assert twice.status_code == 422 and "files.SQS" in twice.get_json()["errors"]
    shared = applicant.apply(files=("SQS", "YYZZ", "FDDBR", "SFZ"), expect=422)
    assert "共享" in shared["errors"]["files.SFZ"][0]
    not_on_file = applicant.apply(files=("SQS", "YYZZ", "FDDBR"), on_file="PMT", expect=422)
    assert "on_file" in not_on_file["errors"]
    stray = applicant.post("/api/v1/applicant/cases", data={"item_code": "610118-SCJG-0001",
                                                            "upload": (io.BytesIO(PDF), "a.pdf")})
    assert stray.status_code == 422 and "upload" in stray.get_json()["errors"]
    body = (b"--b\r\nContent-Disposition: form-data; name=\"item_code\"\r\n\r\n610118\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"files.SQS\"; filename=\"") + \
        "申请书.pdf".encode("gbk") + b"\"\r\nContent-Type: application/pdf\r\n\r\n" + PDF + b"\r\n--b--\r\n"
    gbk = applicant.client.post("/api/v1/applicant/cases", data=body, headers=applicant.headers,
                                content_type="multipart/form-data; boundary=b")
    assert gbk.status_code in (400, 422) and gbk.is_json
    assert applicant.get("/api/v1/applicant/cases").get_json()["items"] == []


def test_several_large_files_fit_in_one_application(app, codes):
    applicant = Applicant(app, codes).register()
    big = PDF + b"%" + b"0" * (9 * 1024 * 1024)  # three 9 MB scans: more than one file's limit together
    case = applicant.apply(content=big)
    assert len([m for m in case["materials"] if m["source"] == "upload"]) == 3


def test_the_citizen_history_carries_no_staff_notes(app, codes, as_user):
    applicant = Applicant(app, codes).register()
    case = applicant.apply()
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    staff = complete(frontdesk, frontdesk.get(f"/api/v1/cases/{case['id']}").get_json(), "front_desk_acceptance",
                     {"outcome": "tolerate", "missing_materials": ["PMT"]})
    notice = applicant.get(f"/api/v1/applicant/cases/{case['id']}").get_json()["notice"]
    assert notice["kind"] == "tolerance" and notice["materials"][0]["name"] == "经营场所平面布局图"
    assert "份" in notice["materials"][0]["requirement"]
    backoffice.post(f"/api/v1/cases/{staff['id']}/special-procedures",
                    json={"kind": "inspection", "reason": "内部备注：申请人态度差"})
    frontdesk.post(f"/api/v1/cases/{staff['id']}/supplements", json={"materials": ["PMT"], "note": "内部：王敏经办"})
    mine = applicant.get(f"/api/v1/applicant/cases/{case['id']}").get_json()
    text = " ".join(h["message"] for h in mine["history"])
    assert "现场勘查" in text and "收到补正材料：经营场所平面布局图" in text
    assert "内部" not in text and "王敏" not in text and "态度" not in text
    assert mine["deadline"] is None or "warning" not in mine["deadline"]


def test_only_staff_of_the_cases_hall_download_its_files(app, codes, as_user, make_hall, make_user):
    applicant = Applicant(app, codes).register()
    case = applicant.apply()
    file_id = case["materials"][0]["id"]
    make_hall("HY-QTJD", "秦渡街道便民服务中心")
    other = make_user("qtstaff", ("front_desk", "HY-QTJD"))
    assert other.get(f"/api/v1/cases/{case['id']}/materials/{file_id}").status_code == 404
    assert as_user("admin").get(f"/api/v1/cases/{case['id']}/materials/{file_id}").status_code == 404
    assert as_user("backoffice").get(f"/api/v1/cases/{case['id']}/materials/{file_id}").status_code == 200


def test_a_second_application_for_a_running_item_is_warned_first(app, codes):
    applicant = Applicant(app, codes).register()
    first = applicant.apply()
    form = applicant.get("/api/v1/applicant/apply/610118-SCJG-0001").get_json()
    assert [(d["case_no"], d["status_label"]) for d in form["duplicates"]] == [(first["case_no"], "已提交，待受理")]
    assert form["duplicates_elsewhere"] == 0
    again = applicant.apply(expect=422)
    assert first["case_no"] in again["message"] and "确认不是重复申请" in again["message"]
    assert first["case_no"] in again["errors"]["confirm_duplicate"][0]
    assert len(applicant.get("/api/v1/applicant/cases").get_json()["items"]) == 1  # nothing was filed
    second = applicant.apply(confirm_duplicate="true")
    assert second["case_no"] != first["case_no"]
    assert len(applicant.get("/api/v1/applicant/apply/610118-SCJG-0001").get_json()["duplicates"]) == 2
    # another item is no duplicate
    assert applicant.get("/api/v1/applicant/apply/610118-WJ-0002").get_json()["duplicates"] == []
