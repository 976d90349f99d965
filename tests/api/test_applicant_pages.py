"""The applicant's pages through HTTP: sign in, register, apply from the guide page with files,
see the case, answer a correction notice; CSRF on every form; errors shown at their field."""
import io
import re
from datetime import timedelta

import lxml.html

from app import clock
from tests.applicant_flows import PDF, PERSON, PHONE
from tests.flows import complete

ITEM = "610118-SCJG-0001"


def page(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def token(response) -> str:
    return page(response).cssselect('input[name="csrf_token"]')[0].get("value")


def sign_in(client, codes, next_path=""):
    login = client.get(f"/my/login?next={next_path}")
    sent = client.post("/my/login/code", data={"csrf_token": token(login), "phone": PHONE, "next": next_path})
    assert sent.status_code == 302
    form = client.get(sent.headers["Location"])
    return client.post("/my/login", data={"csrf_token": token(form), "phone": PHONE, "code": codes.code_for(PHONE),
                                          "next": next_path})


def test_apply_from_the_guide_page_and_answer_a_correction(app, codes, as_user):
    client = app.test_client()
    guide = page(client.get(f"/guides/{ITEM}"))
    apply_path = guide.get_element_by_id("apply").get("href")
    assert apply_path == f"/guides/{ITEM}/apply"
    gate = client.get(apply_path)
    assert gate.status_code == 302 and "/my/login" in gate.headers["Location"]

    signed = sign_in(client, codes, apply_path)
    assert signed.status_code == 302 and signed.headers["Location"] == apply_path
    first = client.get(apply_path)  # no identity yet: register first, then back to the application
    assert first.status_code == 302 and "/my?next=" in first.headers["Location"]
    home = client.get(first.headers["Location"])
    assert "请先登记本人姓名和身份证号" in home.get_data(as_text=True)
    assert page(home).cssselect('input[name="next"]')[0].get("value") == apply_path
    registered = client.post("/my/profile", data={"csrf_token": token(home), "name": "张三", "id_number": PERSON,
                                                  "next": apply_path})
    assert registered.status_code == 302 and registered.headers["Location"] == apply_path

    form_page = client.get(apply_path)
    form = page(form_page)
    assert [li.get("data-code") for li in form.find_class("material")][:3] == ["SQS", "YYZZ", "FDDBR"]
    shared = form.cssselect('li[data-code="SFZ"] .shared')
    assert shared and not form.cssselect('input[name="files.SFZ"]')

    missing = client.post(apply_path, content_type="multipart/form-data", data={
        "csrf_token": token(form_page), "hall": "HY-ZWFW", "files.SQS": (io.BytesIO(PDF), "申请书.pdf")})
    assert missing.status_code == 422
    errors = page(missing).cssselect('.error[data-field="files.FDDBR"]')
    assert errors and "请上传" in errors[0].text_content()

    submitted = client.post(apply_path, content_type="multipart/form-data", data={
        "csrf_token": token(form_page), "hall": "HY-ZWFW",
        **{f"files.{c}": (io.BytesIO(PDF), f"{c}.pdf") for c in ("SQS", "YYZZ", "FDDBR")}})
    assert submitted.status_code == 302
    case_path = submitted.headers["Location"]
    case_page = page(client.get(case_path))
    assert case_page.get_element_by_id("status").text_content() == "已提交，待受理"
    assert "窗口受理审查" in case_page.get_element_by_id("current_step").text_content()
    case_id = int(re.search(r"/my/cases/(\d+)", case_path).group(1))

    frontdesk = as_user("frontdesk")
    staff = frontdesk.get(f"/api/v1/cases/{case_id}").get_json()
    complete(frontdesk, staff, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"],
                                                         "reason": "平面布局图未标注各功能区面积，请标注后重新提交",
                                                         "material_notes": {"PMT": "未标注各功能区面积"}})
    noticed = client.get(case_path)
    notice = page(noticed).get_element_by_id("notice")
    assert "补齐补正通知" in notice.text_content() and notice.cssselect('input[name="files.PMT"]')
    assert notice.get_element_by_id("notice-reason").text_content() == "窗口说明：平面布局图未标注各功能区面积，请标注后重新提交"
    assert notice.cssselect('label[data-code="PMT"] .material-note')[0].text_content() == "存在问题：未标注各功能区面积"
    answered = client.post(f"{case_path}/supplement", content_type="multipart/form-data", data={
        "csrf_token": token(noticed), "files.PMT": (io.BytesIO(PDF), "平面图.pdf")})
    assert answered.status_code == 302
    after = page(client.get(case_path))
    assert after.get_element_by_id("status").text_content() == "已提交，待受理"
    assert not after.cssselect("#notice")
    assert "平面图.pdf" in after.get_element_by_id("materials").text_content()

    # the same item again: the form says which case is running; filing needs a confirmation
    again = client.get(apply_path)
    warned = page(again).get_element_by_id("duplicates")
    assert warned.cssselect(f'a[href="{case_path}"]') and "确认不是重复申请" in warned.text_content()
    files = {f"files.{c}": (io.BytesIO(PDF), f"{c}.pdf") for c in ("SQS", "YYZZ", "FDDBR")}
    unconfirmed = client.post(apply_path, content_type="multipart/form-data", data={
        "csrf_token": token(again), "hall": "HY-ZWFW", **files})
    assert unconfirmed.status_code == 422
    assert page(unconfirmed).cssselect('.error[data-field="confirm_duplicate"]')
    files = {f"files.{c}": (io.BytesIO(PDF), f"{c}.pdf") for c in ("SQS", "YYZZ", "FDDBR")}
    confirmed = client.post(apply_path, content_type="multipart/form-data", data={
        "csrf_token": token(again), "hall": "HY-ZWFW", "confirm_duplicate": "1", **files})
    assert confirmed.status_code == 302 and confirmed.headers["Location"] != case_path

    # signed out, a link to the case page signs in and comes back to it
    assert client.post("/my/logout", data={"csrf_token": token(client.get("/my"))}).status_code == 302
    gate = client.get(case_path)
    assert gate.status_code == 302 and "/my/login" in gate.headers["Location"]
    clock.advance(timedelta(seconds=61))  # one sign-in code a minute per phone
    back = sign_in(client, codes, case_path)
    assert back.status_code == 302 and back.headers["Location"] == case_path


