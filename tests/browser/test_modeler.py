"""A designer in the modeler's workspace: open the standard process as a draft, rename a task
(saved and validated as they edit), deploy version 2 with its forms; findings on their elements;
one designer edits a draft at a time; a blank process named from the start."""
from playwright.sync_api import expect

from tests.browser.test_clerk_flow import login


def open_as_draft(page, base_url, key: str, version: str | None = None):
    """From the workspace: open a deployed process (its latest version, or `version`) as a draft."""
    page.goto(f"{base_url}/modeler")
    row = page.locator(f'#deployed tr[data-key="{key}"]')
    if version:
        row.locator('select[name="version"]').select_option(version)
    row.get_by_role("button", name="打开为草稿").click()
    page.wait_for_url("**/modeler/drafts/*")
    page.wait_for_selector('#canvas[data-ready="true"]')


def open_general(page):
    """Open the properties panel's 常规 group (name, id) of the selected element."""
    if not page.locator("#bio-properties-panel-name").is_visible():
        page.locator("#properties .bio-properties-panel-group-header", has_text="常规").first.click()
    page.locator("#bio-properties-panel-name").wait_for()


def select_lane(page, element_id: str):
    """Click a lane on its empty right end (the palette covers its label on the left)."""
    lane = page.locator(f'[data-element-id="{element_id}"]').first
    box = lane.bounding_box()
    lane.click(position={"x": box["width"] - 15, "y": 15}, force=True)
    open_general(page)


def test_designer_renames_a_task_and_deploys_version_2(browser, base_url, shot, app):
    page = login(browser, base_url, "designer")
    page.wait_for_url(f"{base_url}/modeler")
    open_as_draft(page, base_url, "standard_licence")
    assert "基于 standard_licence 第 1 版" in page.inner_text("#draft-origin")
    assert page.inner_text("#draft-name") == "标准许可事项办理流程 第 1 版的修改"
    assert page.locator(".djs-palette [aria-label='任务']").count() == 1  # the palette speaks Chinese
    shot(page, "modeler")

    task = page.locator('[data-element-id="front_desk_acceptance"]').first
    task.dblclick()  # direct editing of the label, as a designer renames a task
    editor = page.locator(".djs-direct-editing-content")
    editor.wait_for()
    page.keyboard.press("Control+A")
    page.keyboard.type("受理审查（一窗）")
    page.mouse.click(700, 230)  # a click on empty canvas leaves the editor and applies the name
    page.locator('[data-element-id="front_desk_acceptance"]').first.click()
    open_general(page)
    assert page.locator("#bio-properties-panel-name").input_value() == "受理审查（一窗）"
    page.locator("#save-status", has_text="已自动保存").wait_for()  # saved without a click

    page.click("#validate")
    page.wait_for_selector("#modeler-status.ok")
    page.click("#deploy")
    page.locator("#modeler-status", has_text="已部署").wait_for()
    assert "第 2 版" in page.inner_text("#modeler-status")
    assert "含表单 4 个" in page.inner_text("#draft-origin")  # the forms went with it
    shot(page, "modeler-deployed")
    page.goto(f"{base_url}/modeler")
    assert "standard_licence 第 2 版" in page.inner_text("#drafts")

    page.goto(f"{base_url}/processes")
    rows = page.locator('section[data-key="standard_licence"] tr[data-version]')
    assert rows.count() == 2 and rows.first.get_attribute("data-version") == "2"
    page.goto(f"{base_url}/api/v1/processes/standard_licence/versions/2")
    assert "受理审查（一窗）" in page.inner_text("body") and "window_delivery" in page.inner_text("body")
    shot(page, "processes")


def test_findings_show_on_their_elements(browser, base_url, shot):
    page = login(browser, base_url, "designer")
    open_as_draft(page, base_url, "standard_licence")
    assert page.inner_text("#findings") == ""
    # Rename the front desk's lane to a role that does not exist: the server says so as they edit.
    select_lane(page, "lane_front_desk")
    name = page.locator("#bio-properties-panel-name")
    name.fill("front_office")
    name.press("Tab")
    page.locator("#findings li", has_text="lane_front_desk").first.wait_for()
    page.click("#validate")
    page.wait_for_selector("#modeler-status.error")
    findings = page.inner_text("#findings")
    assert "lane_front_desk" in findings
    badge = page.locator('.djs-overlay-ow-problem .ow-problem-badge, .ow-problem-badge')
    assert badge.count() >= 1
    shot(page, "modeler-findings")
    page.click("#deploy")  # refused with the same findings
    page.locator("#modeler-status", has_text="流程定义未通过校验").wait_for()
    assert "lane_front_desk" in page.inner_text("#findings")


