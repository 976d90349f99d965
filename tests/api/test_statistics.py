"""好差评 statistics (art. 32) through the API and the page: per department, hall and item —
satisfaction, bad reviews rectified on time, cases decided on time (the decision against the
promised deadline, not the delivery) — scoped to the halls a supervisor supervises, over a
period that is checked.

Five cases, counted by hand (Monday 2026-11-30; SCJG-0001 promises 10 working days, WJ-0002 5,
so a WJ-0002 case accepted on Monday is due on 2026-12-07):
  A  district hall, SCJG-0001: approved and delivered Monday, rated 5 Monday
  B  district hall, WJ-0002:   accepted Monday, denied 2026-12-10 (late), rated 2 that day,
                               rectified the same day (on time)
  C  district hall, SCJG-0001: not accepted Monday, rated 1 Monday, rectification left open
  D  street hall,   WJ-0002:   approved Monday (on time), delivered 2026-12-10 (after its due
                               date: the delivery does not make the decision late), rated 4 Monday
  E  street hall,   SCJG-0001: accepted, still under review, rated 3 Monday
"""
from datetime import timedelta

import lxml.html
import pytest

from app import clock
from tests.api.test_staff_pages import signed_in, token_of
from tests.flows import complete, start

API = "/api/v1/statistics/evaluation"
WJ = {"item_code": "610118-WJ-0002", "materials": ["SQB", "YYZZ", "FDDBR"]}
SCJG_BODY, WJ_BODY = "西安市鄠邑区市场监督管理局", "西安市鄠邑区卫生健康局"
PICKUP = {"delivery_method": "window_pickup"}


def _rate(api, case, level):
    assert api.post(f"/api/v1/cases/{case['id']}/evaluations", json={"level": level}).status_code == 201


@pytest.fixture
def cases(app, as_user):
    frontdesk, backoffice, pickup, street = (as_user(u) for u in ("frontdesk", "backoffice", "pickup", "gtdesk"))
    accept = {"outcome": "accept"}
    a = complete(frontdesk, start(frontdesk), "front_desk_acceptance", accept)
    a = complete(pickup, complete(backoffice, a, "back_office_review", {"decision": "approve"}), "window_delivery", PICKUP)
    b = complete(frontdesk, start(frontdesk, **WJ), "front_desk_acceptance", accept)
    c = complete(frontdesk, start(frontdesk), "front_desk_acceptance", {"outcome": "reject", "reason": "不属于本事项"})
    d = complete(street, start(street, hall="HY-GTJD", **WJ), "front_desk_acceptance", accept)
    d = complete(street, d, "back_office_review", {"decision": "approve"})
    e = complete(street, start(street, hall="HY-GTJD"), "front_desk_acceptance", accept)
    assert (a["status"], c["status"], d["status"], e["status"]) == ("completed", "not_accepted", "awaiting_delivery",
                                                                    "under_review")
    assert b["decision_due"].startswith("2026-12-07")
    for api, case, level in ((frontdesk, a, 5), (frontdesk, c, 1), (street, d, 4), (street, e, 3)):
        _rate(api, case, level)

    clock.advance(timedelta(days=10))  # Thursday 2026-12-10
    b = complete(backoffice, frontdesk.get(f"/api/v1/cases/{b['id']}").get_json(), "back_office_review",
                 {"decision": "deny", "reason": "卫生条件不符合要求"})
    complete(pickup, b, "window_delivery", PICKUP)
    complete(street, street.get(f"/api/v1/cases/{d['id']}").get_json(), "window_delivery", PICKUP)
    _rate(frontdesk, b, 2)
    client = signed_in(app, "supervisor")
    listing = client.get("/rectifications")
    row = next(r for r in lxml.html.fromstring(listing.get_data(as_text=True)).cssselect("tr[data-rectification]")
               if r.cssselect("a")[0].text_content() == str(b["id"]))
    closed = client.post(f"/rectifications/{row.get('data-rectification')}",
                         data={"csrf_token": token_of(listing), "outcome": "rectified", "result": "已约谈审批人员"})
    assert closed.status_code == 302


