"""评价器 in real browsers: the administrator pairs a tablet through /admin/tablets, the tablet
(a second browser, no login) enters the code and waits; after a window pickup the clerk sends
the case to it, the applicant taps 满意 and the dossier shows the rating."""
from playwright.sync_api import expect

from tests.browser.test_clerk_flow import login, open_task_of, submit_form
from tests.flows import complete, pickup_code, start

POLL = 15_000  # the tablet asks every 4 seconds; allow a few rounds


def no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_tablet_rating_after_a_window_pickup(browser, base_url, as_user, app, shot):
    admin = login(browser, base_url, "admin")
    admin.click("header nav >> text=评价器")
    admin.wait_for_url(f"{base_url}/admin/tablets")
    admin.select_option('#new-tablet select[name="hall"]', "HY-ZWFW")
    admin.fill('#new-tablet input[name="window"]', "3号窗口")
    admin.click("#new-tablet button")
    code = admin.inner_text("#pairing-code").strip()
    assert len(code) == 6 and code.isdigit()
    shot(admin, "admin-tablets-code")

    tablet = browser.new_page(viewport={"width": 768, "height": 1024}, locale="zh-CN", has_touch=True)
    problems: list[str] = []  # the tablet's script runs under the strict CSP: no violation, no error
    tablet.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    tablet.on("pageerror", lambda error: problems.append(str(error)))
    tablet.goto(f"{base_url}/tablet")
    tablet.fill("#code", code)
    tablet.click("#pair button")
    expect(tablet.locator("#waiting")).to_contain_text("请在窗口办理完毕后评价")
    expect(tablet.locator("header.where")).to_have_text("鄠邑区政务服务中心 · 3号窗口")
    shot(tablet, "tablet-waiting-768")
    admin.goto(f"{base_url}/admin/tablets")
    expect(admin.locator("#tablets tbody tr").first).to_contain_text("已配对")

    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    case = complete(frontdesk, start(frontdesk), "front_desk_acceptance", {"outcome": "accept"})
    case = complete(backoffice, case, "back_office_review", {"decision": "approve"})

    pickup = login(browser, base_url, "pickup")
    open_task_of(pickup, base_url, case["case_no"])
    pickup.get_by_label("窗口领取").check()
    pickup.get_by_label("取件码").fill(pickup_code(app, case))
    submit_form(pickup)
    pickup.wait_for_url("**/inbox?done=*")
    offer = pickup.locator("#offer-rating")
    expect(offer.locator('select[name="tablet"] option')).to_have_text(["3号窗口"])
    offer.get_by_role("button", name="请申请人评价").click()
    expect(pickup.locator(".flash").first).to_contain_text("已发送到评价器（3号窗口）")

    expect(tablet.locator("#offer-item")).to_have_text("食品经营许可（新办）", timeout=POLL)
    expect(tablet.locator("#offer-window")).to_have_text("3号窗口")
    assert case["applicant"]["id_number"] not in tablet.inner_text("body")
    no_sideways_scroll(tablet, 768)
    shot(tablet, "tablet-offer-768")
    tablet.set_viewport_size({"width": 1280, "height": 800})
    no_sideways_scroll(tablet, 1280)
    box = tablet.locator("label.level-4").bounding_box()
    assert box and box["height"] >= 60  # a big touch target
    shot(tablet, "tablet-offer-1280")
    tablet.get_by_text("满意", exact=True).tap()
    tablet.fill("#comment", "办理很快，态度很好")
    tablet.get_by_role("button", name="提交评价").tap()
    expect(tablet.locator("#thanks")).to_contain_text("感谢您的评价")
    shot(tablet, "tablet-thanks")
    expect(tablet.locator("#waiting")).to_be_visible(timeout=POLL)  # back to waiting for the next applicant
    assert problems == []

    pickup.goto(f"{base_url}/cases/{case['id']}")
    ratings = pickup.locator("#ratings")
    expect(ratings.locator("li").first).to_contain_text("满意")
    expect(ratings).to_contain_text("窗口评价器")
    expect(ratings).to_contain_text("办理很快，态度很好")
    expect(pickup.locator("form.rating-offer")).to_have_count(0)  # rated on this visit
    shot(pickup, "dossier-rating")