def test_one_designer_edits_a_draft_and_the_other_reads(browser, base_url, make_user, shot):
    make_user("designer2", ("designer", None), display_name="流程设计 李娜")
    first = login(browser, base_url, "designer")
    first.goto(f"{base_url}/modeler")
    first.fill('#new-blank input[name="name"]', "建设工程消防验收")
    first.click("#new-blank button")
    first.wait_for_url("**/modeler/drafts/*")
    first.wait_for_selector('#canvas[data-ready="true"]')
    assert first.inner_text("#draft-name") == "建设工程消防验收" and "新建流程" in first.inner_text("#draft-origin")
    lint = first.locator(".bjsl-button")  # bpmnlint, in the browser, in Chinese
    expect(lint).to_contain_text("个错误")
    first.locator(".bjsl-overlay").first.hover()
    assert "流程缺少结束事件" in first.inner_text("#canvas") or "没有出口连线" in first.inner_text("#canvas")
    with first.expect_download() as download:
        first.click("#download")
    assert download.value.suggested_filename.startswith("process_") and download.value.suggested_filename.endswith(".bpmn")

    second = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    second.goto(f"{base_url}/login")
    second.fill('input[name="username"]', "designer2")
    second.fill('input[name="password"]', "pw-designer2")
    second.click("button[type=submit]")
    second.wait_for_url("**/modeler")
    assert "正在编辑" in second.inner_text("#drafts")
    second.click("#drafts a")
    second.wait_for_selector('#canvas[data-ready="true"]')
    banner = second.locator("#lease-banner")
    banner.wait_for(state="visible")
    assert "草稿正由" in banner.inner_text() and second.locator("#deploy").is_disabled()
    shot(second, "modeler-read-only")
    first.goto(f"{base_url}/modeler")  # the first leaves the editor: the page frees the draft as it goes
    for _ in range(20):  # (the release travels as the page unloads: try again, as a designer would)
        if second.locator("#lease-banner").is_hidden():
            break
        second.click("#take-over")  # taken: the page reloads as the editor's
        second.wait_for_timeout(500)
    second.wait_for_selector('#canvas[data-ready="true"]')
    assert second.locator("#lease-banner").is_hidden() and not second.locator("#deploy").is_disabled()


def test_the_drafts_forms_are_edited_in_the_workspace_and_deployed_with_it(browser, base_url, as_user, shot):
    page = login(browser, base_url, "designer")
    open_as_draft(page, base_url, "standard_licence")
    page.click("#tab-forms")
    assert page.inner_text("#form-count") == "4"
    page.click('#form-list button[data-form="window_delivery"]')
    page.wait_for_selector('#form-editor[data-ready="window_delivery"]')
    palette = page.locator("#form-editor .fjs-palette")
    palette.locator(".fjs-palette-field", has_text="单行文本").first.wait_for()
    names = palette.inner_text()
    assert "多选框组" in names and "输入" in names  # field types and groups in Chinese
    for gone in ("Button", "iFrame", "Table", "File picker", "Text field"):
        assert gone not in names  # only what the server validates
    shot(page, "modeler-form-editor")
    # the preview renders the form as a clerk sees it; 试提交 applies the server's rules
    page.wait_for_selector('#form-preview[data-ready="window_delivery"]')
    page.click("#form-try")
    expect(page.locator("#form-try-status")).to_contain_text("校验未通过")
    assert "为必填项" in page.locator("#form-preview .fjs-form-field-error").first.inner_text()
    page.locator("#form-preview").get_by_label("网上送达").check()
    page.click("#form-try")
    expect(page.locator("#form-try-status")).to_have_text("服务器校验通过")
    # a label changed in the editor is saved with the draft
    page.locator("#form-editor .fjs-editor-container [data-id]").first.wait_for()
    page.locator("#form-editor .fjs-form-field").nth(1).click()
    page.locator("#form-editor .bio-properties-panel-group-header", has_text="常规").click()
    entry = page.locator('#form-editor [data-entry-id="label"]')
    assert "字段标签" in entry.inner_text()
    label = entry.locator("input, [contenteditable]").first
    label.fill("送达方式（设计器修改）")
    page.locator("#save-status", has_text="已自动保存").wait_for()
    # a new form, then deploy: every form goes with the version
    page.fill("#new-form-key", "fire_review")
    page.click("#new-form button")
    page.wait_for_selector('#form-editor[data-ready="fire_review"]')
    assert page.inner_text("#form-count") == "5"
    draft_id = page.url.rsplit("/", 1)[1]
    designer = as_user("designer")
    for _ in range(50):  # autosaved a moment later: read what the server holds until it has it
        saved = designer.get(f"/api/v1/drafts/{draft_id}").get_json()
        if "fire_review" in saved["forms"]:
            break
        page.wait_for_timeout(200)
    assert "fire_review" in saved["forms"]
    assert any(c.get("label") == "送达方式（设计器修改）" for c in saved["forms"]["window_delivery"]["components"])
    page.click("#tab-diagram")
    page.click("#deploy")
    page.locator("#modeler-status", has_text="已部署").wait_for()
    v2 = designer.get("/api/v1/processes/standard_licence/versions/2/forms/window_delivery").get_json()
    assert any(c.get("label") == "送达方式（设计器修改）" for c in v2["components"])


