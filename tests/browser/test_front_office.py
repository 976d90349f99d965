"""The public and applicant pages of 咨询 and 预约 on a phone (375×812): a citizen asks from a guide
page, a clerk takes and answers the question into the guide's 常见问题; a signed-in citizen books
a slot from the guide page, sees it in 我的预约 and cancels it. No page scrolls sideways."""
from app.demo.seed import DEMO_PASSWORD
from tests.applicant_flows import PERSON, PHONE
from tests.browser.test_clerk_flow import PASSWORD, login
from tests.flows import HALL, ITEM

PHONE_SIZE = {"width": 375, "height": 812}
QUESTION = "个体工商户办理食品经营许可，经营场所是租来的需要提供什么？"
ANSWER = "提供房屋租赁合同复印件即可，无需另行公证。"


def on_phone(browser):
    return browser.new_page(viewport=PHONE_SIZE, locale="zh-CN", is_mobile=True, has_touch=True)


def fits(page):
    """Nothing wider than the phone: the page never scrolls sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_SIZE["width"] + 1, f"{page.url} scrolls sideways: {width}px wide"


def apart(page, *selectors):
    """The controls are on screen, inside the phone's width, and none covers another."""
    boxes = []
    for selector in selectors:
        box = page.locator(selector).bounding_box()
        assert box and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_SIZE["width"] + 1, \
            (selector, box)
        boxes.append((selector, box))
    for i, (a, p) in enumerate(boxes):
        for b, q in boxes[i + 1:]:
            overlap = (p["x"] < q["x"] + q["width"] and q["x"] < p["x"] + p["width"]
                       and p["y"] < q["y"] + q["height"] and q["y"] < p["y"] + p["height"])
            assert not overlap, f"{a} and {b} overlap: {p} {q}"


def test_a_citizen_asks_from_a_guide_and_reads_the_answer_in_its_faq(browser, base_url, shot):
    assert PASSWORD == DEMO_PASSWORD  # the clerks sign in with the demo password
    citizen = on_phone(browser)
    citizen.goto(f"{base_url}/guides/{ITEM}")
    assert citizen.locator("#faq li").count() == 0
    assert "暂无" in citizen.inner_text("#faq")
    fits(citizen)
    apart(citizen, "a#apply", "a#book", "a#ask")
    shot(citizen, "front-guide-375")

    citizen.click("a#ask")
    citizen.wait_for_url(f"{base_url}/guides/{ITEM}/ask")
    assert citizen.inner_text("h1") == "我要咨询"
    fits(citizen)
    shot(citizen, "front-ask-375")
    citizen.get_by_label("咨询内容").fill(QUESTION)
    citizen.get_by_label("向哪个大厅咨询").select_option(HALL)  # the district centre, whose pool the clerk works
    citizen.get_by_label("称呼").fill("赵女士")
    citizen.get_by_label("手机号").fill("13900005555")
    shot(citizen, "front-ask-filled-375")
    citizen.click("form#ask button[type=submit]")
    done = citizen.locator("#ask-done")
    done.wait_for()
    assert "问题已收到" in done.inner_text() and "1 个工作日内答复" in done.inner_text()
    assert "答复将发送到您留下的联系方式" in done.inner_text()
    fits(citizen)
    shot(citizen, "front-ask-done-375")

    clerk = login(browser, base_url, "frontdesk")
    clerk.goto(f"{base_url}/consultations?scope=pool")
    row = clerk.locator("#consultations tr", has_text=QUESTION)
    assert "网上咨询" in row.inner_text()
    assert "赵女士" in row.inner_text()
    shot(clerk, "front-consultations-pool")
    row.get_by_role("button", name="接手").click()
    clerk.locator(".flash", has_text="已接手").wait_for()
    row = clerk.locator("#consultations tr", has_text=QUESTION)  # now under 我负责的
    assert "前台受理员 王敏" in row.locator('td[data-label="首问负责人"]').inner_text()  # by name
    row.get_by_label("答复").fill(ANSWER)
    row.get_by_label("公开到常见问题").check()
    row.get_by_role("button", name="答复").click()
    clerk.locator(".flash", has_text="公开到办事指南常见问题").wait_for()
    answered = clerk.locator("#consultations tr", has_text=QUESTION).inner_text()
    assert ANSWER in answered and "已公开" in answered
    shot(clerk, "front-consultation-answered")

    citizen.click("text=返回办事指南")
    citizen.wait_for_url(f"{base_url}/guides/{ITEM}")
    citizen.reload()
    faq = citizen.locator("#faq li")
    assert faq.count() == 1
    assert "问：" + QUESTION in faq.inner_text() and "答：" + ANSWER in faq.inner_text()
    assert "赵女士" not in citizen.content() and "13900005555" not in citizen.content()  # the asker stays private
    faq.scroll_into_view_if_needed()
    assert faq.is_visible()
    fits(citizen)
    shot(citizen, "front-guide-faq-375")


