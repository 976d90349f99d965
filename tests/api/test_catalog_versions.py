"""Guide versions: draft → published → superseded, cases pinned to the version they started
under, import/export, and the retained-certificate catalogue."""
import copy

import pytest

from tests.conftest import Api
from tests.flows import complete, open_task, start
from tests.guides import guide_doc, material, publish_doc

ITEMS = "/api/v1/catalog/items"
CODE = "TEST-VER-1"


@pytest.fixture
def designer(as_user):
    return as_user("designer")


def as_admin(client):
    """Designers draft guides; administrators publish them."""
    return Api(client.app, "admin")


@pytest.fixture
def v1(app):
    doc = guide_doc(CODE, promised=10, materials=[("SQS", "申请书"), ("PMT", "平面图")])
    publish_doc(app, doc)
    return doc


def test_a_running_case_keeps_its_guide_version_when_a_new_one_is_published(as_user, designer, v1):
    frontdesk = as_user("frontdesk")
    old_case = start(frontdesk, item_code=CODE, materials=["SQS"])
    assert old_case["guide"]["version"] == 1 and old_case["guide"]["status"] == "published"

    v2 = copy.deepcopy(v1["guide"]) | {"promised_limit_days": 5, "change_summary": "精简材料，压缩时限",
                                       "legal_change": "《测试条例》2026 年 11 月修订，删去平面图要求"}
    v2["materials"] = [material("SQS", "申请书"), material("FDDBR", "法定代表人身份证明")]
    draft = designer.post(f"{ITEMS}/{CODE}/versions", json=v2)
    assert draft.status_code == 201 and draft.get_json()["findings"] == []
    published = as_admin(designer).post(f"{ITEMS}/{CODE}/versions/2/publish")
    assert published.status_code == 200, published.get_json()

    versions = designer.get(f"{ITEMS}/{CODE}/versions").get_json()["versions"]
    assert [(v["version"], v["status"]) for v in versions] == [(2, "published"), (1, "superseded")]
    assert versions[1]["effective_until"] == versions[0]["effective_from"] == "2026-11-30"
    assert versions[0]["legal_change"].startswith("《测试条例》")

    # The old case still runs on version 1: its materials, its limits.
    case = frontdesk.get(f"/api/v1/cases/{old_case['id']}").get_json()
    assert case["guide"]["version"] == 1 and case["guide"]["status"] == "superseded"
    task = frontdesk.get(f"/api/v1/tasks/{open_task(case, 'front_desk_acceptance')['id']}").get_json()
    assert [o["value"] for o in task["form_data"]["item_materials"]] == ["SQS", "PMT"]
    refused = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["FDDBR"]},
                       expect=422)
    assert "第 1 版" in refused["errors"]["missing_materials"][0]
    accepted = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    assert accepted["deadline"] is not None
    history = [e["message"] for e in frontdesk.get(f"/api/v1/cases/{old_case['id']}").get_json()["events"]]
    assert any("办事指南第 1 版" in m for m in history)

    # A new case is started under version 2.
    new_case = start(frontdesk, item_code=CODE, materials=["SQS", "FDDBR"])
    assert new_case["guide"]["version"] == 2
    stale = frontdesk.post("/api/v1/cases", json={**_app(CODE), "materials": ["PMT"]})
    assert stale.status_code == 422 and "materials" in stale.get_json()["errors"]
    assert designer.get(f"{ITEMS}/{CODE}").get_json()["version"] == 2


def _app(code):
    from tests.flows import application
    return application(item_code=code)


def test_published_versions_never_change(designer, v1):
    changed = copy.deepcopy(v1["guide"]) | {"name": "改名"}
    response = designer.put(f"{ITEMS}/{CODE}/versions/1", json=changed)
    assert response.status_code == 409 and "新建版本" in response.get_json()["message"]
    assert as_admin(designer).post(f"{ITEMS}/{CODE}/versions/1/publish").status_code == 409
    assert designer.delete(f"{ITEMS}/{CODE}/versions/1").status_code == 409
    assert designer.get(f"{ITEMS}/{CODE}").get_json()["name"] == v1["guide"]["name"]


def test_one_open_draft_at_a_time_and_drafts_can_be_discarded(designer, v1):
    assert designer.post(f"{ITEMS}/{CODE}/versions").status_code == 201
    second = designer.post(f"{ITEMS}/{CODE}/versions")
    assert second.status_code == 409 and second.get_json()["draft_version"] == 2
    assert designer.delete(f"{ITEMS}/{CODE}/versions/2").status_code == 204
    assert designer.get(f"{ITEMS}/{CODE}/versions/2").status_code == 404
    assert designer.post(f"{ITEMS}/{CODE}/versions").get_json()["version"] == 2


