"""The director's board (/board) through HTTP: who may see which hall, the figures against the
cases behind them, and the red/yellow/green links that list exactly those cases."""
from datetime import timedelta

import lxml.html
import pytest
from sqlalchemy import select

from app import clock
from app.calendar import service as calendar
from app.cases.models import Case
from app.cases.overdue import colour_conditions
from app.cases.warnings import current_deadline
from app.extensions import db
from app.settings import WarningThresholds
from tests.api.test_appointments import booking, publish, slots
from tests.api.test_staff_pages import signed_in
from tests.flows import complete, person_applicant, start


def _page(client, path="/board"):
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return lxml.html.fromstring(response.get_data(as_text=True))


def _text(doc, selector) -> str:
    return doc.cssselect(selector)[0].text_content().strip()


def _cases_listed(client, href) -> set[str]:
    doc = _page(client, href)
    return {a.text_content().strip() for a in doc.cssselect("table.tasks td[data-label=办件] a")}


def test_the_board_counts_todays_intake_stages_and_deadlines_and_links_the_overdue(app, as_user):
    frontdesk = as_user("frontdesk")
    first = start(frontdesk, applicant=person_applicant(1))
    second = start(frontdesk, applicant=person_applicant(2))
    reviewed = start(frontdesk, applicant=person_applicant(3))
    complete(frontdesk, reviewed, "front_desk_acceptance", {"outcome": "accept", "missing_materials": []})
    supervisor = signed_in(app, "supervisor")
    doc = _page(supervisor)
    assert _text(doc, "#tile-intake") == "3"
    assert _text(doc, '#intake td[data-channel="window"]') == "3"
    assert _text(doc, '#stages td[data-stage="submitted"]') == "2"
    assert _text(doc, '#stages td[data-stage="under_review"]') == "1"
    assert _text(doc, "#tile-red") == "0"
    assert "没有超期办件" in _text(doc, "#overdue")
    assert "窗口受理审查" in doc.text_content() or "岗位工作量" in doc.text_content()

    clock.freeze(clock.now() + timedelta(days=3))  # Thursday: the one-day acceptance limit is past
    supervisor = signed_in(app, "supervisor")  # the morning's session has ended
    doc = _page(supervisor)
    assert _text(doc, "#tile-red") == "2"
    assert _text(doc, "#tile-intake") == "0"  # a new day
    overdue = {a.text_content() for a in doc.cssselect("#overdue td[data-label=办件] a")}
    assert overdue == {first["case_no"], second["case_no"]}
    assert "受理期限" in _text(doc, "#overdue") and "待认领" not in _text(doc, "#overdue tbody tr td:last-child")
    red_link = doc.cssselect("a.tile.red")[0].get("href")
    assert _cases_listed(supervisor, red_link) == overdue
    green_or_yellow = _cases_listed(supervisor, doc.cssselect("a.tile.green")[0].get("href")) | \
        _cases_listed(supervisor, doc.cssselect("a.tile.yellow")[0].get("href"))
    assert green_or_yellow == {reviewed["case_no"]}


def test_who_may_see_which_board(app, make_user, make_hall):
    assert signed_in(app, "frontdesk").get("/board").status_code == 403
    make_hall("HY-GZJD", "甘亭街道便民服务中心")
    make_user("gtchief", ("chief_representative", "HY-GZJD"))
    chief = app.test_client()
    form = chief.get("/login")
    token = lxml.html.fromstring(form.get_data(as_text=True)).cssselect('input[name="csrf_token"]')[0].get("value")
    chief.post("/login", data={"csrf_token": token, "username": "gtchief", "password": "pw-gtchief"})
    doc = _page(chief)
    assert "甘亭街道便民服务中心" in doc.text_content()
    assert chief.get("/board?hall=HY-ZWFW").status_code == 404  # not a hall of theirs
    admin = _page(signed_in(app, "admin"))
    assert len(admin.cssselect('select[name="hall"] option')) >= 3  # 全部 and every hall
    assert "运行看板" in _text(_page(signed_in(app, "supervisor"), "/inbox"), "nav")


