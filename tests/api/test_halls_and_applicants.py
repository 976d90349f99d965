"""Halls (art. 19–21, 24), proxy submission from community stations (art. 20), what a clerk may
ask for (art. 5, 7(5), 13), and applicants by their one id number (art. 17)."""
import pytest

from tests.flows import COMPANY_ID, PERSON_ID, application, complete, open_task, start


@pytest.fixture
def admin(as_user):
    return as_user("admin")


def test_halls_are_created_in_a_tree_with_uniform_names(admin, as_user):
    street = {"code": "HY-WFJD", "name": "五竹街道便民服务中心", "level": "street", "parent": "HY-ZWFW"}
    assert as_user("frontdesk").post("/api/v1/halls", json=street).status_code == 403
    assert admin.post("/api/v1/halls", json=street).status_code == 201
    assert admin.post("/api/v1/halls", json=street).status_code == 409

    bad_name = admin.post("/api/v1/halls", json={**street, "code": "HY-X1", "name": "五竹街道服务大厅"})
    assert bad_name.status_code == 422 and "××街道便民服务中心" in bad_name.get_json()["errors"]["name"][0]
    bad_parent = admin.post("/api/v1/halls", json={"code": "HY-X2", "name": "新村社区便民服务站",
                                                  "level": "community", "parent": "HY-ZWFW"})
    assert bad_parent.status_code == 422 and "parent" in bad_parent.get_json()["errors"]
    village = admin.post("/api/v1/halls", json={"code": "HY-X3", "name": "新庄村便民服务站",
                                               "level": "community", "parent": "HY-WFJD"})
    assert village.status_code == 201

    tree = admin.get("/api/v1/halls").get_json()["halls"]
    district = next(h for h in tree if h["code"] == "HY-ZWFW")
    wuzhu = next(h for h in district["children"] if h["code"] == "HY-WFJD")
    assert [c["code"] for c in wuzhu["children"]] == ["HY-X3"]


def test_items_are_offered_by_district_and_street_halls_only(admin):
    url = "/api/v1/catalog/items/610118-RS-0004/halls"
    station = admin.put(url, json={"halls": ["HY-GTDJ"]})
    assert station.status_code == 422 and "代办" in station.get_json()["errors"]["halls"][0]
    assert admin.put(url, json={"halls": ["HY-NOPE"]}).status_code == 422
    done = admin.put(url, json={"halls": ["HY-ZWFW", "HY-GTJD"], "citywide": False})
    assert done.status_code == 200 and done.get_json()["halls"] == ["HY-GTJD", "HY-ZWFW"]
    assert "610118-RS-0004" in [i["code"] for i in admin.get("/api/v1/halls/HY-GTJD").get_json()["items"]]
    legacy = admin.put(url, json={"halls": ["HY-DFSQ-OLD"]})  # published item, misnamed hall (art. 21)
    assert legacy.status_code == 422 and "××街道便民服务中心" in legacy.get_json()["errors"]["halls"][0]
    station_items = [i["code"] for i in admin.get("/api/v1/halls/HY-GTDJ").get_json()["items"]]
    assert "610118-MZ-0005" in station_items and "610118-DEMO-9999" not in station_items  # proxy; published only


def test_a_hall_accepts_only_items_it_offers_or_citywide_ones(make_hall, make_user):
    make_hall("HY-QTJD", "秦渡街道便民服务中心")
    clerk = make_user("qtdesk", ("front_desk", "HY-QTJD"))
    refused = clerk.post("/api/v1/cases", json=application(hall="HY-QTJD"))
    assert refused.status_code == 422 and "不办理" in refused.get_json()["errors"]["item_code"][0]
    citywide = start(clerk, hall="HY-QTJD", item_code="610118-MZ-0006",
                     applicant={"name": "张大爷", "id_type": "id_card", "id_number": PERSON_ID}, materials=[])
    assert citywide["hall"]["code"] == "HY-QTJD" and citywide["proxy"] is None


