"""收件登记 (walk-in intake) through HTTP: the /intake page as the front desk and a community
station's proxy clerk use it, and the API's 代办 fields. The browser walk is in
tests/browser/test_walk_in.py."""
import io

import lxml.html

from app.parties.idnumbers import with_check_digit_id_card
from tests.api.test_staff_pages import signed_in, token_of
from tests.flows import HALL, ITEM, application, start

VISITOR = with_check_digit_id_card("61012419520304001")
RELATIVE = with_check_digit_id_card("61012419800506002")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def page_of(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def step_two(client, id_number=VISITOR, hall=HALL, item=ITEM):
    response = client.get("/intake", query_string={"hall": hall, "item": f"{item} 食品经营许可（新办）",
                                                   "id_number": id_number})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response


def receive(client, form_page, **fields):
    data = {"csrf_token": token_of(form_page), "hall": HALL, "item": ITEM, "id_number": VISITOR,
            "applicant.name": "王大爷", "applicant.phone": "13900001111", **fields}
    return client.post("/intake", data=data, content_type="multipart/form-data")


def test_the_front_desk_receives_a_walk_in_and_lands_on_its_acceptance_task(app, as_user):
    client = signed_in(app)
    first = client.get("/intake")
    assert first.status_code == 200
    html = page_of(first)
    assert "收件登记" in html.cssselect("nav")[0].text_content()
    options = [o.get("value") for o in html.cssselect("datalist#items option")]
    assert f"{ITEM} 食品经营许可（新办）" in options  # the hall's published items, by code and name
    form = step_two(client)
    rows = page_of(form).cssselect("#materials tr.material")
    assert [r.get("data-code") for r in rows][:3] == ["SQS", "YYZZ", "FDDBR"]
    assert "部门共享获取" in page_of(form).cssselect("#materials")[0].text_content()

    done = receive(client, form, handed_in=["YYZZ", "FDDBR"], **{"materials.SQS": (io.BytesIO(PDF), "申请书.pdf")})
    assert done.status_code == 302 and done.headers["Location"].startswith("/tasks/")
    task = client.get(done.headers["Location"])
    text = page_of(task).text_content()
    assert "已收件，办件编号 OW" in text and "受理审查" in text
    assert "申请书.pdf" in text and "营业执照复印件 · 纸质（窗口收取）" in text

    case = as_user("frontdesk").get(f"/api/v1/cases?id_number={VISITOR}").get_json()["items"][0]
    assert case["channel"] == "window" and case["materials"] == ["SQS", "YYZZ", "FDDBR"]
    assert case["applicant"]["name"] == "王大爷" and case["applicant"]["id_type"] == "id_card"
    assert case["proxy"] is None


def test_an_applicant_on_file_fills_in_and_a_second_open_case_must_be_confirmed(app, as_user):
    client = signed_in(app)
    assert receive(client, step_two(client), handed_in=["SQS"]).status_code == 302
    again = step_two(client)
    html = page_of(again)
    assert html.cssselect("input[name='applicant.name']")[0].get("value") == "王大爷"
    assert "已在册" in html.cssselect("#applicant")[0].text_content()
    assert "已有同一事项的在办件" in html.cssselect("#duplicates")[0].text_content()

    refused = receive(client, again, handed_in=["SQS"])
    assert refused.status_code == 409
    assert "确认仍要收件" in page_of(refused).cssselect("#form-error")[0].text_content()
    assert len(as_user("frontdesk").get(f"/api/v1/cases?id_number={VISITOR}").get_json()["items"]) == 1

    confirmed = receive(client, again, handed_in=["SQS"], confirm_duplicate="1")
    assert confirmed.status_code == 302
    assert len(as_user("frontdesk").get(f"/api/v1/cases?id_number={VISITOR}").get_json()["items"]) == 2


def test_a_scan_given_before_is_offered_again_and_reused(app, as_user):
    client = signed_in(app)
    first = receive(client, step_two(client), **{"materials.YYZZ": (io.BytesIO(PDF), "执照.pdf")})
    assert first.status_code == 302
    again = step_two(client)
    reuse = page_of(again).cssselect("#materials input[name=on_file][value=YYZZ]")
    assert reuse and reuse[0].get("checked") is not None  # offered and ticked
    done = receive(client, again, on_file=["YYZZ"], confirm_duplicate="1")
    assert done.status_code == 302
    newest = as_user("frontdesk").get(f"/api/v1/cases?id_number={VISITOR}").get_json()["items"][0]
    files = as_user("frontdesk").get(f"/api/v1/cases/{newest['id']}/materials").get_json()["items"]
    assert [(f["code"], f["source"], f["file_name"]) for f in files if f["code"] == "YYZZ"] == \
        [("YYZZ", "on_file", "执照.pdf")]


def test_bad_input_is_named_on_the_page_and_nothing_is_received(app, as_user):
    client = signed_in(app)
    wrong = client.get("/intake", query_string={"hall": HALL, "item": ITEM, "id_number": VISITOR[:-1] + "0"
                                                if VISITOR[-1] != "0" else VISITOR[:-1] + "1"})
    assert wrong.status_code == 422
    assert "不是有效的居民身份证" in page_of(wrong).text_content()
    typed = client.get("/intake", query_string={"hall": HALL, "item": "食品经营许可（新办）", "id_number": VISITOR})
    assert typed.status_code == 200 and page_of(typed).cssselect("#walk-in input[name=item]")[0].get("value") == ITEM
    several = client.get("/intake", query_string={"hall": HALL, "item": "许可", "id_number": VISITOR})
    assert several.status_code == 422 and "请从列表中选择一个" in page_of(several).text_content()
    unknown = client.get("/intake", query_string={"hall": HALL, "item": "NO-SUCH-ITEM", "id_number": VISITOR})
    assert unknown.status_code == 422 and "不在事项目录中" in page_of(unknown).text_content()

    form = step_two(client)
    nameless = receive(client, form, **{"applicant.name": "", "handed_in": ["SQS"]})
    assert nameless.status_code == 422
    html = page_of(nameless)
    assert html.cssselect("span.error[data-field='applicant.name']")
    assert html.cssselect("#materials input[name=handed_in][value=SQS]")[0].get("checked") is not None  # kept
    shared = receive(client, form, handed_in=["SFZ"])
    assert shared.status_code == 422 and "共享获取" in page_of(shared).text_content()
    proxy = receive(client, form, proxy="on", **{"proxy.name": "王小明", "proxy.relation": "family",
                                                 "proxy.id_number": "123"})
    assert proxy.status_code == 422
    assert page_of(proxy).cssselect("span.error[data-field='proxy.id_number']")
    assert as_user("frontdesk").get(f"/api/v1/cases?id_number={VISITOR}").get_json()["items"] == []


def test_a_relative_files_for_the_applicant_and_the_dossier_names_them(app, as_user):
    client = signed_in(app)
    done = receive(client, step_two(client), handed_in=["SQS", "WTS"], proxy="on",
                   **{"proxy.name": "王小明", "proxy.relation": "family", "proxy.id_number": RELATIVE})
    assert done.status_code == 302
    case = as_user("frontdesk").get(f"/api/v1/cases?id_number={VISITOR}").get_json()["items"][0]
    assert case["proxy"] == {"hall": None, "by": None, "person": {
        "name": "王小明", "id_number": RELATIVE, "relation": "family", "relation_label": "亲属"}}
    dossier = page_of(client.get(f"/cases/{case['id']}"))
    assert dossier.cssselect("#proxy-person")[0].text_content().startswith("王小明（亲属，身份证 ")
    history = as_user("frontdesk").get(f"/api/v1/cases/{case['id']}").get_json()["events"]
    assert "亲属 王小明 代为申请" in history[-1]["message"]


def test_a_community_station_files_for_a_resident_by_proxy(app, as_user):
    client = signed_in(app, "community")
    first = page_of(client.get("/intake"))
    assert f"{ITEM} 食品经营许可（新办）" in [o.get("value") for o in first.cssselect("datalist#items option")]
    form = client.get("/intake", query_string={"hall": "HY-GTDJ", "item": ITEM, "id_number": VISITOR})
    html = page_of(form)
    assert html.cssselect("#proxy-on")[0].get("checked") is not None  # a station always files by proxy
    assert html.cssselect("input[name='proxy.name']")[0].get("value") == "东街社区代办员 孙芳"
    done = client.post("/intake", content_type="multipart/form-data", data={
        "csrf_token": token_of(form), "hall": "HY-GTDJ", "item": ITEM, "id_number": VISITOR,
        "applicant.name": "王大爷", "handed_in": ["SQS", "YYZZ"], "proxy": "on",
        "proxy.name": "东街社区代办员 孙芳", "proxy.relation": "community_worker"})
    assert done.status_code == 302 and done.headers["Location"].startswith("/cases/")  # the task is the hall's
    case = as_user("community").get(f"/api/v1/cases?id_number={VISITOR}").get_json()["items"][0]
    assert case["proxy"]["hall"]["code"] == "HY-GTDJ" and case["proxy"]["by"] == "community"
    assert case["proxy"]["person"]["relation_label"] == "社区代办员（帮办代办）"
    assert case["hall"]["code"] != "HY-GTDJ"  # received for the hall above that handles the item


def test_only_intake_roles_open_the_page(app):
    assert signed_in(app, "backoffice").get("/intake").status_code == 403
    assert signed_in(app, "pickup").get("/intake").status_code == 403
    assert app.test_client().get("/intake").status_code == 302  # to the login page


def test_the_api_records_who_files_for_the_applicant(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk, proxy={"name": "王小明", "id_number": RELATIVE, "relation": "entrusted"})
    assert case["proxy"]["person"] == {"name": "王小明", "id_number": RELATIVE, "relation": "entrusted",
                                       "relation_label": "受托人"}
    bad = frontdesk.post("/api/v1/cases", json=application(proxy={"name": "王小明", "relation": "family"}))
    assert bad.status_code == 422 and "proxy.id_number" in bad.get_json()["errors"]
    odd = frontdesk.post("/api/v1/cases", json=application(proxy={"name": "王小明", "relation": "cousin"}))
    assert odd.status_code == 422 and "proxy" in str(odd.get_json()["errors"])
    assert frontdesk.post("/api/v1/cases", json=application(proxy=None)).get_json()["proxy"] is None


def test_paper_brought_after_a_correction_notice_is_taken_at_the_window(app, as_user):
    from tests.flows import complete

    frontdesk = as_user("frontdesk")
    case = start(frontdesk, applicant={"name": "王大爷", "id_type": "id_card", "id_number": VISITOR})
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT", "GLZD"]})
    assert case["status"] == "awaiting_correction"
    client = signed_in(app)
    dossier = client.get(f"/cases/{case['id']}")
    form = page_of(dossier).cssselect("form#paper")[0]
    assert [d.get("data-code") for d in form.cssselect(".paper-material")] == ["PMT", "GLZD"]
    assert not page_of(signed_in(app, "backoffice").get(f"/cases/{case['id']}")).cssselect("form#paper")

    nothing = client.post(f"/cases/{case['id']}/paper", data={"csrf_token": token_of(dossier)})
    assert nothing.status_code == 422 and "请列出补交的材料" in nothing.get_data(as_text=True)
    stray = client.post(f"/cases/{case['id']}/paper", content_type="multipart/form-data", data={
        "csrf_token": token_of(dossier), "materials": ["GLZD"], "materials.PMT": (io.BytesIO(PDF), "平面图.pdf")})
    assert stray.status_code == 422 and "上传了经营场所平面布局图的扫描件，请同时勾选该材料" in stray.get_data(as_text=True)
    assert frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()["status"] == "awaiting_correction"

    done = client.post(f"/cases/{case['id']}/paper", content_type="multipart/form-data", data={
        "csrf_token": token_of(dossier), "materials": ["PMT", "GLZD"], "note": "本人送来",
        "materials.PMT": (io.BytesIO(PDF), "平面图.pdf")})
    assert done.status_code == 302 and done.headers["Location"] == f"/cases/{case['id']}"
    after = client.get(done.headers["Location"])
    text = page_of(after).text_content()
    assert "已收取补正材料" in text and "平面布局图 · 本次上传 · 平面图.pdf" in text
    assert not page_of(after).cssselect("form#paper")  # nothing is awaited any more
    now = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()
    assert now["status"] == "submitted" and {"PMT", "GLZD"} <= set(now["materials"])
    assert [t["name"] for t in now["open_tasks"]] == ["front_desk_acceptance"]
    assert "收到补正材料：经营场所平面布局图、食品安全管理制度文本（本人送来）" in [e["message"] for e in now["events"]]


def _mistyped_id_card_that_passes_as_uscc() -> str:
    """An ID card number with a wrong check digit that happens to pass the USCC check."""
    from app.parties.idnumbers import id_card_problem, uscc_problem

    for n in range(100000):
        number = f"6101241952{n:07d}"[:17]
        for last in "0123456789":
            if id_card_problem(number + last) and uscc_problem(number + last) is None:
                return number + last
    raise AssertionError("none found")


def test_another_halls_open_case_is_counted_not_named_and_can_be_confirmed(app, as_user):
    start(as_user("frontdesk"), applicant={"name": "王大爷", "id_type": "id_card", "id_number": VISITOR})
    client = signed_in(app, "gtdesk")
    form = client.get("/intake", query_string={"hall": "HY-GTJD", "item": ITEM, "id_number": VISITOR})
    assert form.status_code == 200
    box = page_of(form).cssselect("#duplicates")[0]
    assert "其他大厅在办 1 件" in box.text_content() and not box.cssselect("a")  # no number, no link
    assert page_of(form).cssselect("input[name='applicant.name']")[0].get("value") == ""  # not known here
    data = {"csrf_token": token_of(form), "hall": "HY-GTJD", "item": ITEM, "id_number": VISITOR,
            "applicant.name": "王大爷", "handed_in": ["SQS"]}
    refused = client.post("/intake", data=data)
    assert refused.status_code == 409
    message = page_of(refused).cssselect("#form-error")[0].text_content()
    assert "其他大厅 1 件" in message and "OW" not in message
    assert client.post("/intake", data={**data, "confirm_duplicate": "1"}).status_code == 302


def test_an_administrator_who_also_works_a_front_desk_receives_only_there(app, make_user):
    make_user("gtadmin", ("admin", None), ("front_desk", "HY-GTJD"))
    client = app.test_client()
    login = client.get("/login")
    assert client.post("/login", data={"csrf_token": token_of(login), "username": "gtadmin",
                                       "password": "pw-gtadmin"}).status_code == 302
    elsewhere = client.get("/intake", query_string={"hall": HALL, "item": ITEM, "id_number": VISITOR})
    assert elsewhere.status_code == 403 and "不是该大厅的受理人员" in elsewhere.get_data(as_text=True)
    posted = client.post("/intake", data={"csrf_token": token_of(elsewhere), "hall": HALL, "item": ITEM,
                                          "id_number": VISITOR, "applicant.name": "王大爷"})
    assert posted.status_code == 403
    assert client.get("/intake", query_string={"hall": "HY-GTJD", "item": ITEM}).status_code == 200


def test_a_mistyped_id_card_is_not_taken_for_a_company_code(app):
    number = _mistyped_id_card_that_passes_as_uscc()
    client = signed_in(app)
    guessed = client.get("/intake", query_string={"hall": HALL, "item": ITEM, "id_number": number})
    assert guessed.status_code == 422 and "不是有效的居民身份证" in guessed.get_data(as_text=True)
    said = client.get("/intake", query_string={"hall": HALL, "item": ITEM, "id_number": number, "id_type": "uscc"})
    assert said.status_code == 200 and "（统一社会信用代码）" in page_of(said).cssselect("#applicant")[0].text_content()


def test_long_names_and_a_station_proxy_claimed_elsewhere_are_refused(app, as_user):
    client = signed_in(app)
    form = step_two(client)
    long_name = receive(client, form, **{"applicant.name": "王" * 201})
    assert long_name.status_code == 422
    assert page_of(long_name).cssselect("span.error[data-field='applicant.name']")
    posing = receive(client, form, proxy="on", **{"proxy.name": "孙芳", "proxy.relation": "community_worker"})
    assert posing.status_code == 422 and page_of(posing).cssselect("span.error[data-field='proxy.id_number']")
    api = as_user("frontdesk").post("/api/v1/cases", json=application(proxy={"name": "孙芳", "relation": "community_worker"}))
    assert api.status_code == 422 and "proxy.id_number" in api.get_json()["errors"]
    assert as_user("frontdesk").get(f"/api/v1/cases?id_number={VISITOR}").get_json()["items"] == []


def test_every_public_page_links_the_progress_lookup_and_the_complaint_form(app):
    client = app.test_client()
    for path in ("/guides", f"/guides/{ITEM}", "/progress", "/complaints", "/my/login", "/policies"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = page_of(response)
        assert html.cssselect("#footer-progress")[0].get("href") == "/progress", path
        assert html.cssselect("#footer-complaints")[0].get("href") == "/complaints", path
    guide = page_of(client.get(f"/guides/{ITEM}"))
    assert guide.cssselect("#guide-progress") and guide.cssselect("#guide-complaints")


def test_a_refused_intake_keeps_its_scans_for_the_corrected_form(app, as_user):
    """The clerk scanned the application form and forgot the name: the page comes back with the
    scan kept (no second scan), and the corrected submission files it; a forged reference is ignored."""
    client = signed_in(app, "frontdesk")
    refused = receive(client, step_two(client), **{"applicant.name": "", "handed_in": ["YYZZ", "FDDBR"],
                                                   "materials.SQS": (io.BytesIO(PDF), "申请书.pdf")})
    assert refused.status_code == 422
    page = page_of(refused)
    assert page.cssselect(".kept-scan[data-code=SQS]")[0].text_content().startswith("已扫描：申请书.pdf")
    kept = page.cssselect("input[name='kept.SQS']")[0].get("value")
    forged = kept[:-3] + ("AAA" if not kept.endswith("AAA") else "BBB")
    unsigned = receive(client, refused, **{"handed_in": ["YYZZ", "FDDBR"], "kept.SQS": forged})
    assert unsigned.status_code == 302  # received, but without a file for SQS
    first = as_user("frontdesk").get(f"/api/v1/cases?id_number={VISITOR}").get_json()["items"][0]
    sources = {m["code"]: m["source"] for m in as_user("frontdesk").get(
        f"/api/v1/cases/{first['id']}/materials").get_json()["items"]}
    assert "SQS" not in sources or sources["SQS"] != "upload"

    again = step_two(client, id_number=with_check_digit_id_card("61012419520303007"))
    refused = receive(client, again, **{"id_number": with_check_digit_id_card("61012419520303007"),
                                        "applicant.name": "", "materials.SQS": (io.BytesIO(PDF), "申请书.pdf")})
    kept = page_of(refused).cssselect("input[name='kept.SQS']")[0].get("value")
    done = receive(client, refused, **{"id_number": with_check_digit_id_card("61012419520303007"),
                                       "applicant.name": "李奶奶", "kept.SQS": kept})
    assert done.status_code == 302, done.get_data(as_text=True)[:1000]
    case = as_user("frontdesk").get(
        f"/api/v1/cases?id_number={with_check_digit_id_card('61012419520303007')}").get_json()["items"][0]
    materials = as_user("frontdesk").get(f"/api/v1/cases/{case['id']}/materials").get_json()["items"]
    assert [(m["code"], m["file_name"]) for m in materials if m["code"] == "SQS" and m.get("file_name")] == \
        [("SQS", "申请书.pdf")]
