"""The catalogue authoring pages over HTTP: bad input answers with the rule on a page (never a 500)
and keeps what is stored; designers draft, administrators publish and set halls."""
from tests.api.test_staff_pages import signed_in, token_of

ITEMS = "/catalog/manage"
SOURCE = "610118-SCJG-0001"


def _new_item(client, **fields):
    page = client.get(ITEMS)
    assert page.status_code == 200
    body = {"csrf_token": token_of(page), "name": "测试事项", "item_code": "610118-TEST-0201", "base_code": "610118TS0201",
            "level": "district", "process_key": "standard_licence", "copy_from": SOURCE, **fields}
    return client.post(ITEMS, data=body)


def test_a_new_item_starts_from_another_and_bad_codes_are_refused_with_the_rule(app):
    designer = signed_in(app, "designer")
    bad = _new_item(designer, item_code="有 空格")
    assert bad.status_code == 422 and "实施编码只能包含字母、数字" in bad.get_data(as_text=True)
    made = _new_item(designer)
    assert made.status_code == 302 and made.headers["Location"].endswith("/catalog/manage/610118-TEST-0201/versions/1")
    again = _new_item(designer)
    assert again.status_code == 422 and "已存在" in again.get_data(as_text=True)
    editor = designer.get("/catalog/manage/610118-TEST-0201/versions/1")
    assert editor.status_code == 200 and "保存并检查" in editor.get_data(as_text=True)
    assert "guide-publish" not in editor.get_data(as_text=True)
    listed = designer.get(ITEMS).get_data(as_text=True)
    assert "610118-TEST-0201" in listed and "标准许可事项办理流程" in listed
    # a second draft while one is open is refused on a page, the first one untouched
    item = designer.get("/catalog/manage/610118-TEST-0201")
    refused = designer.post("/catalog/manage/610118-TEST-0201/versions", data={"csrf_token": token_of(item)})
    assert refused.status_code == 422 and "已有未发布的草稿（第 1 版）" in refused.get_data(as_text=True)


def test_designers_cannot_publish_or_set_halls_and_clerks_cannot_reach_the_pages(app):
    designer = signed_in(app, "designer")
    assert _new_item(designer).status_code == 302
    page = designer.get("/catalog/manage/610118-TEST-0201")
    token = token_of(page)
    assert designer.post("/catalog/manage/610118-TEST-0201/versions/1/publish", data={"csrf_token": token}).status_code == 403
    halls = designer.post("/catalog/manage/610118-TEST-0201/halls", data={"csrf_token": token, "halls": "HY-ZWFW"})
    assert halls.status_code == 403
    assert signed_in(app, "frontdesk").get(ITEMS).status_code == 403
    assert designer.get("/catalog/manage/NO-SUCH").status_code == 404
    admin = signed_in(app, "admin")
    page = admin.get("/catalog/manage/610118-TEST-0201")
    published = admin.post("/catalog/manage/610118-TEST-0201/versions/1/publish", data={"csrf_token": token_of(page)})
    assert published.status_code == 302, published.get_data(as_text=True)[:500]
    assert "已发布" in admin.get("/catalog/manage/610118-TEST-0201").get_data(as_text=True)
    # the next version is a copy of the published one, opened in the editor
    page = admin.get("/catalog/manage/610118-TEST-0201")
    copied = admin.post("/catalog/manage/610118-TEST-0201/versions", data={"csrf_token": token_of(page)})
    assert copied.status_code == 302 and copied.headers["Location"].endswith("/610118-TEST-0201/versions/2")