def _numbers(entry: dict) -> tuple:
    return (entry["ratings"], entry["satisfaction_rate"], entry["bad_reviews"], entry["rectified_on_time"],
            entry["open_rectifications"], entry["cases_decided"], entry["decided_on_time"], entry["decided_on_time_rate"])


def test_numbers_per_department_hall_and_item(app, as_user, cases):
    stats = as_user("admin").get(API)
    assert stats.status_code == 200, stats.get_json()
    stats = stats.get_json()
    assert _numbers(stats) == (5, 0.6, 2, 1, 1, 4, 3, 0.75)
    assert {k: _numbers(v) for k, v in stats["by_hall"].items()} == {
        "HY-ZWFW": (3, 0.333, 2, 1, 1, 3, 2, 0.667),
        "HY-GTJD": (2, 1.0, 0, 0, 0, 1, 1, 1.0)}
    assert stats["by_hall"]["HY-GTJD"]["name"] == "甘亭街道便民服务中心"
    assert {k: _numbers(v) for k, v in stats["by_department"].items()} == {
        SCJG_BODY: (3, 0.667, 1, 0, 1, 2, 2, 1.0),
        WJ_BODY: (2, 0.5, 1, 1, 0, 2, 1, 0.5)}
    assert {k: _numbers(v) for k, v in stats["by_item"].items()} == {
        "610118-SCJG-0001": (3, 0.667, 1, 0, 1, 2, 2, 1.0),
        "610118-WJ-0002": (2, 0.5, 1, 1, 0, 2, 1, 0.5)}
    assert stats["levels"] == {"非常满意": 1, "满意": 1, "基本满意": 1, "不满意": 1, "非常不满意": 1}

    page = signed_in(app, "admin").get("/admin/statistics")
    html = lxml.html.fromstring(page.get_data(as_text=True))
    assert html.get_element_by_id("satisfaction").text_content() == "60.0%"
    assert html.get_element_by_id("on_time").text_content() == "75.0%"
    assert len(html.cssselect("#chart rect")) == 5
    district = html.cssselect('#by_hall tr[data-key="HY-ZWFW"]')[0]
    cells = {td.get("data-field"): td.text_content() for td in district.cssselect("td[data-field]")}
    assert cells == {"ratings": "3", "satisfaction_rate": "33.3%", "bad_reviews": "2", "rectified_on_time": "1",
                     "open_rectifications": "1", "cases_decided": "3", "decided_on_time": "2",
                     "decided_on_time_rate": "66.7%"}
    assert html.cssselect(f'#by_department tr[data-key="{WJ_BODY}"]')


def test_a_supervisor_sees_only_the_halls_they_supervise(app, as_user, make_user, cases):
    district = as_user("supervisor").get(API).get_json()
    assert _numbers(district) == (3, 0.333, 2, 1, 1, 3, 2, 0.667)
    assert list(district["by_hall"]) == ["HY-ZWFW"]
    assert {k: _numbers(v) for k, v in district["by_department"].items()} == {
        SCJG_BODY: (2, 0.5, 1, 0, 1, 2, 2, 1.0), WJ_BODY: (1, 0.0, 1, 1, 0, 1, 0, 0.0)}

    street = make_user("gtsuper", ("supervisor", "HY-GTJD")).get(API).get_json()
    assert _numbers(street) == (2, 1.0, 0, 0, 0, 1, 1, 1.0)
    assert list(street["by_hall"]) == ["HY-GTJD"] and street["levels"]["非常不满意"] == 0

    html = lxml.html.fromstring(signed_in(app, "supervisor").get("/admin/statistics").get_data(as_text=True))
    assert [r.get("data-key") for r in html.cssselect("#by_hall tr[data-key]")] == ["HY-ZWFW"]
    assert html.get_element_by_id("satisfaction").text_content() == "33.3%"
    assert as_user("frontdesk").get(API).status_code == 403


def test_the_period_filters_by_when_things_happened(as_user, cases):
    admin = as_user("admin")
    monday = admin.get(API + "?to=2026-11-30").get_json()
    assert _numbers(monday) == (4, 0.75, 1, 0, 1, 3, 3, 1.0)
    assert monday["period"] == {"from": None, "to": "2026-11-30"}
    later = admin.get(API + "?from=2026-12-01&to=2026-12-31").get_json()
    assert _numbers(later) == (1, 0.0, 1, 1, 0, 1, 0, 0.0)
    assert list(later["by_hall"]) == ["HY-ZWFW"]
    assert _numbers(admin.get(API + "?from=2027-01-01").get_json()) == (0, None, 0, 0, 0, 0, 0, None)


