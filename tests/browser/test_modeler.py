"""A designer in the modeler: open the standard process, rename a task, validate, deploy, and
see version 2 (with its running cases counted per version)."""
from tests.browser.test_clerk_flow import login


def open_general(page):
    """Open the properties panel's 常规 group (name, id) of the selected element."""
    if not page.locator("#bio-properties-panel-name").is_visible():
        page.locator("#properties .bio-properties-panel-group-header").first.click()
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
    page.select_option('select[name="key"]', "standard_licence")  # opens its latest version
    page.wait_for_url("**key=standard_licence**")
    page.wait_for_selector('#canvas[data-ready="true"]')
    assert page.locator('select[name="version"]').input_value() == "1"
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

    page.click("#validate")
    page.wait_for_selector("#modeler-status.ok")
    page.click("#deploy")
    page.locator("#modeler-status", has_text="已部署").wait_for()
    assert "第 2 版" in page.inner_text("#modeler-status")
    assert page.inner_text("#deployed-version") == "2"
    shot(page, "modeler-deployed")

    page.goto(f"{base_url}/processes")
    rows = page.locator('section[data-key="standard_licence"] tr[data-version]')
    assert rows.count() == 2 and rows.first.get_attribute("data-version") == "2"
    page.goto(f"{base_url}/api/v1/processes/standard_licence/versions/2")
    assert "受理审查（一窗）" in page.inner_text("body")
    shot(page, "processes")


def test_findings_show_on_their_elements(browser, base_url, shot):
    page = login(browser, base_url, "designer")
    page.goto(f"{base_url}/modeler?key=standard_licence")
    page.wait_for_selector('#canvas[data-ready="true"]')
    # Rename the front desk's lane to a role that does not exist.
    select_lane(page, "lane_front_desk")
    name = page.locator("#bio-properties-panel-name")
    name.fill("front_office")
    name.press("Tab")
    page.click("#validate")
    page.wait_for_selector("#modeler-status.error")
    findings = page.inner_text("#findings")
    assert "lane_front_desk" in findings
    badge = page.locator('.djs-overlay-ow-problem .ow-problem-badge, .ow-problem-badge')
    assert badge.count() >= 1
    shot(page, "modeler-findings")
    page.evaluate("document.getElementById('modeler-status').textContent = ''")
    page.click("#deploy")  # refused with the same findings
    page.locator("#modeler-status", has_text="校验").wait_for()
    assert "lane_front_desk" in page.inner_text("#findings")
