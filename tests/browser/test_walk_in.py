"""收件登记 in Chromium: a window clerk receives a walk-in whose applicant is on file, counting
every click and typed field (goal: under 12), and lands on the acceptance task; on a phone-sized
screen the page does not scroll sideways."""
from app.parties.idnumbers import with_check_digit_id_card
from tests.browser.test_clerk_flow import login
from tests.flows import ITEM, start

RESIDENT = with_check_digit_id_card("61012419500708003")


class Counted:
    """The clerk's hands: every click and every typed field goes through here."""

    def __init__(self, page):
        self.page, self.clicks, self.typed = page, 0, 0

    def click(self, selector):
        self.clicks += 1
        self.page.click(selector)

    def check(self, selector):
        self.clicks += 1
        self.page.check(selector)

    def type(self, selector, text):
        self.typed += 1
        self.page.fill(selector, text)


def test_a_walk_in_on_file_is_received_in_under_twelve_clicks(browser, base_url, as_user, shot):
    # The applicant came before and that case is still open: on file, and the page must warn of it.
    start(as_user("frontdesk"),
          applicant={"name": "赵大妈", "id_type": "id_card", "id_number": RESIDENT, "phone": "13700001111"})
    page = login(browser, base_url, "frontdesk", width=1366)
    hands = Counted(page)
    hands.click("nav >> text=收件登记")
    page.wait_for_url("**/intake")
    hands.type("#item", f"{ITEM} 食品经营许可（新办）")  # the clerk types 食品 and picks from the list
    hands.type("#id_number", RESIDENT)
    hands.click("#next")
    page.wait_for_selector("#walk-in")
    assert page.input_value("input[name='applicant.name']") == "赵大妈"  # on file: nothing to type
    assert page.input_value("input[name='applicant.phone']") == "13700001111"
    assert "已有同一事项的在办件" in page.inner_text("#duplicates")
    assert not page.is_visible("input[name='proxy.name']")  # 代办 fields only when ticked
    shot(page, "walk-in-form-1366")
    for code in ("SQS", "YYZZ", "FDDBR"):
        hands.check(f"#materials tr[data-code={code}] input[name=handed_in]")
    hands.check("#confirm_duplicate")
    hands.click("#receive")
    page.wait_for_url("**/tasks/*")
    flash = page.inner_text("p.flash")
    assert flash.startswith("已收件，办件编号 OW") and "赵大妈" in flash
    assert "受理审查" in page.inner_text("main")
    assert hands.clicks + hands.typed < 12, (hands.clicks, hands.typed)
    print(f"\nwalk-in intake of 食品经营许可, applicant on file: {hands.clicks} clicks, {hands.typed} typed fields")
    shot(page, "walk-in-received-1366")


def test_the_intake_page_fits_a_narrow_screen(browser, base_url, shot):
    page = login(browser, base_url, "frontdesk", width=375)
    page.goto(f"{base_url}/intake?hall=HY-ZWFW&item={ITEM}&id_number={RESIDENT}")
    page.check("#proxy-on")
    assert page.is_visible("input[name='proxy.name']")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 376, f"the intake page scrolls sideways on a phone: {width}px"
    shot(page, "walk-in-form-375")