def test_a_community_station_submits_by_proxy_to_the_hall_above(as_user):
    community, gtdesk, frontdesk = as_user("community"), as_user("gtdesk"), as_user("frontdesk")
    person = {"name": "李奶奶", "id_type": "id_card", "id_number": PERSON_ID}
    case = start(community, hall="HY-GTDJ", item_code="610118-MZ-0005", applicant=person, materials=["SQB", "YHZH"])
    assert case["hall"]["code"] == "HY-GTJD"
    assert case["proxy"] == {"hall": {"code": "HY-GTDJ", "name": "甘亭街道东街社区便民服务站"}, "by": "community",
                             "person": None}
    # The street centre's front desk works it; the station can follow it.
    assert open_task(case, "front_desk_acceptance")["hall"] == "HY-GTJD"
    assert gtdesk.get(f"/api/v1/cases/{case['id']}").status_code == 200
    followed = community.get(f"/api/v1/cases/{case['id']}").get_json()
    assert any("甘亭街道东街社区便民服务站代办" in e["message"] for e in followed["events"])
    assert case["id"] in [c["id"] for c in community.get("/api/v1/cases").get_json()["items"]]
    # An item only the district centre handles goes two levels up.
    district = start(community, hall="HY-GTDJ", item_code="610118-RS-0004", applicant=person, materials=[])
    assert district["hall"]["code"] == "HY-ZWFW" and district["proxy"]["hall"]["code"] == "HY-GTDJ"
    assert frontdesk.get(f"/api/v1/cases/{district['id']}").status_code == 200


def test_a_correction_never_asks_for_what_the_government_shares(as_user):
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    task = frontdesk.get(f"/api/v1/tasks/{open_task(case, 'front_desk_acceptance')['id']}").get_json()
    offered = [o["value"] for o in task["form_data"]["item_materials"]]
    assert "SFZ" not in offered and "SQS" in offered  # SFZ 经办人居民身份证 is obtained by sharing
    shared = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["SFZ"]},
                      expect=422)
    assert "共享" in shared["errors"]["missing_materials"][0]
    foreign = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["JCBG"]},
                       expect=422)
    assert "不属于" in foreign["errors"]["missing_materials"][0]
    firm = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "tolerate", "missing_materials": ["SQS"]},
                    expect=422)
    assert "不可容缺" in firm["errors"]["missing_materials"][0]
    after = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()
    assert after["status"] == "submitted" and after["revision"] == case["revision"]  # nothing changed
    corrected = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    assert corrected["status"] == "awaiting_correction"


@pytest.mark.parametrize("number", ["91610118MA6TXXXX01", "610124199001011230", "12345", "ABC"])
def test_an_invalid_id_number_is_422_naming_the_field(as_user, number):
    response = as_user("frontdesk").get(f"/api/v1/applicants/{number}")
    assert response.status_code == 422 and "id_number" in response.get_json()["errors"]
    case = as_user("frontdesk").post("/api/v1/cases", json=application(
        applicant={"name": "某公司", "id_type": "uscc", "id_number": number}))
    assert case.status_code == 422 and "applicant.id_number" in case.get_json()["errors"]


def test_staff_see_an_applicants_earlier_cases_and_materials(as_user, make_hall, make_user):
    frontdesk = as_user("frontdesk")
    assert frontdesk.get(f"/api/v1/applicants/{COMPANY_ID}").status_code == 404  # valid, not known yet
    first = start(frontdesk, materials=["SQS", "YYZZ"])
    second = start(frontdesk, item_code="610118-WJ-0002", materials=["YYZZ", "JCBG"])
    profile = frontdesk.get(f"/api/v1/applicants/{COMPANY_ID.lower()}").get_json()
    assert profile["applicant"]["id_type"] == "uscc" and profile["applicant"]["name"]
    assert [c["case_no"] for c in profile["cases"]] == [second["case_no"], first["case_no"]]
    assert profile["cases"][0]["guide_version"] == 1
    provided = {(m["item_code"], m["code"]): m for m in profile["materials_provided"]}
    assert set(provided) == {("610118-SCJG-0001", "SQS"), ("610118-SCJG-0001", "YYZZ"),
                             ("610118-WJ-0002", "YYZZ"), ("610118-WJ-0002", "JCBG")}
    assert provided[("610118-WJ-0002", "JCBG")]["name"] == "卫生检测报告"
    # Another hall's clerk, with no case of this applicant, learns nothing (not even the phone).
    make_hall("HY-YXJD", "玉蝉街道便民服务中心")
    other = make_user("yxdesk", ("front_desk", "HY-YXJD"))
    hidden = other.get(f"/api/v1/applicants/{COMPANY_ID}")
    assert hidden.status_code == 404 and "13800000000" not in hidden.get_data(as_text=True)
    assert as_user("designer").get(f"/api/v1/applicants/{COMPANY_ID}").status_code == 403