def test_a_citizen_books_a_slot_from_the_guide_and_cancels_it(browser, base_url, as_user, codes, shot):
    published = as_user("supervisor").post("/api/v1/appointments/slots", json={
        "hall": HALL, "item_code": ITEM, "date_from": "2026-12-01", "date_to": "2026-12-07",
        "times": ["09:00-10:00"], "capacity": 1})  # the clock stands at Monday 30 November, 09:00
    assert published.status_code == 201, published.get_json()

    citizen = on_phone(browser)
    citizen.goto(f"{base_url}/my/login")
    fits(citizen)
    citizen.get_by_label("手机号码").fill(PHONE)
    citizen.get_by_role("button", name="获取验证码").click()
    citizen.wait_for_url("**sent=1**")
    assert f"验证码已发送至 {PHONE}" in citizen.inner_text("main")
    citizen.get_by_label("验证码").fill(codes.code_for(PHONE))  # the development SMS channel logs it
    shot(citizen, "front-my-login-375")
    citizen.get_by_role("button", name="登录", exact=True).click()
    citizen.wait_for_url(f"{base_url}/my")

    if citizen.locator("#person").count() == 0:  # a new account registers its person first
        citizen.get_by_label("姓名").fill("张三")
        citizen.get_by_label("居民身份证号码").fill(PERSON)
        citizen.get_by_role("button", name="登记本人身份").click()
        citizen.locator(".flash", has_text="身份信息已登记").wait_for()
    assert "张三" in citizen.inner_text("#person")
    fits(citizen)
    shot(citizen, "front-my-home-375")

    citizen.goto(f"{base_url}/guides/{ITEM}")
    citizen.click("a#book")
    citizen.wait_for_url(f"{base_url}/guides/{ITEM}/book")
    assert citizen.inner_text("h1") == "预约办理"
    first = citizen.locator("label.slot").first
    assert "2026年12月01日" in citizen.locator("p.day").first.inner_text()  # tomorrow: today's 09:00 has begun
    assert "09:00–10:00" in first.inner_text() and "余 1 个" in first.inner_text()
    fits(citizen)
    shot(citizen, "front-book-375")
    first.locator("input[type=radio]").check()
    citizen.get_by_role("button", name="确认预约").click()

    citizen.wait_for_url(f"{base_url}/my/appointments")
    assert citizen.locator(".flash", has_text="预约成功").count() == 1  # said once
    row = citizen.locator("#appointments li[data-appointment]")
    assert row.count() == 1
    assert "2026年12月01日 09:00–10:00" in row.inner_text() and "食品经营许可" in row.inner_text()
    assert row.locator(".state").inner_text() == "已预约"
    booking_no = row.locator(".meta").inner_text().split()[1]
    assert booking_no.startswith("YY20261201") and booking_no in citizen.locator(".flash").first.inner_text()
    shot(citizen, "front-my-appointments-375")
    fits(citizen)

    asked = []
    citizen.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))  # changed their mind
    row.get_by_role("button", name="取消预约").click()
    assert asked and f"确定取消预约 {booking_no}" in asked[0]
    assert row.locator(".state").inner_text() == "已预约"
    citizen.once("dialog", lambda d: d.accept())
    row.get_by_role("button", name="取消预约").click()
    citizen.locator(".flash", has_text="预约已取消").wait_for()
    row = citizen.locator("#appointments li[data-appointment]")
    assert row.locator(".state").inner_text() == "已取消"
    assert row.get_by_role("button", name="取消预约").count() == 0
    fits(citizen)
    shot(citizen, "front-my-appointments-cancelled-375")
    # the seat is free again
    citizen.goto(f"{base_url}/guides/{ITEM}/book")
    assert "余 1 个" in citizen.locator("label.slot").first.inner_text()
