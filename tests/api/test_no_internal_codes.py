"""Nothing internal reaches a person: every page a role can open (staff, public, the applicant's),
over cases in every state, is read as a person reads it — visible text, option labels, button
values, placeholders, titles — and fails on any role, state or channel code, English framework
message or Python repr (`None`, a traceback). The codes come from the application's own tables,
so a new state or channel is covered the day it is added."""
import re
from datetime import timedelta

import lxml.html
import pytest

from app import clock
from app.appointments.models import CHANNELS as BOOKING_CHANNELS
from app.appointments.models import STATES as BOOKING_STATES
from app.auth.roles import ROLE_LABELS
from app.cases.delivery_choice import METHODS
from app.cases.models import STATUS_LABELS
from app.cases.receiving import CHANNELS as CASE_CHANNELS
from app.consultations.models import CHANNELS as CONSULTATION_CHANNELS
from app.evaluation.models import CHANNELS as RATING_CHANNELS
from app.evaluation.models import COMPLAINT_CHANNELS
from tests.api.test_applicant_pages import sign_in
from tests.api.test_appointments import booking, publish, slots
from tests.api.test_staff_pages import signed_in
from tests.applicant_flows import PERSON, Applicant
from tests.flows import HALL, ITEM, complete, person_applicant, pickup_code, start

# Login names double as role codes in the demo (admin, designer): the administrators' users page
# shows login names on purpose, so those are checked everywhere but there.
LOGIN_NAMES = {"admin", "designer", "supervisor"}
CODES = (set(ROLE_LABELS) | set(STATUS_LABELS) | set(CASE_CHANNELS) | set(CONSULTATION_CHANNELS)
         | set(BOOKING_CHANNELS) | set(BOOKING_STATES) | set(COMPLAINT_CHANNELS) | set(RATING_CHANNELS)
         | set(METHODS) | {"open", "answered", "rectified", "unfounded", "paused", "cancelled"})
PHRASES = ["Field is required", "Traceback", "None", "undefined", "null", "NaN", "[object Object]",
           "Internal Server Error", "Bad Request"]
PATTERN = re.compile(r"(?<![A-Za-z0-9_./-])(" + "|".join(sorted(map(re.escape, CODES | set(PHRASES)), key=len, reverse=True))
                     + r")(?![A-Za-z0-9_/-])")
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


def visible_text(html: str) -> list[str]:
    """What a person reads on the page: text outside scripts and styles, plus labels in attributes."""
    doc = lxml.html.fromstring(html)
    for hidden in doc.xpath("//script | //style | //template | //noscript"):
        hidden.drop_tree()
    out = [t for t in doc.xpath("//body//text()") if t.strip()]
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        out += [element.get(a) for a in SHOWN_ATTRIBUTES if element.get(a)]
        if element.tag == "input" and element.get("type") in ("submit", "button") and element.get("value"):
            out.append(element.get("value"))
    out.append(doc.findtext(".//title") or "")
    return out


def leaks(html: str, allowed: set[str] = frozenset()) -> list[str]:
    found = []
    for text in visible_text(html):
        for match in PATTERN.finditer(text):
            if match.group(1) not in allowed:
                found.append(f"{match.group(1)!r} in {text.strip()[:80]!r}")
    return found


def test_the_detector_finds_what_it_is_for():
    assert leaks("<p>状态：under_review</p>") and leaks("<td>（web）</td>") and leaks("<p>Field is required.</p>")
    assert leaks('<input placeholder="front_desk">') and leaks("<span>None</span>")
    assert not leaks("<p>审查中</p><script>var x = 'under_review';</script><a href='/cases?status=open'>办件</a>")
    assert not leaks("<p>OW20261130000001 · 13900001111 · PDF · SMS 短信</p>")


