"""A designer ships a new service item without a programmer, through the pages only: a blank
process drawn in the modeler, its form made in the form editor, a test run with the sandbox's clock
moved past a timer, deployment, a guide written, bound to the process and published by an
administrator; a window clerk then runs a real case through it to 已办结. Redeploying a modified
version from the modeler keeps the forms. Every click and typed field of the designer is counted."""
from datetime import timedelta

from playwright.sync_api import expect

from app import clock
from app.parties.idnumbers import with_check_digit_id_card
from tests.browser.test_clerk_flow import login
from tests.browser.test_modeler import open_general
from tests.flows import fire_timers

CODE = "610118-WJ-0105"
VISITOR = with_check_digit_id_card("61012419800305002")


class Hands:
    """The designer's hands: every click and typed field goes through here."""

    def __init__(self, page):
        self.page, self.clicks, self.typed = page, 0, 0
        self.in_panel = False  # the last thing typed went into the properties panel
        self.current = "StartEvent_1"  # the element being worked on

    def click(self, locator, **kw):
        self.clicks += 1
        (self.page.locator(locator) if isinstance(locator, str) else locator).click(**kw)

    def fill(self, locator, text):
        self.typed += 1
        target = self.page.locator(locator) if isinstance(locator, str) else locator
        target.fill(text)
        self.in_panel = bool(target.evaluate("(el) => !!el.closest('#properties')"))

    def select(self, locator, value):
        self.clicks += 1
        target = self.page.locator(locator) if isinstance(locator, str) else locator
        target.select_option(value)
        self.in_panel = bool(target.evaluate("(el) => !!el.closest('#properties')"))


def _ours(hands, entry_id):
    """An entry of the panel's 一窗通办 group (opened if it is folded)."""
    entry = hands.page.locator(f"#bio-properties-panel-{entry_id}")
    if not entry.is_visible():
        hands.click(hands.page.locator("#properties .bio-properties-panel-group-header", has_text="一窗通办").first)
    return entry


def _append(hands, action, replace_with=None):
    """From the element last worked on: the context pad's append entry, then (optionally) change the
    new element's type. Returns the new element's id."""
    page = hands.page
    if hands.in_panel:  # back on the canvas from the properties panel: the element again
        box = page.locator(f'.djs-shape[data-element-id="{hands.current}"]').first.bounding_box()
        for _ in range(2):  # the first click after typing in the panel only takes the focus back
            hands.clicks += 1
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            if page.locator(f'.djs-shape.selected[data-element-id="{hands.current}"]').count():
                break
        hands.in_panel = False
    hands.click(f'.djs-context-pad [data-action="{action}"]')
    page.keyboard.press("Escape")  # leave the label editor a new task opens with
    if replace_with:
        hands.click('.djs-context-pad [data-action="replace"]')
        hands.click(f'.djs-popup [data-id="{replace_with}"]')
    hands.current = page.evaluate(
        "() => document.querySelector('.djs-shape.selected').getAttribute('data-element-id')")
    return hands.current


def _drag(hands, source, target):
    """Drag with the mouse, as a designer does (one gesture: counted as one click)."""
    hands.clicks += 1
    page = hands.page
    box, to = source.bounding_box(), target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(to["x"] + to["width"] / 2, to["y"] + 40, steps=12)
    page.mouse.up()


def _name(hands, text):
    open_general(hands.page)
    hands.fill("#bio-properties-panel-name", text)


