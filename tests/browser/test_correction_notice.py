"""The correction notice carries the clerk's words (art. 13(2)): written on the task page, per
material and overall, printed on the PDF the inbox offers, and read by the applicant."""
import pypdfium2 as pdfium
import pytest

from tests.browser.test_clerk_flow import login, open_task_of, submit_form
from tests.flows import start

SEAL = "申请书未加盖企业公章，请重新提交盖章的申请书"
PLAN = "未标注各功能区面积"
OVERALL = "请携带原件到窗口核对"


@pytest.fixture
def case(as_user):
    return start(as_user("frontdesk"))


def test_the_clerks_words_reach_the_printed_notice(browser, base_url, case, as_user, shot):
    front = login(browser, base_url, "frontdesk")
    open_task_of(front, base_url, case["case_no"])
    front.get_by_label("补齐补正").check()
    notes = front.locator("#material-notes")
    assert notes.is_hidden()  # nothing ticked yet: nothing to say
    front.get_by_role("checkbox", name="食品经营许可申请书").check()
    front.get_by_role("checkbox", name="经营场所平面布局图").check()
    notes.wait_for(state="visible")
    front.get_by_label("食品经营许可申请书：存在的问题").fill(SEAL)
    front.get_by_label("经营场所平面布局图：存在的问题").fill(PLAN)
    front.get_by_role("checkbox", name="经营场所平面布局图").uncheck()  # changed their mind: its note is not sent
    front.get_by_label("理由或说明").fill(OVERALL)
    shot(front, "task-correction-notes")
    submit_form(front)
    front.wait_for_url("**/inbox?done=*")
    printed = front.locator("#done a", has_text="补齐补正材料通知书")
    href = printed.get_attribute("href")

    pdf = front.request.get(f"{base_url}{href}" if href.startswith("/") else href)
    assert pdf.ok and pdf.headers["content-type"].startswith("application/pdf")
    document = pdfium.PdfDocument(pdf.body())
    text = "".join(p.get_textpage().get_text_range() for p in document).replace("\r", "").replace("\n", "")
    assert f"存在问题：{SEAL}" in text and f"补正说明：{OVERALL}" in text
    assert PLAN not in text
    staff = as_user("frontdesk").get(f"/api/v1/cases/{case['id']}").get_json()
    assert staff["status"] == "awaiting_correction" and staff["outstanding_materials"] == ["SQS"]
