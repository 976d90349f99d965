"""Administration pages in a real browser: users and roles, halls (uniform names), the holiday
calendar (click a day to toggle it), incidents, running cases per version."""
from tests.browser.test_clerk_flow import login


def test_administration_pages(browser, base_url, as_user, shot):
    admin = login(browser, base_url, "admin")
    admin.wait_for_url(f"{base_url}/admin/running")
    shot(admin, "admin-running")

    admin.goto(f"{base_url}/admin/users")
    form = admin.locator("#new-user")
    form.locator('input[name="username"]').fill("zhangwei")
    form.locator('input[name="display_name"]').fill("前台受理员 张伟")
    form.locator('input[name="password"]').fill("a-long-password-1")
    form.locator('select[name="role"]').select_option("front_desk")
    form.locator('select[name="hall"]').select_option("HY-GTJD")
    form.locator("button").click()
    row = admin.locator('tr[data-user="zhangwei"]')
    assert "前台综合受理（甘亭街道便民服务中心）" in row.inner_text()
    shot(admin, "admin-users")

    admin.goto(f"{base_url}/admin/halls")
    admin.fill('input[name="code"]', "HY-WZJD")
    admin.fill('input[name="name"]', "五竹镇服务大厅")
    admin.select_option('select[name="parent"]', "HY-ZWFW")
    admin.click("form.inline-form button")
    assert "××街道便民服务中心" in admin.inner_text("main")
    admin.goto(f"{base_url}/admin/halls")
    admin.fill('input[name="code"]', "HY-WZJD")
    admin.fill('input[name="name"]', "五竹街道便民服务中心")
    admin.select_option('select[name="parent"]', "HY-ZWFW")
    admin.click("form.inline-form button")
    assert admin.locator('#hall-tree li[data-hall="HY-WZJD"]').count() == 1
    shot(admin, "admin-halls")

    admin.goto(f"{base_url}/admin/calendar?year=2026")
    saturday = admin.locator('button.day[data-date="2026-12-05"]')
    assert saturday.get_attribute("data-workday") == "false"
    saturday.click()
    admin.locator("#calendar-status", has_text="已设为工作日").wait_for()
    day = as_user("admin").get("/api/v1/calendar/days?year=2026").get_json()
    assert next(d for d in day["days"] if d["date"] == "2026-12-05")["is_workday"] is True
    shot(admin, "admin-calendar")

    admin.goto(f"{base_url}/admin/incidents")
    assert "没有故障" in admin.inner_text("#incidents")
    shot(admin, "admin-incidents")