def test_a_walk_in_without_an_account_through_to_a_mailed_result(browser, base_url, as_user, app, shot):
    """Intake with 容缺 and a mailing address, the deferred paper taken at the window, approval,
    the result mailed: the applicant never opens an account; the tracking SMS is in the outbox."""
    visitor = with_check_digit_id_card("61012419480211005")
    front = login(browser, base_url, "frontdesk", width=1366)
    front.goto(f"{base_url}/intake")
    front.fill("#item", f"{ITEM} 食品经营许可（新办）")
    front.fill("#id_number", visitor)
    front.click("#next")
    front.fill("input[name='applicant.name']", "刘老伯")
    front.fill("input[name='applicant.phone']", "13700002222")
    for code in ("SQS", "YYZZ", "FDDBR", "GLZD"):  # the floor plan (PMT) is still missing
        front.check(f"#materials tr[data-code={code}] input[name=handed_in]")
    front.check("#delivery input[value=mail]")
    assert front.is_visible("input[name='delivery.address.street']")
    front.fill("input[name='delivery.address.street']", "甘亭街道")
    front.fill("input[name='delivery.address.detail']", "东街 20 号")
    front.click("#receive")
    front.wait_for_url("**/tasks/*")
    front.wait_for_selector('#task-form[data-ready="true"]')
    front.get_by_label("容缺受理").check()
    front.get_by_label("经营场所平面布局图").check()
    front.click("#submit-task")
    front.wait_for_url(f"{base_url}/inbox*")
    case = as_user("frontdesk").get(f"/api/v1/cases?id_number={visitor}").get_json()["items"][0]
    assert case["tolerated"] and case["outstanding_materials"] == ["PMT"]

    front.goto(f"{base_url}/cases/{case['id']}")  # the applicant brings the floor plan on paper
    front.check("#paper input[name=materials][value=PMT]")
    front.click("#take-paper")
    assert "已收取补正材料" in front.inner_text("p.flash")
    shot(front, "walk-in-paper-taken")

    back = login(browser, base_url, "backoffice")
    back.goto(f"{base_url}/inbox")
    back.click(f'tr[data-case="{case["case_no"]}"] td a')
    back.wait_for_selector('#task-form[data-ready="true"]')
    back.get_by_label("准予").check()
    back.click("#submit-task")
    back.wait_for_url(f"{base_url}/inbox*")

    pickup = login(browser, base_url, "pickup")
    pickup.goto(f"{base_url}/inbox")
    pickup.click(f'tr[data-case="{case["case_no"]}"] td a')
    pickup.wait_for_selector('#task-form[data-ready="true"]')
    assert "申请人选择：邮寄至 陕西省西安市鄠邑区甘亭街道东街 20 号" in pickup.inner_text("#delivery-choice")
    pickup.get_by_label("邮寄", exact=True).check()
    carrier = pickup.locator(".fjs-form-field-select").filter(has_text="承运单位")
    carrier.locator(".fjs-select-display").click()  # form-js draws its own dropdown
    carrier.locator(".fjs-dropdownlist-item", has_text="顺丰速运").click()
    pickup.get_by_label("邮寄运单号").fill("SF2026120300001")
    pickup.click("#submit-task")
    pickup.wait_for_url(f"{base_url}/inbox*")

    front.goto(f"{base_url}/cases/{case['id']}")
    assert "已办结" in front.inner_text("#case-status")
    outbox = front.inner_text("#notifications")
    assert "已由顺丰速运寄出，运单号 SF2026120300001" in outbox
    assert "凭取件码" not in outbox  # mail was chosen: no pickup-code message
    shot(front, "walk-in-mailed-dossier")


def test_a_community_clerk_files_a_proxy_application_for_a_resident(browser, base_url, as_user, shot):
    """A community station's clerk receives an elderly resident's application by proxy (代办): the
    station always files by proxy, the case goes to the hall above that handles the item, and the
    dossier names who filed it."""
    resident = with_check_digit_id_card("61012419411120007")
    page = login(browser, base_url, "community", width=1366)
    page.click("nav >> text=收件登记")
    page.wait_for_url("**/intake")
    page.fill("#item", f"{ITEM} 食品经营许可（新办）")
    page.fill("#id_number", resident)
    page.click("#next")
    assert page.is_checked("#proxy-on")  # a station files by proxy
    assert page.input_value("input[name='proxy.name']") == "东街社区代办员 孙芳"
    page.fill("input[name='applicant.name']", "王大爷")
    page.fill("input[name='applicant.phone']", "13700003333")
    for code in ("SQS", "YYZZ", "FDDBR", "GLZD", "PMT"):
        page.check(f"#materials tr[data-code={code}] input[name=handed_in]")
    page.select_option("select[name='proxy.relation']", "community_worker")
    shot(page, "walk-in-community-proxy")
    page.click("#receive")
    page.wait_for_url("**/cases/*")  # the task belongs to the hall above: the station sees the dossier
    assert page.inner_text("#proxy-person") == "东街社区代办员 孙芳（社区代办员（帮办代办））"
    assert "代办）" in page.inner_text("main")  # the channel names the station that filed it
    case = as_user("community").get(f"/api/v1/cases?id_number={resident}").get_json()["items"][0]
    assert case["proxy"]["hall"]["code"] == "HY-GTDJ"
    assert case["proxy"]["person"]["relation_label"] == "社区代办员（帮办代办）"
    assert case["applicant"]["name"] == "王大爷" and case["status"] == "submitted"