def test_forms_need_their_csrf_token_and_next_stays_on_site(app, codes):
    client = app.test_client()
    assert client.post("/my/login/code", data={"phone": PHONE}).status_code == 400
    signed = sign_in(client, codes, "https://evil.example/steal")
    assert signed.status_code == 302 and signed.headers["Location"] == "/my"
    assert client.post("/my/logout").status_code == 400  # no token
    wrong = client.get("/my/login?phone=13912345678&sent=1")
    code = codes.code_for(PHONE)
    refused = client.post("/my/login", data={"csrf_token": token(wrong), "phone": PHONE,
                                             "code": "000001" if code != "000001" else "000002"})
    assert refused.status_code == 422 and page(refused).cssselect('.error[data-field="code"]')


def test_another_applicants_case_page_is_404(app, codes):
    client = app.test_client()
    sign_in(client, codes)
    assert client.get("/my/cases/999999").status_code == 404


def test_an_applicant_who_chose_mail_reads_the_carrier_and_tracking_number_on_my_pages(app, codes, as_user):
    client = app.test_client()
    apply_path = f"/guides/{ITEM}/apply"
    sign_in(client, codes, apply_path)
    home = client.get("/my")
    client.post("/my/profile", data={"csrf_token": token(home), "name": "张三", "id_number": PERSON})
    form_page = client.get(apply_path)
    assert page(form_page).cssselect('#delivery input[value="window_pickup"]')[0].get("checked") is not None
    address = {"province": "陕西省", "city": "西安市", "district": "鄠邑区", "street": "甘亭街道", "detail": "东街 8 号"}
    base = {"csrf_token": token(form_page), "hall": "HY-ZWFW", "delivery.method": "mail",
            **{f"files.{c}": (io.BytesIO(PDF), f"{c}.pdf") for c in ("SQS", "YYZZ", "FDDBR")}}
    wrong = client.post(apply_path, content_type="multipart/form-data",
                        data={**base, **{f"delivery.address.{k}": v for k, v in {**address, "city": ""}.items()}})
    assert wrong.status_code == 422 and page(wrong).cssselect('.error[data-field="delivery.address.city"]')
    base.update({f"files.{c}": (io.BytesIO(PDF), f"{c}.pdf") for c in ("SQS", "YYZZ", "FDDBR")})
    submitted = client.post(apply_path, content_type="multipart/form-data",
                            data={**base, **{f"delivery.address.{k}": v for k, v in address.items()}})
    assert submitted.status_code == 302
    case_path = submitted.headers["Location"]
    case_id = int(re.search(r"/my/cases/(\d+)", case_path).group(1))
    assert "送达方式：邮寄至 陕西省西安市鄠邑区甘亭街道东街 8 号（张三 13912345678）" in \
        page(client.get(case_path)).get_element_by_id("delivery").text_content()

    frontdesk, backoffice, pickup = as_user("frontdesk"), as_user("backoffice"), as_user("pickup")
    staff = frontdesk.get(f"/api/v1/cases/{case_id}").get_json()
    staff = complete(frontdesk, staff, "front_desk_acceptance", {"outcome": "accept"})
    staff = complete(backoffice, staff, "back_office_review", {"decision": "approve"})
    assert page(client.get(case_path)).get_element_by_id("pickup-code").text_content().isdigit()
    complete(pickup, staff, "window_delivery", {"delivery_method": "mail", "carrier": "ems", "tracking_no": "EM123456789CN"})
    after = page(client.get(case_path))
    assert after.get_element_by_id("tracking-no").text_content() == "EM123456789CN"
    assert "中国邮政EMS" in after.get_element_by_id("delivery").text_content()
    assert not after.cssselect("#pickup-code")
    listed = page(client.get("/my")).cssselect(".tracking-no")
    assert listed and listed[0].text_content() == "中国邮政EMS EM123456789CN"
