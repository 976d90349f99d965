"""Catalogue authoring through the pages: a designer starts a new item from an existing one, binds
it to a deployed process, sees the linter's findings beside the fields and fixes them; an
administrator sets the halls and publishes; the public guide shows it."""
from playwright.sync_api import expect

from tests.browser.test_clerk_flow import login

CODE = "610118-TEST-0101"


def test_designer_writes_a_guide_and_an_administrator_publishes_it(browser, base_url, shot):
    page = login(browser, base_url, "designer")
    page.get_by_role("link", name="事项管理").click()
    new = page.locator("#new-item")
    new.get_by_label("事项名称").fill("食品经营许可（试点）")
    new.get_by_label("实施编码").fill(CODE)
    new.get_by_label("基本编码").fill("610118TS0101")
    new.get_by_label("办理流程").select_option("standard_licence")
    new.get_by_label("参照事项").select_option("610118-SCJG-0001")
    new.get_by_role("button", name="新建并编写办事指南").click()
    page.wait_for_url(f"**/catalog/manage/{CODE}/versions/1")
    form = page.locator("#guide-form")
    expect(form).to_have_attribute("data-ready", "true")
    expect(form.locator('[data-path="name"] input')).to_have_value("食品经营许可（试点）")
    expect(page.locator("#guide-publish")).to_have_count(0)  # designers draft; administrators publish

    # a material without its name and a promised limit over the legal one: findings beside the fields
    first = form.locator('[data-path="materials[0].name"] input')
    name = first.input_value()
    first.fill("")
    legal = int(form.locator('[data-path="legal_limit_days"] input').input_value())
    form.locator('[data-path="promised_limit_days"] input').fill(str(legal + 5))
    page.get_by_role("button", name="保存并检查").click()
    expect(page.locator("#guide-status")).to_contain_text("不符合规范")
    expect(form.locator('[data-path="materials[0].name"] .finding')).to_be_visible()
    expect(form.locator('[data-path="promised_limit_days"] .finding')).to_be_visible()
    page.screenshot(path="tests/browser/artifacts/guide-editor-top.png")
    shot(page, "guide-editor-findings")

    first.fill(name)
    form.locator('[data-path="promised_limit_days"] input').fill(str(legal))
    n = form.locator('.guide-row[data-list="legal_basis"]').count()
    form.locator("#add-legal_basis").click()
    row = form.locator(f'[data-path="legal_basis[{n}]"]')
    row.locator(f'[data-path="legal_basis[{n}].law"] input').fill("《中华人民共和国食品安全法》")
    row.locator(f'[data-path="legal_basis[{n}].article"] input').fill("第三十五条")
    row.locator(f'[data-path="legal_basis[{n}].text"] textarea').fill("国家对食品生产经营实行许可制度。")
    page.get_by_role("button", name="保存并检查").click()
    expect(page.locator("#guide-status")).to_contain_text("可以发布")
    expect(page.locator("#guide-findings-card")).to_be_hidden()

    admin = login(browser, base_url, "admin")
    admin.goto(f"{base_url}/catalog/manage/{CODE}")
    expect(admin.locator("#draft-findings")).to_contain_text("可以发布")
    admin.locator("#halls").get_by_label("鄠邑区政务服务中心").check()
    admin.locator("#halls").get_by_role("button", name="保存办理大厅").click()
    expect(admin.locator(".flash, .notice").first).to_contain_text("已保存办理大厅")
    admin.on("dialog", lambda dialog: dialog.accept())
    admin.locator('tr[data-version="1"]').get_by_role("button", name="发布").click()
    expect(admin.locator('tr[data-version="1"]')).to_contain_text("已发布")
    shot(admin, "catalog-item-published")
    admin.goto(f"{base_url}/guides/{CODE}")
    expect(admin.locator("h1")).to_contain_text("食品经营许可（试点）")
    expect(admin.locator("body")).to_contain_text("国家对食品生产经营实行许可制度")