@pytest.mark.parametrize("days", [0, 1, 2, 3, 6, 9, 14, 20])
def test_sql_colours_match_the_deadline_each_clerk_sees(app, as_user, days):
    """The board's SQL conditions put every open case in the colour current_deadline gives it."""
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    for n in range(5):
        case = start(frontdesk, applicant=person_applicant(10 + n))
        if n:
            complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept", "missing_materials": []})
        if n >= 3:  # one paused now (no deadline), one whose hearing has ended (JSON null, counted again)
            procedure = f"/api/v1/cases/{case['id']}/special-procedures"
            assert backoffice.post(procedure, json={"kind": "hearing", "reason": "听证"}).status_code == 200
            if n == 4:
                assert backoffice.post(procedure + "/end", json={"note": "已举行"}).status_code == 200
    clock.freeze(clock.now() + timedelta(days=days))
    thresholds = WarningThresholds(days_left=2, fraction=0.3)
    with app.app_context():
        data = calendar.current(db.session)
        expected: dict[str, set[int]] = {"red": set(), "yellow": set(), "green": set()}
        for case in db.session.scalars(select(Case)):
            deadline = current_deadline(case, data, thresholds)
            if deadline:
                expected[deadline["warning"]].add(case.id)
        found = {colour: set(db.session.scalars(select(Case.id).where(condition)))
                 for colour, condition in colour_conditions(db.session, data, thresholds).items()}
        db.session.remove()
    assert found == expected
    assert sum(len(v) for v in found.values()) == 4


def test_an_unknown_colour_or_hall_in_the_case_list_is_ignored_not_a_failure(app):
    client = signed_in(app, "supervisor")
    assert client.get("/cases?warning=purple").status_code == 200
    assert client.get("/cases?warning=red&hall=nowhere").status_code == 200


def test_ratings_complaints_and_no_shows_of_the_week(app, as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk, applicant=person_applicant(30))
    assert frontdesk.post(f"/api/v1/cases/{case['id']}/evaluations", json={"level": 1}).status_code == 201
    assert frontdesk.post("/api/v1/complaints", json={"channel": "hotline", "name": "李女士", "phone": "13900002222",
                                                      "content": "办理时间太长", "hall": "HY-ZWFW",
                                                      "hotline_ticket": "HY-2026-000001"}).status_code == 201
    supervisor = as_user("supervisor")
    assert publish(supervisor, date_from="2026-11-30", date_to="2026-11-30").status_code == 201
    slot = slots(frontdesk, date_from="2026-11-30", date_to="2026-11-30")[0]
    assert frontdesk.post("/api/v1/appointments", json=booking(slot["id"])).status_code == 201
    doc = _page(signed_in(app, "supervisor"))
    assert _text(doc, "#ratings-total") == "1" and _text(doc, '#ratings td[data-level="1"]') == "1"
    assert _text(doc, "#tile-satisfaction") == "0.0%"
    assert _text(doc, "#complaints-open") == "1" and _text(doc, "#rectifications-open") == "1"
    assert slot["starts"] == "14:00"  # the 09:00 one has begun: no longer offered
    assert _text(doc, "#no-shows-week") == "0"  # the afternoon slot has not ended yet
    clock.freeze(clock.now() + timedelta(hours=6, minutes=5))
    doc = _page(signed_in(app, "supervisor"))
    assert _text(doc, "#no-shows-today") == "1", lxml.html.tostring(doc.cssselect("#no-shows")[0], encoding=str)
    assert "李四" in _text(doc, "#no-shows")


def test_the_tiles_add_up_and_a_suspended_pickup_is_shown(app, as_user):
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    start(frontdesk, applicant=person_applicant(1))  # runs against the acceptance deadline
    waiting = start(frontdesk, applicant=person_applicant(2))
    waiting = complete(frontdesk, waiting, "front_desk_acceptance", {"outcome": "accept", "missing_materials": []})
    complete(backoffice, waiting, "back_office_review", {"decision": "approve"})  # 待送达: no clock
    supervisor = signed_in(app, "supervisor")
    doc = _page(supervisor)
    timed = sum(int(_text(doc, f"#tile-{c}")) for c in ("red", "yellow", "green"))
    assert (timed, _text(doc, "#tile-untimed")) == (1, "1")
    assert int(_text(doc, "#tile-pending")) == timed + 1
    assert _text(doc, "#tile-suspended") == "0"
    with app.app_context():  # three lockouts of the pickup code (tests/api/test_pickup_lockout.py drives them)
        db.session.get(Case, waiting["id"]).pickup_code_lockouts = 3
        db.session.commit()
        db.session.remove()
    doc = _page(supervisor)
    assert _text(doc, "#tile-suspended") == "1"
    link = doc.cssselect("a.tile.red")[-1].get("href")
    assert "warning=suspended" in link and _cases_listed(supervisor, link) == {waiting["case_no"]}
