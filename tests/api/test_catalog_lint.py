"""The guide linter through HTTP: each rule fires on a guide that breaks it and stays silent
on the same guide without the fault; publishing refuses with every finding."""
import copy
import io

import pytest

from app.demo import formpdf
from tests.conftest import Api
from tests.guides import guide_doc, material, publish_doc

ITEMS = "/api/v1/catalog/items"


@pytest.fixture
def designer(as_user):
    return as_user("designer")


def as_admin(client):
    """Designers draft guides; administrators publish them."""
    return Api(client.app, "admin")


def upload(designer, title: str, sample: bool) -> str:
    pdf = formpdf.render(title, "测试事项", sample)
    response = designer.post("/api/v1/catalog/files", data={"file": (io.BytesIO(pdf), f"{title}.pdf")},
                             content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["sha256"]


@pytest.fixture
def clean_doc(designer):
    """A guide with one material of every kind the rules look at, all of them compliant."""
    blank, sample = upload(designer, "申请表", False), upload(designer, "申请表", True)
    return guide_doc("TEST-LINT-1", materials=[
        material("SQB", "测试申请表", category="form", blank_template=blank, sample=sample),
        material("JKZ", "从业人员健康合格证明", category="certificate", certificate_code="ZM-004"),
        material("JCBG", "卫生检测报告", source="intermediary", agency_category="具备CMA资质认定的检验检测机构"),
        material("HKB", "居民户口簿", source="sharing", requirement="exempt"),
        material("WTS", "授权委托书", requirement="conditional", condition="委托他人办理的"),
    ], fee_charged=True, fee_standard="每件 10 元", fee_basis="《测试收费标准》第三条")


def lint(designer, doc) -> list[dict]:
    created = designer.post(ITEMS, json=doc)
    assert created.status_code == 201, created.get_json()
    body = designer.get(f"{ITEMS}/{doc['item_code']}/versions/1/lint").get_json()
    assert body["findings"] == created.get_json()["findings"]
    return body["findings"]


def _m(doc, code):
    return next(m for m in doc["guide"]["materials"] if m["code"] == code)


BREAKS = {
    "art6.missing_element": lambda d: d["guide"].update(acceptance_conditions="  "),
    "art7.missing_element": lambda d: _m(d, "WTS").update(condition=""),
    "art7.1.legal_basis": lambda d: _m(d, "JCBG").update(legal_basis=None),
    "art7.1.vague_wording": lambda d: _m(d, "JCBG").update(name="检测报告等材料"),
    "art7.2.retained_certificate": lambda d: _m(d, "JKZ").update(certificate_code="ZM-999"),
    "art7.3.blank_and_sample": lambda d: _m(d, "SQB").update(sample=None),
    "art7.4.agency_category": lambda d: _m(d, "JCBG").update(agency_category=""),
    "art7.5.shared_material_required": lambda d: _m(d, "HKB").update(requirement="required"),
    "limits.promised_above_legal": lambda d: d["guide"].update(promised_limit_days=25),
    "fee.basis_missing": lambda d: d["guide"].update(fee_basis=""),
    "art21.hall_name": lambda d: d.update(halls=["HY-DFSQ-OLD"]),
    "process.not_deployed": lambda d: d["guide"].update(process_key="no_such_process"),
}


def test_a_compliant_guide_has_no_findings_and_publishes(designer, clean_doc):
    assert lint(designer, clean_doc) == []
    published = as_admin(designer).post(f"{ITEMS}/TEST-LINT-1/versions/1/publish")
    assert published.status_code == 200, published.get_json()
    assert published.get_json()["status"] == "published"
    assert designer.get(f"{ITEMS}/TEST-LINT-1/versions/1/lint").get_json() == {"findings": []}


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_each_rule_fires_on_a_guide_that_breaks_it(designer, clean_doc, rule):
    doc = copy.deepcopy(clean_doc)
    BREAKS[rule](doc)
    findings = lint(designer, doc)
    assert [f["rule"] for f in findings] == [rule], findings
    refused = as_admin(designer).post(f"{ITEMS}/TEST-LINT-1/versions/1/publish")
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["findings"] == findings and body["errors"][findings[0]["path"]] == [findings[0]["message"]]
    assert designer.get(f"{ITEMS}/TEST-LINT-1").status_code == 404  # nothing was published


def test_material_findings_name_the_material(designer, clean_doc):
    doc = copy.deepcopy(clean_doc)
    _m(doc, "JCBG").update(name="检测报告等材料", agency_category="")
    findings = lint(designer, doc)
    assert {f["path"] for f in findings} == {"materials[2].name", "materials[2].agency_category"}
    assert all("“检测报告等材料”（JCBG）" in f["message"] for f in findings)


@pytest.mark.parametrize("wording", ["其他需要的材料", "有关部门证明", "身份证、户口簿等"])
def test_vague_wording_variants(designer, clean_doc, wording):
    doc = copy.deepcopy(clean_doc)
    _m(doc, "WTS").update(name=wording)
    assert [f["rule"] for f in lint(designer, doc)] == ["art7.1.vague_wording"]


@pytest.mark.parametrize("wording", ["法人或者其他组织的登记证书", "职业技能等级证书"])
def test_statutory_wording_is_not_vague(designer, clean_doc, wording):
    doc = copy.deepcopy(clean_doc)
    _m(doc, "WTS").update(name=wording)
    assert lint(designer, doc) == []


def test_basic_elements_must_match_another_level_with_the_same_base_code(app, designer, clean_doc):
    district = guide_doc("TEST-LINT-D", base_code="000999001000", halls=["HY-ZWFW"], name="跨层级测试事项")
    publish_doc(app, district)
    same = guide_doc("TEST-LINT-S", base_code="000999001000", level="street", halls=["HY-GTJD"],
                     name="跨层级测试事项", location="甘亭街道便民服务中心综合窗口")  # location is not a basic element
    assert lint(designer, same) == []
    differing = guide_doc("TEST-LINT-S2", base_code="000999001000", level="street", halls=["HY-GTJD"],
                          name="跨层级测试事项", legal=15, materials=[("SQS", "申请书")])
    findings = lint(designer, differing)
    assert {(f["rule"], f["path"]) for f in findings} == {("art6.consistency", "legal_limit_days"),
                                                         ("art6.consistency", "materials")}
    limit = next(f for f in findings if f["path"] == "legal_limit_days")
    assert "TEST-LINT-D（区级）" in limit["message"] and "（本指南：15，对方：20）" in limit["message"]
    # The upper level leads: a law change is published at district level first, without being
    # held back by the street guide that will follow it.
    assert as_admin(designer).post("/api/v1/catalog/items/TEST-LINT-S/versions/1/publish").status_code == 200
    changed = guide_doc("TEST-LINT-D", base_code="000999001000", name="跨层级测试事项", legal=15,
                        legal_change="《测试条例》修订，时限缩短")["guide"]
    assert designer.post("/api/v1/catalog/items/TEST-LINT-D/versions", json=changed).get_json()["findings"] == []
    assert as_admin(designer).post("/api/v1/catalog/items/TEST-LINT-D/versions/2/publish").status_code == 200
    follow = designer.post("/api/v1/catalog/items/TEST-LINT-S/versions")  # the street follows
    assert {f["path"] for f in follow.get_json()["findings"] if f["rule"] == "art6.consistency"} == {"legal_limit_days"}


def test_a_new_version_must_name_the_legal_change(designer, clean_doc):
    assert lint(designer, clean_doc) == []
    assert as_admin(designer).post(f"{ITEMS}/TEST-LINT-1/versions/1/publish").status_code == 200
    draft = designer.post(f"{ITEMS}/TEST-LINT-1/versions")  # empty body: a copy of version 1
    assert draft.status_code == 201 and draft.get_json()["version"] == 2
    assert [f["rule"] for f in draft.get_json()["findings"]] == ["art9.change_log"]
    fixed = copy.deepcopy(clean_doc["guide"]) | {"legal_change": "《测试条例》2026 年修订第五条"}
    saved = designer.put(f"{ITEMS}/TEST-LINT-1/versions/2", json=fixed)
    assert saved.status_code == 200 and saved.get_json()["findings"] == []


def test_the_demo_draft_breaks_every_rule(designer):
    findings = designer.get(f"{ITEMS}/610118-DEMO-9999/versions/1/lint").get_json()["findings"]
    rules = {f["rule"] for f in findings}
    assert rules >= set(BREAKS) - {"process.not_deployed"} | {"art6.consistency"}
    assert as_admin(designer).post(f"{ITEMS}/610118-DEMO-9999/versions/1/publish").status_code == 422


def test_wrong_types_are_422_naming_the_field_and_store_nothing(designer, clean_doc):
    doc = copy.deepcopy(clean_doc)
    doc["guide"]["legal_limit_days"] = "二十"
    doc["guide"]["materials"][0]["source"] = "friend"
    doc["item_code"] = "X" * 37
    response = designer.post(ITEMS, json=doc)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {"guide.legal_limit_days", "guide.materials.0.source", "item_code"} <= set(errors)
    assert designer.get(f"{ITEMS}/{'X' * 37}/versions").status_code == 404


def test_only_editors_write_guides(as_user, clean_doc):
    frontdesk = as_user("frontdesk")
    assert frontdesk.post(ITEMS, json=clean_doc).status_code == 403
    assert frontdesk.get(f"{ITEMS}/610118-DEMO-9999/versions/1/lint").status_code == 403


def test_a_process_that_asks_for_the_items_materials_needs_them_in_the_guide(designer, clean_doc):
    doc = copy.deepcopy(clean_doc)
    doc["guide"]["materials"] = []
    findings = lint(designer, doc)
    needs = [f for f in findings if f["rule"] == "process.needs_materials"]
    assert needs and needs[0]["path"] == "materials" and "“受理审查”" in needs[0]["message"], findings


def test_designers_draft_guides_and_administrators_publish_them(designer, clean_doc):
    assert lint(designer, clean_doc) == []
    refused = designer.post(f"{ITEMS}/TEST-LINT-1/versions/1/publish")
    assert refused.status_code == 403
    assert as_admin(designer).post(f"{ITEMS}/TEST-LINT-1/versions/1/publish").status_code == 200