def test_a_bad_period_is_refused_naming_the_field(app, as_user):
    admin = as_user("admin")
    bad = admin.get(API + "?from=2026-13-01")
    assert bad.status_code == 422 and list(bad.get_json()["errors"]) == ["from"]
    backwards = admin.get(API + "?from=2026-12-10&to=2026-12-01")
    assert backwards.status_code == 422 and "不能早于" in backwards.get_json()["errors"]["to"][0]
    assert admin.get(API + "?to=yesterday").get_json()["errors"].keys() == {"to"}
    page = signed_in(app, "admin").get("/admin/statistics?from=2026-02-30")
    html = lxml.html.fromstring(page.get_data(as_text=True))
    assert page.status_code == 422
    assert "开始日期" in html.cssselect('[data-error="from"]')[0].text_content()
    assert html.cssselect('input[name="from"]')[0].get("value") == "2026-02-30"  # kept for correcting


@pytest.mark.parametrize("query, field", [
    ("?to=9999-12-31", "to"),  # the day after overflows
    ("?from=0001-01-01", "from"),  # before UTC's year 1
    ("?from=1999-12-31", "from"),
    ("?to=2101-01-01", "to"),
    ("?from=0001-01-01&to=9999-12-31", "from"),
])
def test_a_period_outside_the_years_kept_is_refused(app, as_user, query, field):
    response = as_user("admin").get(API + query)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert field in errors and "2000-01-01 至 2100-12-31" in errors[field][0]
    page = signed_in(app, "admin").get("/admin/statistics" + query)
    assert page.status_code == 422
    html = lxml.html.fromstring(page.get_data(as_text=True))
    assert "2000-01-01 至 2100-12-31" in html.cssselect(f'[data-error="{field}"]')[0].text_content()


def test_the_first_and_last_days_kept_are_accepted(app, as_user):
    stats = as_user("admin").get(API + "?from=2000-01-01&to=2100-12-31")
    assert stats.status_code == 200, stats.get_json()
    assert stats.get_json()["period"] == {"from": "2000-01-01", "to": "2100-12-31"}
    assert signed_in(app, "admin").get("/admin/statistics?from=2000-01-01&to=2100-12-31").status_code == 200


def test_the_last_day_counts_to_its_local_midnight(as_user):
    """The `to` day ends at midnight in the hall (Asia/Shanghai), not in UTC."""
    frontdesk = as_user("frontdesk")
    clock.advance(timedelta(hours=14, minutes=59))  # Monday 23:59 in the hall (15:59 UTC)
    assert clock.local_now().strftime("%Y-%m-%d %H:%M:%S") == "2026-11-30 23:59:00"
    late = complete(frontdesk, start(frontdesk), "front_desk_acceptance", {"outcome": "reject", "reason": "不属于本事项"})
    _rate(frontdesk, late, 5)
    clock.advance(timedelta(seconds=61))  # Tuesday 00:00:01
    assert clock.local_now().strftime("%Y-%m-%d %H:%M:%S") == "2026-12-01 00:00:01"
    early = complete(frontdesk, start(frontdesk), "front_desk_acceptance", {"outcome": "reject", "reason": "不属于本事项"})
    _rate(frontdesk, early, 4)

    admin = as_user("admin")

    def day(query: str) -> tuple:
        stats = admin.get(API + query).get_json()
        return stats["ratings"], stats["cases_decided"], stats["levels"]["非常满意"], stats["levels"]["满意"]

    assert day("?from=2026-11-30&to=2026-11-30") == (1, 1, 1, 0)  # the 23:59 one
    assert day("?from=2026-12-01&to=2026-12-01") == (1, 1, 0, 1)  # the 00:00:01 one
    assert admin.get(API + "?to=2026-11-30").get_json()["ratings"] == 1
    assert admin.get(API + "?from=2026-12-01").get_json()["ratings"] == 1
