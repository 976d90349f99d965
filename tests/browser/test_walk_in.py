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
