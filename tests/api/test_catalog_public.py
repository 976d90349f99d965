"""One-source publishing (art. 8): the guide page, the JSON API and the QR code come from the
same published record, without login; unknown and unpublished items are 404 everywhere."""
import io

import lxml.html
import pytest
import zxingcpp
from PIL import Image

from app.catalog.models import ITEM_TYPES

CODE = "610118-SCJG-0001"


@pytest.fixture
def anonymous(as_user):
    return as_user()


def _text(page, element_id: str) -> str:
    return " ".join(page.get_element_by_id(element_id).text_content().split())


def test_page_json_and_qr_agree(anonymous):
    data = anonymous.get(f"/api/v1/catalog/items/{CODE}")
    assert data.status_code == 200
    guide = data.get_json()
    html = anonymous.get(f"/guides/{CODE}")
    assert html.status_code == 200 and html.mimetype == "text/html"
    page = lxml.html.fromstring(html.get_data(as_text=True))

    assert guide["version"] == 1 and guide["item_type"] == "licence"
    assert _text(page, "name") == guide["name"]
    assert _text(page, "version") == str(guide["version"])
    for field in ("item_code", "base_code", "implementing_body", "fee_standard", "location", "hours",
                  "consultation_contact", "complaint_contact"):
        assert _text(page, field) == " ".join(guide[field].split()), field
    assert _text(page, "item_type") == ITEM_TYPES[guide["item_type"]] == guide["item_type_label"]
    assert _text(page, "legal_limit_days") == str(guide["legal_limit_days"])
    assert _text(page, "promised_limit_days") == str(guide["promised_limit_days"])
    assert _text(page, "handling_channels") == "、".join(guide["handling_channel_labels"])
    rendered = [li.get("data-code") for li in page.find_class("material")]
    assert rendered == [m["code"] for m in guide["materials"]]
    names = [" ".join(li.find_class("mname")[0].text.split()) for li in page.find_class("material")]
    assert names == [m["name"] for m in guide["materials"]]
    shared = [m for m in guide["materials"] if m["obtainable_by_sharing"]]
    assert shared and all(m["requirement"] == "exempt" for m in shared)
    assert page.cssselect('meta[name="viewport"]')  # laid out for phones

    qr = anonymous.get(f"/guides/{CODE}/qr.png")
    assert qr.status_code == 200 and qr.mimetype == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.data)))
    assert [d.text for d in decoded] == [guide["guide_url"]]
    assert guide["guide_url"].endswith(f"/guides/{CODE}")
    assert page.cssselect("div.qr img")[0].get("src") == guide["qr_url"]


def test_blank_forms_and_samples_are_downloadable_without_login(anonymous):
    guide = anonymous.get(f"/api/v1/catalog/items/{CODE}").get_json()
    form = next(m for m in guide["materials"] if m["category"] == "form")
    for url in (form["blank_template"], form["sample"]):
        response = anonymous.get(url.replace("http://localhost", ""))
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF") and response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_stored_file_outside_published_guides_is_not_public(as_user, anonymous):
    from app.demo import formpdf

    pdf = formpdf.render("未发布的空表", "测试", False)
    uploaded = as_user("designer").post("/api/v1/catalog/files", data={"file": (io.BytesIO(pdf), "x.pdf")},
                                        content_type="multipart/form-data").get_json()
    assert anonymous.get(f"/guides/files/{uploaded['sha256']}").status_code == 404
    assert anonymous.get("/guides/files/../../etc/passwd").status_code == 404


@pytest.mark.parametrize("code", ["NO-SUCH-ITEM", "610118-DEMO-9999"])  # unknown; draft only
def test_unknown_and_unpublished_items_are_404_everywhere(anonymous, code):
    assert anonymous.get(f"/api/v1/catalog/items/{code}").status_code == 404
    page = anonymous.get(f"/guides/{code}")
    assert page.status_code == 404 and "尚未发布" in page.get_data(as_text=True)
    assert anonymous.get(f"/guides/{code}/qr.png").status_code == 404


def test_catalogue_lists_published_items_by_type_department_and_hall(anonymous):
    everything = anonymous.get("/api/v1/catalog/items").get_json()
    codes = {i["item_code"] for i in everything["items"]}
    assert everything["total"] == 11 and "610118-DEMO-9999" not in codes
    assert len({i["item_type"] for i in everything["items"]}) == 6
    licences = anonymous.get("/api/v1/catalog/items?item_type=licence").get_json()
    assert {i["item_code"] for i in licences["items"]} == {"610118-SCJG-0001", "610118-SCJG-0003", "610118-WJ-0002",
                                                           "610118-SCJG-0011", "610118-LB-0001"}
    body = "西安市鄠邑区民政局"
    civil = anonymous.get(f"/api/v1/catalog/items?implementing_body={body}").get_json()
    assert {i["item_code"] for i in civil["items"]} == {"610118-MZ-0005", "610118-MZ-0006"}
    district = anonymous.get("/api/v1/catalog/items?hall=HY-ZWFW").get_json()
    assert "610118-MZ-0005" not in {i["item_code"] for i in district["items"]}  # street-only
    assert "610118-MZ-0006" in {i["item_code"] for i in district["items"]}  # citywide
    found = anonymous.get("/api/v1/catalog/items?q=工伤").get_json()
    assert [i["item_code"] for i in found["items"]] == ["610118-RS-0004"]
    assert anonymous.get("/api/v1/catalog/items?q=%25").get_json()["total"] == 0  # "%" is text, not a wildcard
    paged = anonymous.get("/api/v1/catalog/items?per_page=4&page=2").get_json()
    assert paged["total"] == 11 and len(paged["items"]) == 4
    assert anonymous.get("/api/v1/catalog/items?item_type=bribe").status_code == 422

    page = lxml.html.fromstring(anonymous.get("/guides?item_type=licence").get_data(as_text=True))
    assert {li.get("data-code") for li in page.find_class("item")} == {i["item_code"] for i in licences["items"]}
    assert _text(page, "total") == "5"
    searched = lxml.html.fromstring(anonymous.get("/guides?q=工伤").get_data(as_text=True))
    assert [li.get("data-code") for li in searched.find_class("item")] == ["610118-RS-0004"]
