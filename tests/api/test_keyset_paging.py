"""Lists page by cursor (the last row's sort key), so page 50 costs what page 1 does, and count
only up to paging.CAP ("1000+"): the inbox, the case list, through the API and the pages."""
import lxml.html

from app import paging
from tests.api.test_staff_pages import signed_in
from tests.flows import person_applicant, start


def _walk(api, path: str, per_page: int) -> tuple[list, list]:
    seen, pages, cursor = [], [], None
    while True:
        query = f"{path}{'&' if '?' in path else '?'}per_page={per_page}" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(query).get_json()
        seen += [row["id"] for row in body["items"]]
        pages.append(body)
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, pages


def _cases(frontdesk, n: int) -> list[dict]:
    return [start(frontdesk, applicant=person_applicant(i)) for i in range(n)]


def test_the_inbox_pages_by_cursor_in_its_order(as_user):
    frontdesk = as_user("frontdesk")
    _cases(frontdesk, 7)
    whole = frontdesk.get("/api/v1/tasks?per_page=100").get_json()
    assert whole["total"] == 7 and whole["total_capped"] is False and whole["next_cursor"] is None
    order = [t["id"] for t in whole["items"]]
    dues = [t["due_at"] for t in whole["items"]]
    assert dues == sorted(dues)  # soonest first
    seen, pages = _walk(frontdesk, "/api/v1/tasks", 3)
    assert seen == order and [len(p["items"]) for p in pages] == [3, 3, 1]
    assert all(p["total"] == 7 for p in pages)


def test_the_case_list_pages_by_cursor_newest_first(as_user):
    frontdesk = as_user("frontdesk")
    made = _cases(frontdesk, 5)
    seen, pages = _walk(frontdesk, "/api/v1/cases", 2)
    assert seen == [c["id"] for c in reversed(made)]
    assert [len(p["items"]) for p in pages] == [2, 2, 1]


def test_counts_stop_at_the_cap(as_user, monkeypatch):
    monkeypatch.setattr(paging, "CAP", 4)
    frontdesk = as_user("frontdesk")
    _cases(frontdesk, 6)
    body = frontdesk.get("/api/v1/tasks").get_json()
    assert (body["total"], body["total_capped"]) == (4, True)
    assert len(frontdesk.get("/api/v1/tasks?per_page=100").get_json()["items"]) == 6  # the rows are all there


def test_a_spoiled_cursor_is_refused_naming_the_field(as_user):
    frontdesk = as_user("frontdesk")
    for bad in ("abc", "eyJ4Ijox", "W10"):
        response = frontdesk.get(f"/api/v1/tasks?cursor={bad}")
        assert response.status_code == 422, response.get_json()
        assert "cursor" in response.get_json()["errors"]


def test_the_inbox_page_has_a_next_page_link_that_continues(app, as_user, monkeypatch):
    from app.web.staff import inbox as inbox_page

    monkeypatch.setattr(inbox_page, "PER_PAGE", 2)
    frontdesk = as_user("frontdesk")
    _cases(frontdesk, 3)
    client = signed_in(app)
    first = lxml.html.fromstring(client.get("/inbox").get_data(as_text=True))
    assert first.get_element_by_id("total").text_content().strip() == "3"
    rows = len(first.cssselect("table tbody tr"))
    following = first.get_element_by_id("next_page").get("href")
    second = lxml.html.fromstring(client.get(following).get_data(as_text=True))
    assert rows == 2 and len(second.cssselect("table tbody tr")) == 1
    assert not second.cssselect("#next_page") and "回到第一页" in second.text_content()
    spoiled = client.get("/inbox?cursor=abc")
    assert spoiled.status_code == 302 and "cursor" not in spoiled.headers["Location"]


def test_cases_are_found_by_any_part_of_the_name_a_number_prefix_or_the_item(as_user):
    from tests.flows import application

    frontdesk = as_user("frontdesk")
    company = start(frontdesk)  # 西安鄠邑小厨餐饮有限公司
    person = start(frontdesk, applicant={**application()["applicant"], **person_applicant(1), "name": "王小明"})

    def found(q: str) -> list[int]:
        return [c["id"] for c in frontdesk.get("/api/v1/cases", query_string={"q": q}).get_json()["items"]]

    assert found("小厨") == [company["id"]]
    assert found("小明") == [person["id"]]
    assert found(person["case_no"][:10].lower()) == [person["id"], company["id"]]  # a prefix, in any case
    assert found(company["case_no"]) == [company["id"]]
    assert found("食品经营") == [person["id"], company["id"]]  # the item's name
    assert found("%") == [] and found("_") == []  # wildcards are literal
    assert frontdesk.get("/api/v1/cases", query_string={"q": "x" * 101}).status_code == 422


def test_the_history_pages_newest_first(app, as_user):
    from tests.flows import dossier

    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    for n in range(7):
        assert frontdesk.post(f"/api/v1/cases/{case['id']}/comments", json={"text": f"备注{n}"}).status_code == 201
    whole = dossier(frontdesk, case)["events"]
    seqs = [e["seq"] for e in whole]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) > 7
    first = frontdesk.get(f"/api/v1/cases/{case['id']}?history_limit=3").get_json()
    assert [e["seq"] for e in first["events"]] == seqs[:3] and first["history_intact"] is True
    older = frontdesk.get(f"/api/v1/cases/{case['id']}?history_limit=3&history_before={first['events_before']}")
    assert [e["seq"] for e in older.get_json()["events"]] == seqs[3:6]
    assert frontdesk.get(f"/api/v1/cases/{case['id']}?history_limit=0").status_code == 422
    page = lxml.html.fromstring(signed_in(app).get(f"/cases/{case['id']}").get_data(as_text=True))
    assert len(page.cssselect("#history li")) == len(seqs) and not page.cssselect("#older_history")
