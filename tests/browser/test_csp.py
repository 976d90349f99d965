"""The pages under their Content-Security-Policy in Chromium (issue 14, part 7): every bundled page
works (the modeler with its properties panel, a case's diagram, a task form, the holiday calendar,
the applicant's form, the statistics chart, the Swagger UI) and the browser reports no violation
and no script error on any of them."""
import pytest

from tests.applicant_flows import COMPANY, PERSON, PHONE
from tests.browser.test_clerk_flow import PASSWORD
from tests.browser.test_modeler import open_as_draft, open_general
from tests.flows import ITEM, start

# Every violation reaches both the page (a securitypolicyviolation event, sent to the test) and
# the console ("… violates the following Content Security Policy directive …").
REPORT = """document.addEventListener("securitypolicyviolation", (e) => window.cspViolation(
  `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`));"""


class Watched:
    """A browser context whose pages report CSP violations and uncaught script errors."""

    def __init__(self, browser, base_url, **options):
        self.base_url = base_url
        self.problems: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", **options)
        self.context.expose_binding("cspViolation", lambda source, text: self.problems.append(
            f"{source['frame'].url}: {text}"))
        self.context.add_init_script(REPORT)
        self.context.on("console", self._console)
        self.context.on("weberror", lambda error: self.problems.append(f"script error: {error.error}"))
        self.page = self.context.new_page()

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.problems.append(f"{message.page.url if message.page else ''}: {message.text[:300]}")

    def goto(self, path):
        response = self.page.goto(self.base_url + path)
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        return self.page

    def settle_and_check(self):
        """Give late reports a moment, then none may have come."""
        self.page.wait_for_timeout(300)
        assert self.problems == []

    def staff(self, username):
        self.goto("/login")
        self.page.fill('input[name="username"]', username)
        self.page.fill('input[name="password"]', PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(lambda url: "/login" not in url)
        return self.page


@pytest.fixture
def watched(browser, base_url):
    made = []

    def make(**options):
        made.append(Watched(browser, base_url, **options))
        return made[-1]
    yield make
    for one in made:
        one.context.close()


def test_the_modeler_and_its_properties_panel(watched, shot):
    designer = watched()
    page = designer.staff("designer")
    open_as_draft(page, designer.base_url, "renewal")  # the workspace's forms, then the editor
    open_as_draft(page, designer.base_url, "standard_licence", version="1")
    assert page.locator(".djs-element").count() > 10
    # The palette's icons come from the bpmn font (a file of ours, not a data: URI).
    assert page.evaluate("document.fonts.check('16px bpmn')")
    assert page.evaluate("""[...document.fonts].some((f) => f.family.replace(/"/g, '') === 'bpmn'
                                                          && f.status === 'loaded')""")

    task = page.locator('[data-element-id="front_desk_acceptance"]').first
    task.click()
    page.locator(".djs-context-pad .entry").first.wait_for()  # the context pad of the selected task
    panel = page.locator("#properties .bio-properties-panel-container")
    panel.wait_for()
    assert panel.evaluate("(el) => getComputedStyle(el).height") != "auto"
    assert "受理审查" in page.inner_text("#properties .bio-properties-panel-header")
    open_general(page)  # a group of the panel opens with the element's fields
    assert page.locator("#bio-properties-panel-id").input_value() == "front_desk_acceptance"
    page.locator(".djs-context-pad [data-action='replace']").click()  # the replace menu (a popup)
    page.locator(".djs-popup").wait_for()
    page.keyboard.press("Escape")
    task.dblclick()  # the label editor
    page.locator(".djs-direct-editing-content").wait_for()
    page.keyboard.press("Escape")
    page.click("#validate")
    page.wait_for_selector("#modeler-status.ok")
    with page.expect_download() as download:  # a blob: link the modeler clicks for the file
        page.click("#download")
    assert download.value.suggested_filename == "standard_licence.bpmn"
    shot(page, "csp-modeler")
    designer.settle_and_check()


def test_a_case_dossier_and_its_task_form(watched, as_user, shot):
    case = start(as_user("frontdesk"))
    clerk = watched()
    page = clerk.staff("frontdesk")
    page.goto(f"{clerk.base_url}/cases/{case['id']}")
    page.wait_for_selector('#diagram[data-ready="true"]')
    assert page.locator("#diagram .djs-element").count() > 10
    assert page.locator(".ow-active").count() >= 1  # the current step highlighted
    shot(page, "csp-dossier")

    page.goto(f"{clerk.base_url}/tasks/{case['open_tasks'][0]['id']}")
    page.wait_for_selector('#task-form[data-ready="true"]')
    assert page.locator("#task-form .fjs-form-field").count() >= 3
    page.get_by_label("不予受理").check()
    page.click("#submit-task")  # refused by the server: the reason is required
    page.click("#confirm-yes")  # a rejection is confirmed first
    page.locator(".fjs-form-field-error").first.wait_for()
    shot(page, "csp-task")
    clerk.settle_and_check()


def test_the_holiday_calendar_and_the_statistics_chart(watched, shot):
    admin = watched()
    page = admin.staff("admin")
    page.goto(f"{admin.base_url}/admin/calendar?year=2026")
    page.locator('button.day[data-date="2026-12-05"]').click()
    page.locator("#calendar-status", has_text="已设为工作日").wait_for()
    page.goto(f"{admin.base_url}/admin/statistics")
    assert page.locator("#chart").bounding_box()["width"] == 520  # staff.css, no longer a style="" attribute
    shot(page, "csp-statistics")
    admin.settle_and_check()


def test_the_applicant_chooses_whom_to_apply_for(watched, codes, shot):
    citizen = watched()
    page = citizen.goto("/my/login")
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_url("**sent=1**")
    page.get_by_label("验证码").fill(codes.code_for(PHONE))
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"{citizen.base_url}/my")
    page.get_by_label("姓名").fill("张三")
    page.get_by_label("居民身份证号码").fill(PERSON)
    page.get_by_role("button", name="登记本人身份").click()
    page.locator("#person").wait_for()
    page.get_by_label("企业名称").fill("鄠邑小厨餐饮有限公司")
    page.get_by_label("统一社会信用代码").fill(COMPANY)
    page.get_by_role("button", name="登记企业").click()
    page.locator("#companies", has_text=COMPANY).wait_for()

    page.goto(f"{citizen.base_url}/guides/{ITEM}")
    assert page.locator("div.qr img").evaluate("(img) => img.complete && img.naturalWidth > 0")
    page.goto(f"{citizen.base_url}/guides/{ITEM}/apply")
    page.select_option('select[name="acting_for"]', COMPANY)  # the page reloads for the company
    page.wait_for_url(f"**/guides/{ITEM}/apply?acting_for={COMPANY}")
    assert page.locator('select[name="acting_for"]').input_value() == COMPANY
    shot(page, "csp-apply")
    citizen.settle_and_check()


def test_the_swagger_ui(watched):
    reader = watched()
    page = reader.goto("/api/docs")
    page.locator(".swagger-ui .opblock").first.wait_for(timeout=20000)
    page.locator(".swagger-ui .opblock-summary").first.click()  # an operation opens with its schemas
    page.locator(".swagger-ui .opblock-body").first.wait_for()
    assert page.locator("img[src*='validator']").count() == 0
    reader.settle_and_check()


def test_a_violation_would_be_seen(watched):
    """The watch itself: an inline script on one of our pages is refused and reported."""
    probe = watched()
    page = probe.goto("/guides")
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.ran = 1";
                             document.body.appendChild(s); }""")
    page.wait_for_timeout(300)
    assert page.evaluate("window.ran") is None
    assert any("script-src" in problem for problem in probe.problems), probe.problems
