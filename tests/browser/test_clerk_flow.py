"""A case through the clerks' pages in a real browser: front desk corrects then accepts, back
office approves, pickup window delivers, the dossier shows history and the highlighted diagram."""
import pytest
from playwright.sync_api import expect

from tests.flows import pickup_code, start

PASSWORD = "onewindow-demo"


def login(browser, base_url, username, width=1280):
    page = browser.new_page(viewport={"width": width, "height": 900}, locale="zh-CN")
    page.goto(f"{base_url}/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)  # signed in and moved on
    page.wait_for_load_state()
    return page


def open_task_of(page, base_url, case_no):
    page.goto(f"{base_url}/inbox")
    page.click(f'tr[data-case="{case_no}"] td a')
    page.wait_for_selector('#task-form[data-ready="true"]')


def submit_form(page):
    page.click("#submit-task")


@pytest.fixture
def case(as_user):
    return start(as_user("frontdesk"))


def test_a_case_through_the_clerks_pages(browser, base_url, case, as_user, shot, app):
    front = login(browser, base_url, "frontdesk")
    assert front.url.endswith("/inbox")
    shot(front, "inbox")
    open_task_of(front, base_url, case["case_no"])
    shot(front, "task-front-desk")
    front.get_by_label("补齐补正").check()
    front.get_by_label("经营场所平面布局图").check()
    submit_form(front)
    front.wait_for_url(f"{base_url}/inbox*")
    assert as_user("frontdesk").get(f"/api/v1/cases/{case['id']}").get_json()["status"] == "awaiting_correction"

    supplied = as_user("frontdesk").post(f"/api/v1/cases/{case['id']}/supplements", json={"materials": ["PMT"]})
    assert supplied.status_code == 200
    open_task_of(front, base_url, case["case_no"])
    front.get_by_label("受理").first.check()
    submit_form(front)
    front.wait_for_url(f"{base_url}/inbox*")

    back = login(browser, base_url, "backoffice")
    open_task_of(back, base_url, case["case_no"])
    back.get_by_label("准予").check()
    submit_form(back)
    back.wait_for_url(f"{base_url}/inbox*")

    pickup = login(browser, base_url, "pickup")
    open_task_of(pickup, base_url, case["case_no"])
    pickup.get_by_label("窗口领取").check()
    pickup.get_by_label("取件码").fill(pickup_code(app, case))  # the applicant shows it at the window
    submit_form(pickup)
    pickup.wait_for_url(f"{base_url}/inbox*")

    front.goto(f"{base_url}/cases/{case['id']}")
    front.wait_for_selector('#diagram[data-ready="true"]')
    assert "已办结" in front.inner_text("#case-status")
    history = front.inner_text("#history")
    assert "补齐补正" in history or "补正" in history
    assert front.locator(".ow-done").count() >= 3  # acceptance, review, delivery
    shot(front, "dossier")


def test_a_server_error_shows_at_its_field(browser, base_url, case, shot):
    front = login(browser, base_url, "frontdesk")
    open_task_of(front, base_url, case["case_no"])
    front.get_by_label("不予受理").check()
    submit_form(front)  # the reason is required for a rejection: only the server knows
    front.click("#confirm-yes")  # a rejection is confirmed first (it ends the case)
    error = front.locator(".fjs-form-field-error")
    error.first.wait_for()
    assert "理由" in front.inner_text("#form-status") or error.count() >= 1
    field = front.locator(".fjs-form-field", has=front.locator("textarea"))
    assert "必填" in field.inner_text() or "理由" in field.inner_text()
    shot(front, "task-field-error")


def test_the_inbox_is_usable_on_a_phone(browser, base_url, case, shot):
    phone = login(browser, base_url, "frontdesk", width=375)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert phone.locator(f'tr[data-case="{case["case_no"]}"]').is_visible()
    shot(phone, "inbox-375")
    phone.goto(f"{base_url}/guides/610118-SCJG-0001")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, "guide-375")


def test_urge_transfer_and_comment_from_the_pages(browser, base_url, case, make_user, shot):
    make_user("frontdesk2", ("front_desk", "HY-ZWFW"), display_name="前台受理员 周洁")
    supervisor = login(browser, base_url, "supervisor")
    supervisor.goto(f"{base_url}/tasks/{case['open_tasks'][0]['id']}")
    supervisor.click("details.more summary")
    supervisor.fill('form[action$="/urge"] input[name="note"]', "今日内办结")
    supervisor.click('form[action$="/urge"] button')
    supervisor.locator(".urged").wait_for()

    front = login(browser, base_url, "frontdesk")
    row = front.locator(f'tr[data-case="{case["case_no"]}"]')
    assert "催办" in row.inner_text()
    open_task_of(front, base_url, case["case_no"])
    front.fill('form.comment input[name="text"]', "原件已核对")
    front.click("form.comment button")
    assert "备注：原件已核对" in front.inner_text("#history")
    front.goto(f"{base_url}/inbox")  # a task is transferred by whoever claimed it
    front.click(f'tr[data-case="{case["case_no"]}"] form button')
    open_task_of(front, base_url, case["case_no"])
    front.click("details.more summary")
    front.select_option('form[action$="/transfer"] select[name="to"]', "frontdesk2")
    front.click('form[action$="/transfer"] button')
    front.wait_for_url(f"{base_url}/inbox*")
    assert "前台受理员 周洁" in front.locator(f'tr[data-case="{case["case_no"]}"]').inner_text()
    shot(front, "inbox-after-transfer")


def test_a_denial_is_confirmed_first_and_the_inbox_offers_its_notice_to_print(browser, base_url, case, as_user, shot):
    frontdesk = as_user("frontdesk")
    complete_api = frontdesk.post(f"/api/v1/tasks/{case['open_tasks'][0]['id']}/complete",
                                  json={"data": {"outcome": "accept", "missing_materials": []}})
    assert complete_api.status_code == 200
    back = login(browser, base_url, "backoffice")
    open_task_of(back, base_url, case["case_no"])
    back.get_by_label("不予批准").check()
    back.get_by_label("理由").fill("经营场所与食品安全要求不符")
    submit_form(back)
    dialog = back.locator("#confirm-final")
    dialog.wait_for(state="visible")
    assert f"确定对办件 {case['case_no']} 作出“不予批准”决定吗" in dialog.inner_text()
    shot(back, "task-confirm-denial")
    back.click("#confirm-no")  # changed their mind: nothing is sent
    # the dialog's close event runs after the click returns: wait for the page to say so
    # (a locator assertion: the page's CSP refuses wait_for_function's string evaluation)
    expect(back.locator("#form-status")).to_have_text("已取消提交")
    assert frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()["status"] == "under_review"
    submit_form(back)
    dialog.wait_for(state="visible")
    back.click("#confirm-yes")
    back.wait_for_url("**/inbox?done=*")
    done = back.inner_text("#done")
    assert f"已办结“审查并作出决定”：办件 {case['case_no']} 现为" in done
    assert "打印不予批准决定书" in done
    shot(back, "inbox-after-denial")
