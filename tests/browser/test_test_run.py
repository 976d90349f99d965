"""试运行 through the modeler's page: a designer test-runs a draft, acts as each lane with the
task's form, moves the sandbox's clock past a timer and watches the token on the diagram."""
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.cases.models import Case
from app.extensions import db
from tests.browser.test_clerk_flow import login
from tests.browser.test_modeler import open_as_draft


def test_designer_test_runs_a_draft_through_its_lanes_and_a_timer(browser, base_url, shot, app):
    with app.app_context():
        cases_before = db.session.scalar(select(func.count()).select_from(Case))
    page = login(browser, base_url, "designer")
    open_as_draft(page, base_url, "standard_licence")
    page.click("#test-run")
    panel = page.locator("#testrun")
    expect(panel).to_have_attribute("data-ready", "true")
    expect(page.locator("#properties")).to_be_hidden()
    panel.get_by_role("button", name="开始试运行").click()
    expect(panel).to_have_attribute("data-state", "running")
    expect(panel.locator(".run-status")).to_contain_text("办件状态：已提交，待受理")
    # the token sits on the front desk's task
    expect(page.locator('[data-element-id="front_desk_acceptance"].ow-active').first).to_be_visible()
    card = panel.locator('.run-task[data-element="front_desk_acceptance"]')
    expect(card).to_contain_text("岗位：前台综合受理")

    # the form is checked by the server: 不予受理 without its reason is refused at the field
    card.get_by_label("不予受理").check()
    card.get_by_role("button", name="以“前台综合受理”身份完成").click()
    expect(panel.locator(".run-status.error")).to_be_visible()
    expect(card.locator(".fjs-form-field-error").first).to_be_visible()

    card.get_by_label("补齐补正").check()
    card.get_by_role("checkbox", name="营业执照复印件").check()
    card.get_by_role("button", name="以“前台综合受理”身份完成").click()
    expect(panel.locator(".run-status")).to_contain_text("办件状态：待补齐补正")
    expect(panel.locator("#run-path")).to_contain_text("出具补齐补正材料通知书")
    expect(panel.locator("#run-path")).to_contain_text("试运行未出具、未发送")
    expect(panel.locator("#run-supplement")).to_be_visible()
    expect(page.locator('[data-element-id="front_desk_acceptance"].ow-passed').first).to_be_visible()
    expect(panel.locator(".run-timers")).to_contain_text("补正期限届满")
    shot(page, "test-run-waiting")

    # two working days are not enough for the correction deadline; the next timer is
    panel.locator("#run-workdays").fill("2")
    panel.get_by_role("button", name="前进", exact=True).click()
    expect(panel.locator("#run-path")).to_contain_text("时钟前进 2 个工作日，没有计时器到期")
    panel.get_by_role("button", name="前进到下一个计时器到期").click()
    expect(panel.locator("#run-path")).to_contain_text("计时器触发：补正期限届满")
    expect(panel.locator(".run-status")).to_contain_text("流程已结束")
    expect(panel.locator(".run-status")).to_contain_text("不予受理")
    expect(panel.locator("#run-path")).to_contain_text("出具不予受理决定书")
    shot(page, "test-run-ended")

    # the recorded path replays on the draft: it still validates and deploys
    page.click("#validate")
    expect(page.locator("#modeler-status.ok")).to_be_visible()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == cases_before

    # closing the panel takes the token away and brings the properties back
    panel.get_by_role("button", name="关闭").click()
    expect(page.locator("#properties")).to_be_visible()
    assert page.locator(".ow-active").count() == 0