def _world(app, as_user, codes) -> dict:
    """Cases in every state the pages show, and one of everything else a page lists."""
    frontdesk, backoffice, pickup = as_user("frontdesk"), as_user("backoffice"), as_user("pickup")
    submitted = start(frontdesk, applicant=person_applicant(60))
    correcting = complete(frontdesk, start(frontdesk, applicant=person_applicant(61)), "front_desk_acceptance",
                          {"outcome": "correct", "missing_materials": ["YYZZ"], "reason": "营业执照复印件不清晰"})
    reviewing = complete(frontdesk, start(frontdesk, applicant=person_applicant(62)), "front_desk_acceptance",
                         {"outcome": "accept", "missing_materials": []})
    waiting = complete(backoffice, complete(frontdesk, start(frontdesk, applicant=person_applicant(63)),
                                            "front_desk_acceptance", {"outcome": "accept", "missing_materials": []}),
                       "back_office_review", {"decision": "approve"})
    denied = complete(backoffice, complete(frontdesk, start(frontdesk, applicant=person_applicant(64)),
                                           "front_desk_acceptance", {"outcome": "accept", "missing_materials": []}),
                      "back_office_review", {"decision": "deny", "reason": "经营场所不符合要求"})
    done = complete(pickup, waiting, "window_delivery", {"delivery_method": "window_pickup",
                                                         "pickup_code": pickup_code(app, waiting)})
    assert frontdesk.post(f"/api/v1/cases/{done['id']}/evaluations", json={"level": 1, "comment": "太慢"}).status_code == 201
    assert frontdesk.post("/api/v1/complaints", json={"channel": "web", "name": "王先生", "phone": "13900002222",
                                                      "content": "窗口人员态度差", "hall": HALL,
                                                      "case_id": done["id"]}).status_code == 201
    assert frontdesk.post("/api/v1/consultations", json={"channel": "online", "question": "周六可以办理吗？",
                                                         "item_code": ITEM, "hall": HALL}).status_code == 201
    assert publish(as_user("supervisor"), date_from="2026-12-01", date_to="2026-12-01").status_code == 201
    slot = slots(frontdesk, date_from="2026-12-01", date_to="2026-12-01")[0]
    assert frontdesk.post("/api/v1/appointments", json=booking(slot["id"])).status_code == 201
    applicant = Applicant(app, codes).register()
    own = applicant.apply()
    tasks = [t["id"] for c in (submitted, correcting, reviewing) for t in c["open_tasks"]]
    return {"cases": [c["id"] for c in (submitted, correcting, reviewing, denied, done)], "tasks": tasks,
            "own": own["id"], "complained_of": done}


STAFF_PAGES = ["/inbox", "/inbox?state=completed", "/intake", "/cases", "/consultations", "/consultations?scope=all",
               "/appointments", "/appointments?day=2026-12-01", "/board", "/rectifications", "/complaints/manage",
               "/contacts/flagged", "/admin/statistics", "/admin/users", "/admin/halls", "/admin/calendar",
               "/admin/incidents", "/admin/running", "/admin/tablets", "/processes", "/modeler", "/policies/manage",
               "/guides", "/catalog/manage", f"/catalog/manage/{ITEM}", f"/catalog/manage/{ITEM}/versions/1"]
PUBLIC_PAGES = ["/guides", f"/guides/{ITEM}", f"/guides/{ITEM}/ask", "/policies", "/progress", "/complaints",
                "/login", "/my/login", "/tablet"]


@pytest.mark.parametrize("username", ["frontdesk", "backoffice", "pickup", "supervisor", "admin", "designer"])
def test_no_staff_page_shows_an_internal_code(app, as_user, codes, username):
    world = _world(app, as_user, codes)
    client = signed_in(app, username)
    pages = STAFF_PAGES + [f"/cases/{c}" for c in world["cases"]] + [f"/tasks/{t}" for t in world["tasks"]]
    problems, seen = [], 0
    for path in pages:
        response = client.get(path)
        if response.status_code == 302:
            continue
        assert response.status_code in (200, 403, 404), (path, response.status_code)
        seen += 1
        allowed = LOGIN_NAMES if path == "/admin/users" else set()
        problems += [f"{path}: {leak}" for leak in leaks(response.get_data(as_text=True), allowed)]
    assert seen >= 20
    assert not problems, "\n".join(problems)


def test_no_public_or_applicant_page_shows_an_internal_code(app, as_user, codes):
    world = _world(app, as_user, codes)
    anonymous = app.test_client()
    problems = []
    for path in PUBLIC_PAGES:
        response = anonymous.get(path)
        assert response.status_code == 200, path
        problems += [f"{path}: {leak}" for leak in leaks(response.get_data(as_text=True))]
    clock.advance(timedelta(minutes=5))  # a new sign-in code for the same phone may be sent again
    applicant = app.test_client()
    sign_in(applicant, codes)
    for path in ["/my", f"/my/cases/{world['own']}", "/my/appointments", f"/guides/{ITEM}/apply", f"/guides/{ITEM}/book"]:
        response = applicant.get(path)
        assert response.status_code == 200, (path, response.status_code)
        problems += [f"{path}: {leak}" for leak in leaks(response.get_data(as_text=True))]
    assert PERSON  # the applicant on file applied: their own case page was read
    assert not problems, "\n".join(problems)


def test_a_complaint_names_its_case_by_the_halls_number(app, as_user, codes):
    world = _world(app, as_user, codes)
    page = lxml.html.fromstring(signed_in(app, "supervisor").get("/complaints/manage").get_data(as_text=True))
    link = page.cssselect("#complaints td[data-label=办件] a")[0]
    assert link.text_content() == world["complained_of"]["case_no"]
