"""Documents at each decision of the standard flow: produced by their path, rendered, their text
extracted and checked; signatures verify for the original and fail for a modified copy."""
import io
from urllib.parse import quote

import pypdfium2 as pdfium
import pytest
import zxingcpp

from tests.flows import application, complete, start


def _pdf_text(data: bytes) -> tuple[str, object]:
    pdf = pdfium.PdfDocument(data)
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    image = pdf[0].render(scale=2).to_pil()
    return text.replace("\r", "").replace("\n", ""), image


def _documents(api, case_id):
    return {d["kind"]: d for d in api.get(f"/api/v1/cases/{case_id}/documents").get_json()["items"]}


def _read(api, case_id, doc) -> tuple[bytes, str]:
    response = api.get(f"/api/v1/cases/{case_id}/documents/{doc['id']}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text, image = _pdf_text(response.data)
    assert image.convert("L").getextrema()[0] < 100  # something dark is drawn: the page is readable
    codes = zxingcpp.read_barcodes(image)
    assert any(c.text.endswith(doc["verify_path"]) for c in codes), [c.text for c in codes]
    return response.data, text


def test_correction_notice_lists_every_missing_material_and_the_deadline(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT", "GLZD"]})
    doc = _documents(frontdesk, case["id"])["correction_notice"]
    _, text = _read(frontdesk, case["id"], doc)
    for needed in ("补齐补正材料通知书", doc["document_no"], "经营场所平面布局图", "食品安全管理制度文本", "一次性告知",
                   "2026年12月07日前", "鄠邑区政务服务中心", "/my", "电子印章"):
        assert needed in text, needed


def test_the_correction_notice_and_its_sms_carry_the_clerks_own_words(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    words = "申请书未加盖企业公章，请重新提交盖章的申请书"
    complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["SQS"],
                                                        "reason": f"  {words}\n"})
    doc = _documents(frontdesk, case["id"])["correction_notice"]
    _, text = _read(frontdesk, case["id"], doc)
    assert f"补正说明：{words}" in text
    sms = [n for n in frontdesk.get(f"/api/v1/cases/{case['id']}/notifications").get_json()["items"]
           if n["kind"] == "correction" and n["channel"] == "sms"]
    assert len(sms) == 1 and f"说明：{words}；" in sms[0]["body"]
    # a correction without words says nothing more, and a long explanation is cut short in the SMS
    other = start(frontdesk)
    complete(frontdesk, other, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["SQS"],
                                                         "reason": "甲" * 200})
    body = [n["body"] for n in frontdesk.get(f"/api/v1/cases/{other['id']}/notifications").get_json()["items"]
            if n["kind"] == "correction" and n["channel"] == "sms"][0]
    assert "说明：" + "甲" * 59 + "…；" in body
    _, full = _read(frontdesk, other["id"], _documents(frontdesk, other["id"])["correction_notice"])
    assert "甲" * 200 in full  # the notice itself carries it whole


def test_each_material_carries_the_clerks_words_on_the_notice_and_in_the_sms(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    notes = {"SQS": "未加盖企业公章，请重新提交盖章的申请书", "PMT": "  比例不清，请注明尺寸\n", "GLZD": "  "}
    complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["SQS", "PMT", "GLZD"],
                                                        "reason": "请一并带原件核对", "material_notes": notes})
    _, text = _read(frontdesk, case["id"], _documents(frontdesk, case["id"])["correction_notice"])
    assert "存在问题：未加盖企业公章，请重新提交盖章的申请书" in text
    assert "存在问题：比例不清，请注明尺寸" in text
    assert text.count("存在问题：") == 2  # a blank note says nothing
    assert "补正说明：请一并带原件核对" in text
    [sms] = [n for n in frontdesk.get(f"/api/v1/cases/{case['id']}/notifications").get_json()["items"]
             if n["kind"] == "correction" and n["channel"] == "sms"]
    assert "说明：请一并带原件核对；食品经营许可申请书：未加盖企业公章" in sms["body"]  # in the notice's order
    history = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()["events"]
    assert any("申请书：未加盖企业公章" in e["message"] for e in history)