def test_an_unpublished_item_is_not_handled(as_user, designer):
    doc = guide_doc("TEST-VER-DRAFT")
    assert designer.post(ITEMS, json=doc).status_code == 201
    response = as_user("frontdesk").post("/api/v1/cases", json=_app("TEST-VER-DRAFT"))
    assert response.status_code == 422 and "尚未发布" in response.get_json()["errors"]["item_code"][0]
    assert designer.get(f"{ITEMS}/TEST-VER-DRAFT").status_code == 404


def test_export_then_import_reproduces_the_guide(designer):
    exported = designer.get(f"{ITEMS}/610118-SCJG-0001/versions/1/export?embed=true")
    assert exported.status_code == 200
    doc = exported.get_json()
    sqs = doc["guide"]["materials"][0]
    assert sqs["blank_template"]["content_base64"] and sqs["blank_template"]["filename"].endswith(".pdf")
    doc["item_code"], doc["base_code"] = "TEST-COPY-0001", "000999002000"
    imported = designer.post("/api/v1/catalog/import", json=doc)
    assert imported.status_code == 201, imported.get_json()
    assert imported.get_json()["findings"] == []
    assert as_admin(designer).post(f"{ITEMS}/TEST-COPY-0001/versions/1/publish").status_code == 200
    original = designer.get(f"{ITEMS}/610118-SCJG-0001").get_json()
    copied = designer.get(f"{ITEMS}/TEST-COPY-0001").get_json()
    differ = {"item_code", "base_code", "guide_url", "qr_url", "effective_from", "related_policies"}  # the item's own
    assert {k: v for k, v in copied.items() if k not in differ} == {k: v for k, v in original.items() if k not in differ}

    # Importing the same item again puts the document into a new draft, not over the published one;
    # a document without halls leaves the live item's halls alone.
    doc["guide"]["legal_change"] = "测试：再次导入"
    del doc["halls"], doc["citywide"]
    again = designer.post("/api/v1/catalog/import", json=doc)
    assert again.status_code == 200 and again.get_json()["version"] == 2 and again.get_json()["status"] == "draft"
    assert [h["code"] for h in designer.get(f"{ITEMS}/TEST-COPY-0001").get_json()["halls"]] == ["HY-GTJD", "HY-ZWFW"]


def test_import_rejects_a_forged_attachment(designer):
    doc = guide_doc("TEST-FORGED", materials=[material("SQB", "申请表", category="form",
                                                      blank_template={"filename": "a.pdf", "content_base64": "TVo="},
                                                      sample=None)])
    response = designer.post("/api/v1/catalog/import", json=doc)
    assert response.status_code == 422
    assert "materials[0].blank_template" in response.get_json()["errors"]
    assert designer.get(f"{ITEMS}/TEST-FORGED/versions").status_code == 404


def test_retained_certificate_catalogue_is_kept_by_administrators(as_user, designer):
    admin = as_user("admin")
    body = {"code": "ZM-100", "name": "测试证明", "issuing_body": "测试机构", "legal_basis": "《测试条例》第一条"}
    assert designer.post("/api/v1/catalog/retained-certificates", json=body).status_code == 403
    assert admin.post("/api/v1/catalog/retained-certificates", json=body).status_code == 201
    assert admin.post("/api/v1/catalog/retained-certificates", json=body).status_code == 409
    codes = [c["code"] for c in designer.get("/api/v1/catalog/retained-certificates").get_json()["certificates"]]
    assert "ZM-100" in codes and "ZM-004" in codes
    # ZM-004 backs a published demo guide (公共场所卫生许可): removing it would break art. 7(2).
    in_use = admin.delete("/api/v1/catalog/retained-certificates/ZM-004")
    assert in_use.status_code == 409 and "610118-WJ-0002" in in_use.get_json()["items"]
    assert admin.delete("/api/v1/catalog/retained-certificates/ZM-100").status_code == 204
    assert admin.delete("/api/v1/catalog/retained-certificates/ZM-100").status_code == 404


def test_cli_exports_and_imports_guides(app, tmp_path):
    import json

    runner = app.test_cli_runner()
    exported = runner.invoke(args=["catalog", "export", "610118-RS-0004", "--embed"])
    assert exported.exit_code == 0, exported.output
    doc = json.loads(exported.output)
    assert doc["version"] == 1 and doc["status"] == "published"
    doc["item_code"], doc["base_code"] = "TEST-CLI-0004", "000999003000"
    good = tmp_path / "good.json"
    good.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    doc_bad = json.loads(json.dumps(doc)) | {"item_code": "TEST-CLI-BAD"}
    doc_bad["guide"]["promised_limit_days"] = 99
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc_bad, ensure_ascii=False), "utf-8")

    result = runner.invoke(args=["catalog", "import", "--publish", str(good), str(bad)])
    assert result.exit_code == 1
    assert "TEST-CLI-0004 v1 published" in result.output
    assert "limits.promised_above_legal" in result.output
    assert app.test_client().get("/api/v1/catalog/items/TEST-CLI-0004").status_code == 200
    assert app.test_client().get("/api/v1/catalog/items/TEST-CLI-BAD").status_code == 404