def test_the_panel_offers_posts_forms_and_working_day_due_dates_and_nothing_the_engine_ignores(browser, base_url, shot):
    page = login(browser, base_url, "designer")
    open_as_draft(page, base_url, "standard_licence")
    select_lane(page, "lane_front_desk")
    ours = page.locator("#properties .bio-properties-panel-group-header", has_text="一窗通办").first
    role = page.locator("#bio-properties-panel-ow-role")
    if not role.is_visible():
        ours.click()
    assert role.input_value() == "front_desk"
    assert "前台综合受理（front_desk）" in role.inner_text()
    page.locator('[data-element-id="back_office_review"]').first.click()
    form = page.locator("#bio-properties-panel-ow-form")
    if not form.is_visible():
        page.locator("#properties .bio-properties-panel-group-header", has_text="一窗通办").first.click()
    assert form.input_value() == "back_office_review"
    assert {"front_desk_acceptance", "window_delivery"} <= set(form.locator("option").all_inner_texts())
    due = page.locator("#bio-properties-panel-ow-due")
    assert "workdays" in due.input_value()
    panel = page.inner_text("#properties")
    for ignored in ("Assignee", "Candidate", "Listener", "External", "Asynchronous", "Inputs", "受理人", "监听器"):
        assert ignored not in panel, ignored
    shot(page, "modeler-panel-onewindow")
    form.select_option("window_delivery")  # a change through the panel is saved like any other
    page.locator("#save-status", has_text="已自动保存").wait_for()

    def ours(entry_id):
        entry = page.locator(f"#bio-properties-panel-{entry_id}")
        if not entry.is_visible():
            page.locator("#properties .bio-properties-panel-group-header", has_text="一窗通办").first.click()
        return entry

    page.locator('[data-element-id="acceptance_overdue"]').first.click(force=True)  # the one-day timer
    timer = ours("ow-timer")
    assert timer.input_value() == "1"
    timer.fill("2")
    page.locator("#save-status", has_text="有未保存的修改").wait_for()  # then saved a moment later
    page.locator("#save-status", has_text="已自动保存").wait_for()
    page.locator('[data-element-id="outcome_correct"]').first.click(force=True)
    condition = ours("ow-condition")
    assert "outcome" in condition.input_value()
    said = page.inner_text("#properties")
    assert "可用变量" in said and "missing_materials" in said and "decision" in said
    draft_id = page.url.rsplit("/", 1)[1]
    page.goto(f"{base_url}/api/v1/drafts/{draft_id}")
    assert "workdays(2)" in page.inner_text("body")  # written into the timer as a working-day count


def test_building_blocks_from_the_palette_bring_their_forms(browser, base_url, as_user, shot):
    page = login(browser, base_url, "designer")
    page.goto(f"{base_url}/modeler")
    page.fill('#new-blank input[name="name"]', "建设工程消防验收")
    page.click("#new-blank button")
    page.wait_for_selector('#canvas[data-ready="true"]')
    block = page.locator('.djs-palette .entry[aria-label^="受理审查"]')
    assert page.locator('.djs-palette .entry[aria-label^="等待申请人补正材料"]').count() == 1
    block.click()
    box = page.locator("#canvas").bounding_box()
    page.mouse.move(box["x"] + 500, box["y"] + 250)
    page.mouse.click(box["x"] + 500, box["y"] + 250)
    page.locator('.djs-palette .entry[aria-label^="等待申请人补正材料"]').click()
    page.mouse.move(box["x"] + 650, box["y"] + 250)
    page.mouse.click(box["x"] + 650, box["y"] + 250)
    expect(page.locator("#form-count")).to_have_text("1")
    page.locator('.djs-palette .entry[aria-label^="出具文书"]').click()  # 出具文书: the document picked in the panel
    page.mouse.move(box["x"] + 800, box["y"] + 250)
    page.mouse.click(box["x"] + 800, box["y"] + 250)
    picker = page.locator("#bio-properties-panel-ow-document")
    if not picker.is_visible():
        page.locator("#properties .bio-properties-panel-group-header", has_text="一窗通办").first.click()
    assert picker.input_value() == "acceptance_receipt" and "不予受理决定书" in picker.inner_text()
    picker.select_option("correction_notice")
    shot(page, "modeler-blocks")
    draft_id = page.url.rsplit("/", 1)[1]
    designer = as_user("designer")
    for _ in range(50):
        saved = designer.get(f"/api/v1/drafts/{draft_id}").get_json()
        if "front_desk_acceptance" in saved["forms"] and 'messageRef' in saved["xml"]:
            break
        page.wait_for_timeout(200)
    assert 'camunda:formKey="front_desk_acceptance"' in saved["xml"] and 'camunda:dueDate="workdays(1)"' in saved["xml"]
    assert 'name="supplement"' in saved["xml"] and "front_desk_acceptance" in saved["forms"]
    for _ in range(50):
        saved = designer.get(f"/api/v1/drafts/{draft_id}").get_json()
        if 'value="correction_notice"' in saved["xml"]:
            break
        page.wait_for_timeout(200)
    assert '<camunda:property name="issueDocument" value="correction_notice" />' in saved["xml"]
