"""What the browser draws is Chinese too: the task form's own validation messages, the lanes of
the dossier's diagram, and a task page opened by someone who may only read it (no script error)."""
from tests.api.test_no_internal_codes import PATTERN
from tests.browser.test_clerk_flow import login, open_task_of, submit_form
from tests.flows import start


def _errors_of(page) -> list[str]:
    seen: list[str] = []
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


def test_the_task_form_says_what_is_missing_in_chinese(browser, base_url, as_user, shot):
    case = start(as_user("frontdesk"))
    front = login(browser, base_url, "frontdesk")
    errors = _errors_of(front)
    open_task_of(front, base_url, case["case_no"])
    submit_form(front)  # nothing chosen yet
    message = front.locator(".fjs-form-field-error").first
    message.wait_for()
    assert "此项必填" in message.inner_text()
    body = front.inner_text("main")
    assert "Field is required" not in body and not PATTERN.search(body), PATTERN.search(body)
    assert front.inner_text("#form-status") == "请先更正标红的字段"
    assert not errors
    shot(front, "task-required-zh")


def test_the_dossier_diagram_names_its_lanes_in_chinese(browser, base_url, as_user, shot):
    case = start(as_user("frontdesk"))
    page = login(browser, base_url, "supervisor")
    errors = _errors_of(page)
    page.goto(f"{base_url}/cases/{case['id']}")
    page.wait_for_selector('#diagram[data-ready="true"]')
    labels = page.locator("#diagram .djs-element[data-element-id^='Lane'] text, #diagram g.djs-shape text").all_text_contents()
    drawn = " ".join(labels)
    assert "前台综合受理" in drawn and "后台分类审批" in drawn, drawn
    assert "front_desk" not in drawn and "back_office" not in drawn
    assert "办理流程" in page.inner_text("h2") or "第 1 版" in page.inner_text("h2")
    assert not errors
    shot(page, "dossier-lanes-zh")


def test_a_supervisor_reads_a_front_desk_task_without_an_error(browser, base_url, as_user):
    case = start(as_user("frontdesk"))
    page = login(browser, base_url, "supervisor")
    errors = _errors_of(page)
    page.goto(f"{base_url}/tasks/{case['open_tasks'][0]['id']}")
    page.wait_for_selector('#task-form[data-ready="true"]')
    assert "表单加载失败" not in page.inner_text("main")
    assert "您不能办理此岗位的任务" in page.inner_text("main")
    assert not page.locator("#submit-task").count()
    assert not errors


def test_the_pickup_form_asks_for_the_carrier_in_chinese_and_the_history_keeps_codes_out(
        browser, base_url, as_user, app):
    from tests.flows import complete, pickup_code

    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    case = start(frontdesk)
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    case = complete(backoffice, case, "back_office_review", {"decision": "approve"})
    pickup = login(browser, base_url, "pickup")
    open_task_of(pickup, base_url, case["case_no"])
    pickup.get_by_label("邮寄").check()
    carrier = pickup.locator(".fjs-select-display").first
    carrier.wait_for()
    assert carrier.inner_text() == "请选择"
    assert "Select" not in pickup.inner_text("main")
    pickup.get_by_label("窗口领取").check()
    code = pickup_code(app, case)
    pickup.get_by_label("取件码").fill(code)
    submit_form(pickup)
    pickup.wait_for_url("**/inbox*")
    pickup.goto(f"{base_url}/cases/{case['id']}")
    history = pickup.inner_text("#history")
    assert "取件码：已核验" in history and code not in history
    assert "False" not in history and "True" not in history