def test_a_designer_ships_a_new_item_and_a_clerk_runs_it_to_completion(browser, base_url, as_user, app, shot):
    page = login(browser, base_url, "designer", width=1440)
    hands = Hands(page)
    # 1. a blank process: the pool carries the posts' lanes
    hands.fill('#new-blank input[name="name"]', "公共场所卫生许可（试点）")
    hands.click("#new-blank button")
    page.wait_for_selector('#canvas[data-ready="true"]')
    expect(page.locator("#draft-name")).to_have_text("公共场所卫生许可（试点）")

    # 2. its form, made in the form editor: one field the reviewer fills in
    hands.click("#tab-forms")
    hands.fill("#new-form-key", "hygiene_review")
    hands.click("#new-form button")
    page.wait_for_selector('#form-editor[data-ready="hygiene_review"]')
    field = page.locator("#form-editor .fjs-palette-field", has_text="多行文本").first
    _drag(hands, field, page.locator("#form-editor .fjs-editor-form-root").first)
    page.locator("#form-editor .fjs-editor-container .fjs-form-field-textarea").first.wait_for()
    label = page.locator('#form-editor [data-entry-id="label"]').locator("input, [contenteditable]").first
    if not label.is_visible():
        hands.click(page.locator("#form-editor .bio-properties-panel-group-header", has_text="常规").first)
    hands.fill(label, "审查意见")
    page.locator("#save-status", has_text="已自动保存").wait_for()

    # 3. the flow: start → 现场审查 (front desk, the new form) → 公示期 (2 working days) → 办结 → end
    hands.click("#tab-diagram")
    hands.click(page.locator('[data-element-id="StartEvent_1"]').first)
    _append(hands, "append.append-task", "replace-with-user-task")
    _name(hands, "现场审查")
    hands.select(_ours(hands, "ow-form"), "hygiene_review")
    _append(hands, "append.intermediate-event", "replace-with-timer-intermediate-catch")
    _name(hands, "公示期满")
    hands.fill(_ours(hands, "ow-timer"), "2")
    _append(hands, "append.append-task", "replace-with-script-task")
    _name(hands, "办结")
    hands.select(_ours(hands, "ow-status"), "completed")
    _append(hands, "append.end-event")
    page.locator("#save-status", has_text="已自动保存").wait_for()
    hands.click("#validate")
    expect(page.locator("#modeler-status")).to_have_text("校验通过，可以部署")
    shot(page, "journey-drawn")

    # 4. 试运行: the form renders for the front desk; the sandbox's clock is moved past 公示期满
    hands.click("#test-run")
    panel = page.locator("#testrun")
    hands.click(panel.get_by_role("button", name="开始试运行"))
    card = panel.locator(".run-task").first
    expect(card).to_contain_text("现场审查")
    hands.fill(card.get_by_label("审查意见"), "场所布局符合卫生要求")
    hands.click(card.get_by_role("button", name="以“前台综合受理”身份完成"))
    expect(panel.locator(".run-timers")).to_contain_text("公示期满")
    hands.click(panel.get_by_role("button", name="前进到下一个计时器到期"))
    expect(panel.locator(".run-status")).to_contain_text("流程已结束")
    expect(panel.locator(".run-status")).to_contain_text("已办结")
    shot(page, "journey-test-run")
    hands.click(panel.get_by_role("button", name="关闭"))

    # 5. deploy: the recorded run replays, the draft and its form become version 1
    hands.click("#deploy")
    expect(page.locator("#modeler-status")).to_contain_text("第 1 版")
    assert "含表单 1 个" in page.inner_text("#draft-origin")
    key = page.inner_text("#modeler-status").split("已部署为 ")[1].split(" ")[0]

    # 6. the guide: a new item starting from a published one, bound to the new process
    hands.click(page.get_by_role("link", name="事项管理"))
    new = page.locator("#new-item")
    hands.fill(new.get_by_label("事项名称"), "公共场所卫生许可（试点）")
    hands.fill(new.get_by_label("实施编码"), CODE)
    hands.fill(new.get_by_label("基本编码"), "000117005105")
    hands.select(new.get_by_label("办理流程"), key)
    hands.select(new.get_by_label("参照事项"), "610118-WJ-0002")
    hands.click(new.get_by_role("button", name="新建并编写办事指南"))
    expect(page.locator("#guide-form")).to_have_attribute("data-ready", "true")
    hands.click(page.get_by_role("button", name="保存并检查"))
    expect(page.locator("#guide-status")).to_contain_text("可以发布")
    print(f"\ndesigner journey (blank process → form → test run → deploy → guide): "
          f"{hands.clicks} clicks, {hands.typed} typed fields")

    # 7. an administrator sets the hall and publishes
    admin = login(browser, base_url, "admin")
    admin.goto(f"{base_url}/catalog/manage/{CODE}")
    admin.locator("#halls").get_by_label("鄠邑区政务服务中心").check()
    admin.locator("#halls").get_by_role("button", name="保存办理大厅").click()
    admin.on("dialog", lambda dialog: dialog.accept())
    admin.locator('tr[data-version="1"]').get_by_role("button", name="发布").click()
    expect(admin.locator('tr[data-version="1"]')).to_contain_text("已发布")

    # 8. a window clerk receives a walk-in for it and runs the case to 已办结
    front = login(browser, base_url, "frontdesk", width=1366)
    front.goto(f"{base_url}/intake")
    front.fill("#item", f"{CODE} 公共场所卫生许可（试点）")
    front.fill("#id_number", VISITOR)
    front.click("#next")
    front.fill("input[name='applicant.name']", "钱女士")
    front.fill("input[name='applicant.phone']", "13700003333")
    for row in front.locator("#materials tr[data-code] input[name=handed_in]").all():
        row.check()
    front.click("#receive")
    front.wait_for_url("**/tasks/*")
    front.wait_for_selector('#task-form[data-ready="true"]')
    assert "现场审查" in front.inner_text("main")
    front.get_by_label("审查意见").fill("经现场审查，符合卫生要求")
    front.click("#submit-task")
    front.wait_for_url(f"{base_url}/inbox*")
    case = as_user("frontdesk").get(f"/api/v1/cases?id_number={VISITOR}").get_json()["items"][0]
    assert case["status"] != "completed"  # waiting for 公示期满
    clock.advance(timedelta(days=5))
    fire_timers(app)
    front = login(browser, base_url, "frontdesk", width=1366)  # days later: a new sign-in
    front.goto(f"{base_url}/cases/{case['id']}")
    expect(front.locator("main")).to_contain_text("已办结")
    shot(front, "journey-case-completed")

    # 9. a modified version from the modeler keeps the form
    page = login(browser, base_url, "designer", width=1440)
    page.goto(f"{base_url}/modeler")
    row = page.locator(f'#deployed tr[data-key="{key}"]')
    row.get_by_role("button", name="打开为草稿").click()
    page.wait_for_selector('#canvas[data-ready="true"]')
    expect(page.locator("#form-count")).to_have_text("1")
    task = page.locator(".djs-shape", has_text="现场审查").first
    task.click()
    open_general(page)
    page.fill("#bio-properties-panel-name", "现场卫生审查")
    page.locator("#save-status", has_text="已自动保存").wait_for()
    page.click("#deploy")
    expect(page.locator("#modeler-status")).to_contain_text("第 2 版")
    v2 = as_user("designer").get(f"/api/v1/processes/{key}/versions/2/forms/hygiene_review")
    assert v2.status_code == 200 and any(c.get("label") == "审查意见" for c in v2.get_json()["components"])
