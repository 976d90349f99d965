"""The director's board in Chromium at a desk (1366 px) and on a phone (375 px): the charts are
drawn, nothing scrolls sideways, every figure matches the database, and the red tile leads to
the overdue cases."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.cases.models import CLOSED_STATUSES, Case
from app.cases.tasks import Task
from app.extensions import db
from tests.browser.test_clerk_flow import login
from tests.flows import complete, person_applicant, start


def _database(app) -> dict:
    with app.app_context():
        s = db.session
        today = clock.now().astimezone(clock.LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
        figures = {
            "intake": s.scalar(select(func.count()).select_from(Case).where(Case.created_at >= today)),
            "pending": s.scalar(select(func.count()).select_from(Case).where(Case.status.notin_(CLOSED_STATUSES))),
            "red": s.scalar(select(func.count()).select_from(Case).where(
                Case.status == "submitted", Case.acceptance_due < clock.now())),
            "front_desk_open": s.scalar(select(func.count()).select_from(Task).where(
                Task.state == "open", Task.role == "front_desk")),
        }
        db.session.remove()
    return figures


@pytest.mark.parametrize("width", [1366, 375])
def test_the_board_reads_true_at_a_desk_and_on_a_phone(browser, base_url, app, as_user, shot, width):
    frontdesk = as_user("frontdesk")
    late = [start(frontdesk, applicant=person_applicant(40 + n)) for n in range(2)]
    clock.freeze(clock.now() + timedelta(days=2))  # Wednesday: Monday's acceptance limit has passed
    fresh = start(frontdesk, applicant=person_applicant(45))
    complete(frontdesk, fresh, "front_desk_acceptance", {"outcome": "accept", "missing_materials": []})
    expected = _database(app)
    assert expected["red"] == 2 and expected["intake"] == 1

    page = login(browser, base_url, "supervisor", width=width)
    page.click("nav >> text=运行看板")
    page.wait_for_url("**/board")
    page.wait_for_selector("body[data-charts-ready=true]")
    assert page.inner_text("#tile-intake") == str(expected["intake"])
    assert page.inner_text("#tile-pending") == str(expected["pending"])
    assert page.inner_text("#tile-red") == str(expected["red"])
    front_desk_row = page.locator("#posts tr", has_text="前台综合受理").locator("td").nth(1)
    assert front_desk_row.inner_text() == str(expected["front_desk_open"])
    drawn = page.evaluate("[...document.querySelectorAll('canvas')].filter(c => !c.hidden && c.width > 0).length")
    assert drawn >= 3
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"the board scrolls sideways at {width}px: {scroll}px"
    shot(page, f"board-{width}")

    page.click("a.tile.red")
    page.wait_for_url("**/cases?warning=red*")
    listed = set(page.locator("td[data-label=办件] a").all_inner_texts())
    assert listed == {c["case_no"] for c in late}
    assert page.locator("select[name=warning]").input_value() == "red"