@pytest.mark.parametrize(("notes", "said"), [
    ({"SPZ": "过期"}, "不在本次要求补齐补正的材料中"),   # a material not ticked on this notice
    ({"SQS": "甲" * 201}, "不能超过 200 个字"),
    (["SQS"], "必须是“材料编码: 说明文字”的对象"),
])
def test_notes_on_materials_follow_the_rules(as_user, notes, said):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    task = case["open_tasks"][0]["id"]
    response = frontdesk.post(f"/api/v1/tasks/{task}/complete", json={"data": {
        "outcome": "correct", "missing_materials": ["SQS"], "material_notes": notes}})
    assert response.status_code == 422, response.get_json()
    assert said in " ".join(response.get_json()["errors"]["material_notes"])
    after = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()
    assert after["status"] == "submitted" and after["open_tasks"][0]["id"] == task  # nothing moved


def test_acceptance_receipt_and_tolerance_notice(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    complete(frontdesk, case, "front_desk_acceptance", {"outcome": "tolerate", "missing_materials": ["PMT"]})
    docs = _documents(frontdesk, case["id"])
    _, receipt = _read(frontdesk, case["id"], docs["acceptance_receipt"])
    for needed in ("受理凭证", "予以受理", "食品经营许可申请书", "营业执照复印件", "承诺办结期限", "2026年12月14日",
                   "受理人：前台受理员 王敏", "/my"):
        assert needed in receipt, needed
    _, tolerance = _read(frontdesk, case["id"], docs["tolerance_notice"])
    assert "容缺受理" in tolerance and "经营场所平面布局图" in tolerance and "不予批准" in tolerance


def test_non_acceptance_decision_names_the_agency_and_the_rights(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    complete(frontdesk, case, "front_desk_acceptance",
             {"outcome": "reject", "reason": "经营项目为烟草零售", "refer_to": "鄠邑区烟草专卖局"})
    _, text = _read(frontdesk, case["id"], _documents(frontdesk, case["id"])["non_acceptance_decision"])
    for needed in ("不予受理决定书", "经营项目为烟草零售", "请向鄠邑区烟草专卖局申请", "六十日内", "行政复议", "六个月内",
                   "行政诉讼"):
        assert needed in text, needed


@pytest.mark.parametrize("decision", ["deny", "approve"])
def test_decisions_carry_reasons_contacts_seal_and_rights(as_user, decision):
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    case = complete(frontdesk, start(frontdesk), "front_desk_acceptance", {"outcome": "accept"})
    data = {"decision": decision} | ({"reason": "经营场所与居民区距离不足"} if decision == "deny" else {})
    complete(backoffice, case, "back_office_review", data)
    kind = "denial_decision" if decision == "deny" else "approval"
    _, text = _read(backoffice, case["id"], _documents(backoffice, case["id"])[kind])
    if decision == "deny":
        for needed in ("不予批准决定书", "经营场所与居民区距离不足", "六十日内", "联系方式", "西安市鄠邑区市场监督管理局"):
            assert needed in text, needed
    else:
        assert "准予" in text and "食品经营许可证" in text
    assert "西安市鄠邑区政务服务中心" in text  # the office on the seal


def test_the_signed_original_verifies_and_a_modified_copy_fails(app, as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    doc = _documents(frontdesk, case["id"])["correction_notice"]
    original, _ = _read(frontdesk, case["id"], doc)
    client = app.test_client()
    page = client.get(doc["verify_path"])
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and doc["sha256"] in body and "电子签章有效" in body
    assert "西安鄠邑小厨餐饮有限公司" not in body  # the applicant's name is masked on the public page
    token = body.split('name="csrf_token" value="')[1].split('"')[0]
    good = client.post("/verify", data={"csrf_token": token, "file": (io.BytesIO(original), "a.pdf")},
                       content_type="multipart/form-data")
    assert "是签章原件" in good.get_data(as_text=True)
    tampered = original.replace(b"/Title", b"/Titel", 1)
    bad = client.post("/verify", data={"csrf_token": token, "file": (io.BytesIO(tampered), "a.pdf")},
                      content_type="multipart/form-data")
    assert "不是本系统签章的原件" in bad.get_data(as_text=True)
    assert client.get("/verify/" + quote(doc["document_no"])).status_code == 404  # numbers do not open the page
    assert client.get("/verify/guessed-key").status_code == 404


def test_the_applicant_downloads_their_documents_and_nobody_elses(app, as_user, codes):
    from tests.applicant_flows import Applicant

    owner = Applicant(app, codes).register()
    case = owner.apply()
    frontdesk = as_user("frontdesk")
    complete(frontdesk, frontdesk.get(f"/api/v1/cases/{case['id']}").get_json(), "front_desk_acceptance",
             {"outcome": "accept"})
    mine = owner.get(f"/api/v1/applicant/cases/{case['id']}").get_json()["documents"]
    assert [d["title"] for d in mine] == ["受理凭证"]
    pdf = owner.get(f"/api/v1/applicant/cases/{case['id']}/documents/{mine[0]['id']}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    other = Applicant(app, codes, phone="13700000009", address="203.0.113.20").register(
        name="李四", id_number="11010519491231002X")
    assert other.get(f"/api/v1/applicant/cases/{case['id']}/documents/{mine[0]['id']}").status_code == 404


def test_a_document_is_decided_in_the_step_and_shown_as_drawing_until_the_job_draws_it(app, as_user):
    """The step records number, kind and wording; the PDF is drawn and sealed right after the
    commit by the documents job. Meanwhile every place that lists it says 生成中."""
    from tests.flows import draw_documents, progress_page

    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    task = case["open_tasks"][0]["id"]
    answered = frontdesk.post(f"/api/v1/tasks/{task}/complete",
                              json={"data": {"outcome": "correct", "missing_materials": ["PMT"]}})
    assert answered.status_code == 200 and answered.get_json()["status"] == "awaiting_correction"
    doc = _documents(frontdesk, case["id"])["correction_notice"]
    assert (doc["state"], doc["state_label"]) == ("drawing", "生成中")
    assert doc["document_no"].startswith("鄠政务补〔2026〕") and doc["issued_at"] and doc["sha256"] is None
    page = progress_page(app, case)
    assert "生成中" in page.get_element_by_id("documents").text_content()
    assert not page.cssselect("#documents a")
    assert draw_documents(app) == {"drawn": 1, "failed": 0}
    doc = _documents(frontdesk, case["id"])["correction_notice"]
    assert doc["state"] == "ready" and doc["sha256"]
    _, text = _read(frontdesk, case["id"], doc)
    assert doc["document_no"] in text and "一次性告知" in text
    assert [a.text_content() for a in progress_page(app, case).cssselect("#documents a")] == ["补齐补正材料通知书"]
    assert draw_documents(app) == {"drawn": 0, "failed": 0}  # drawn once


def test_a_clerk_printing_a_document_not_drawn_yet_gets_it_drawn_at_once(app, as_user):
    from tests.flows import draw_documents

    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    answered = frontdesk.post(f"/api/v1/tasks/{case['open_tasks'][0]['id']}/complete",
                              json={"data": {"outcome": "correct", "missing_materials": ["PMT"]}})
    assert answered.status_code == 200
    doc = _documents(frontdesk, case["id"])["correction_notice"]
    assert doc["state"] == "drawing"
    _, text = _read(frontdesk, case["id"], doc)  # the inbox's 打印 link, right after the decision
    assert doc["document_no"] in text
    again = _documents(frontdesk, case["id"])["correction_notice"]
    assert again["state"] == "ready" and again["sha256"]
    assert draw_documents(app) == {"drawn": 0, "failed": 0}  # the job does not draw it a second time
    assert frontdesk.get(f"/api/v1/cases/{case['id']}/documents/999999").status_code == 404


def test_the_scheduler_draws_a_decided_document_without_waiting_for_its_sweep(app, as_user):
    import time

    from app import clock
    from app.bootstrap import scheduler_for

    clock.reset()  # real time: APScheduler waits for it
    app.config["SCHEDULER_SWEEP_SECONDS"] = 3600  # the step's commit must wake it, not the sweep
    scheduler = scheduler_for(app).start()
    try:
        frontdesk = as_user("frontdesk")
        case = frontdesk.post("/api/v1/cases", json=application())
        task = case.get_json()["open_tasks"][0]["id"]
        assert frontdesk.post(f"/api/v1/tasks/{task}/complete", json={"data": {"outcome": "accept"}}).status_code == 200
        deadline, states = time.monotonic() + 10, []
        while time.monotonic() < deadline:
            states = [d["state"] for d in _documents(frontdesk, case.get_json()["id"]).values()]
            if states == ["ready"]:
                break
            time.sleep(0.1)
        assert states == ["ready"]
    finally:
        scheduler.stop()
        app.config["SCHEDULER_SWEEP_SECONDS"] = 60
