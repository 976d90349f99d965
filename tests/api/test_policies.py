"""政策文件 (art. 30) through HTTP and the CLI: a policy is due for publication at the end of the
15th working day after the day it was made (the day itself not counted, holidays and adjusted
workdays as the calendar says); the owner is warned once working day 12 has ended and the
policy is flagged overdue once the 15th has; published ones appear on the public pages and on
the guides they affect."""
import ast
import io
from datetime import datetime, timedelta

import lxml.html
from PIL import Image
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.notify.models import Notification
from tests.api.test_staff_pages import signed_in, token_of

LOCAL = clock.LOCAL_TZ
FOOD = "610118-SCJG-0001"


def body(**overrides) -> dict:
    return {"title": "关于优化食品经营许可办理流程的通知", "issuing_body": "西安市鄠邑区市场监督管理局",
            "document_number": "鄠市监发〔2026〕40号", "made_on": "2026-11-30",
            "full_text": "一、申请材料可共享获取的不再提交。\n二、承诺时限压缩至 8 个工作日。", "item_codes": [FOOD],
            **overrides}


def create(api, **overrides) -> dict:
    response = api.post("/api/v1/policies", json=body(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def sweep(app) -> dict:
    result = app.test_cli_runner().invoke(args=["policies", "sweep"])
    assert result.exit_code == 0, result.output
    return ast.literal_eval(result.output)  # the command prints the counts


def outbox(app, kind: str, policy_id: int) -> list[tuple[str, str, str]]:
    """(recipient, channel, body) of the policy's messages of `kind`, oldest first."""
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id))
        found = [(n.recipient, n.channel, n.body) for n in rows if n.params.get("policy_id") == policy_id]
        db.session.remove()
    return found


def give_contact(app, username: str, email: str) -> None:
    """An administrator enters the address a member of staff is warned at (/admin/users)."""
    client = signed_in(app, "admin")
    page = client.get("/admin/users")
    done = client.post(f"/admin/users/{username}/contact", data={"csrf_token": token_of(page), "email": email,
                                                                 "phone": ""})
    assert done.status_code == 302


def at(*args) -> datetime:
    moment = datetime(*args, tzinfo=LOCAL)
    clock.freeze(moment)
    return moment


def test_a_new_draft_shows_its_publication_deadline(app, as_user):
    designer = as_user("designer")
    policy = create(designer)  # made today, Monday 2026-11-30
    assert policy["state"] == "draft" and policy["status"] == "draft" and policy["owner"] == "designer"
    assert policy["publish_due"] == "2026-12-21T15:59:59+00:00" and policy["publish_due_date"] == "2026-12-21"
    assert policy["warn_at"] == "2026-12-16T15:59:59+00:00"
    assert policy["working_days_left"] == 15 and policy["deadline_provisional"] is False
    assert policy["items"][0]["item_code"] == FOOD
    listed = designer.get("/api/v1/policies?status=draft").get_json()["items"]
    assert policy["id"] in [p["id"] for p in listed]
    page = signed_in(app, "designer").get("/policies/manage").get_data(as_text=True)
    row = lxml.html.fromstring(page).cssselect(f'tr[data-policy="{policy["id"]}"]')[0]
    assert "2026-12-21" in row.text_content() and row.get("data-status") == "draft"
    assert row.cssselect('td[data-label="剩余工作日"]')[0].text_content().strip() == "15"
    assert "政策文件" in [a.text_content() for a in lxml.html.fromstring(page).cssselect("header nav a")]


def test_a_policy_made_before_national_day_is_overdue_after_15_working_days_across_the_holiday(app, as_user):
    give_contact(app, "designer", "designer@example.cn")
    give_contact(app, "admin", "admin@example.cn")
    at(2026, 9, 28, 10, 0)  # Monday; 10-01…10-07 off, Saturday 10-10 a working day
    designer = as_user("designer")
    policy = create(designer, made_on="2026-09-28", item_codes=[])
    pid = policy["id"]
    # 9-29, 9-30, 10-08, 10-09, 10-10 (调休), 10-12 … 10-16, 10-19, 10-20 (12th), 10-21, 10-22, 10-23 (15th)
    assert policy["warn_at"] == "2026-10-20T15:59:59+00:00"
    assert policy["publish_due"] == "2026-10-23T15:59:59+00:00"
    made_in_holiday = create(designer, made_on="2026-09-25", item_codes=[])  # 中秋节 itself: not counted either
    assert made_in_holiday["publish_due_date"] == "2026-10-22"

    at(2026, 10, 20, 23, 59, 58)  # working day 12 has not ended
    sweep(app)
    assert outbox(app, "policy_warning", pid) == []
    assert designer.get(f"/api/v1/policies/{pid}").get_json()["status"] == "draft"

    at(2026, 10, 21, 8, 30)
    sweep(app)
    sweep(app)  # a second round (or a second scheduler) warns nobody again
    [(recipient, channel, text)] = outbox(app, "policy_warning", pid)
    assert (recipient, channel) == ("designer@example.cn", "email")
    assert policy["title"] in text and "2026年10月23日" in text and "还剩 2 个工作日" in text
    seen = designer.get(f"/api/v1/policies/{pid}").get_json()
    assert seen["status"] == "due_soon" and seen["working_days_left"] == 2 and seen["warned_at"]
    page = signed_in(app, "designer").get("/policies/manage").get_data(as_text=True)
    assert "warn-yellow" in lxml.html.fromstring(page).cssselect(f'tr[data-policy="{pid}"]')[0].get("class")

    at(2026, 10, 23, 23, 59, 59)  # the end of working day 15: still in time
    sweep(app)
    assert outbox(app, "policy_overdue", pid) == []
    assert designer.get(f"/api/v1/policies/{pid}").get_json()["status"] == "due_soon"
    assert pid not in [p["id"] for p in designer.get("/api/v1/policies?status=overdue").get_json()["items"]]

    clock.advance(timedelta(seconds=1))
    assert sweep(app)["overdue"] >= 1
    sweep(app)
    told = outbox(app, "policy_overdue", pid)
    assert sorted(r for r, _, _ in told) == ["admin@example.cn", "designer@example.cn"]
    assert len(outbox(app, "policy_warning", pid)) == 1
    seen = designer.get(f"/api/v1/policies/{pid}").get_json()
    assert seen["status"] == "overdue" and seen["overdue_at"] and seen["working_days_left"] == 0  # Saturday
    assert pid in [p["id"] for p in designer.get("/api/v1/policies?status=overdue").get_json()["items"]]
    page = signed_in(app, "designer").get("/policies/manage").get_data(as_text=True)
    assert "warn-red" in lxml.html.fromstring(page).cssselect(f'tr[data-policy="{pid}"]')[0].get("class")

    late = designer.post(f"/api/v1/policies/{pid}/publish").get_json()
    assert late["status"] == "published_late" and late["working_days_left"] is None


def test_publishing_in_time_and_a_published_policy_never_changes(app, as_user):
    designer = as_user("designer")
    policy = create(designer, made_on="2026-11-20")
    clock.advance(timedelta(days=3))
    published = designer.post(f"/api/v1/policies/{policy['id']}/publish")
    assert published.status_code == 200 and published.get_json()["status"] == "published_on_time"
    assert designer.put(f"/api/v1/policies/{policy['id']}", json={"title": "改"}).status_code == 409
    assert designer.post(f"/api/v1/policies/{policy['id']}/publish").status_code == 409
    graphic = designer.post(f"/api/v1/policies/{policy['id']}/graphic", data={"file": (io.BytesIO(_png()), "g.png")},
                            content_type="multipart/form-data")
    assert graphic.status_code == 409
    on_time = designer.get("/api/v1/policies?status=published_on_time").get_json()["items"]
    assert policy["id"] in [p["id"] for p in on_time]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (183, 28, 28)).save(out, format="PNG")
    return out.getvalue()


def test_published_policies_are_public_with_their_interpretation_and_guides(app, as_user):
    designer, anyone = as_user("designer"), as_user()
    policy = create(designer, qa="问：何时施行？\n答：自公布之日起施行。", video_url="https://video.example.cn/zcjd/40")
    pid = policy["id"]
    uploaded = designer.post(f"/api/v1/policies/{pid}/graphic",
                             data={"file": (io.BytesIO(_png()), "一图读懂.png")}, content_type="multipart/form-data")
    assert uploaded.status_code == 200 and uploaded.get_json()["graphic_url"].endswith(f"/policies/{pid}/graphic")
    assert anyone.get(f"/api/v1/public/policies/{pid}").status_code == 404  # a draft is nobody's business yet
    assert anyone.get(f"/policies/{pid}").status_code == 404
    assert anyone.get(f"/policies/{pid}/graphic").status_code == 404
    assert pid not in [p["id"] for p in anyone.get("/api/v1/public/policies").get_json()["items"]]
    assert f"/policies/{pid}" not in anyone.get(f"/guides/{FOOD}").get_data(as_text=True)

    designer.post(f"/api/v1/policies/{pid}/publish")
    listed = anyone.get("/api/v1/public/policies").get_json()["items"]
    assert pid in [p["id"] for p in listed] and "owner" not in listed[0] and "status" not in listed[0]
    one = anyone.get(f"/api/v1/public/policies/{pid}").get_json()
    assert one["items"] == [{"item_code": FOOD, "name": "食品经营许可（新办）", "guide_url": f"http://localhost/guides/{FOOD}"}]
    page = lxml.html.fromstring(anyone.get(f"/policies/{pid}").get_data(as_text=True))
    assert "自公布之日起施行" in page.cssselect("#qa")[0].text_content()
    assert page.cssselect("#video")[0].get("href") == "https://video.example.cn/zcjd/40"
    graphic = anyone.get(page.cssselect("#graphic")[0].get("href"))
    assert graphic.status_code == 200 and graphic.mimetype == "image/png"
    assert [a.get("href") for a in page.cssselect("#guides a")] == [f"http://localhost/guides/{FOOD}"]
    public_list = lxml.html.fromstring(anyone.get("/policies").get_data(as_text=True))
    assert f"/policies/{pid}" in [a.get("href") for a in public_list.cssselect("#policies a")]

    guide = lxml.html.fromstring(anyone.get(f"/guides/{FOOD}").get_data(as_text=True))
    links = [a.get("href") for a in guide.cssselect("#related_policies a")]
    assert f"http://localhost/policies/{pid}" in links
    record = anyone.get(f"/api/v1/catalog/items/{FOOD}").get_json()
    assert pid in [p["id"] for p in record["related_policies"]]


def test_the_demo_seed_has_published_policies_on_their_guides(app, as_user):
    anyone = as_user()
    titles = [p["title"] for p in anyone.get("/api/v1/public/policies").get_json()["items"]]
    assert "西安市鄠邑区高龄老人生活补贴发放管理办法" in titles
    guide = anyone.get("/guides/610118-MZ-0005").get_data(as_text=True)
    assert "高龄老人生活补贴发放管理办法" in guide
    drafts = as_user("admin").get("/api/v1/policies?status=unpublished").get_json()["items"]
    assert drafts and all(p["title"] not in titles for p in drafts)


def test_bad_input_is_refused_naming_the_field(app, as_user):
    designer = as_user("designer")

    def refused(**overrides):
        response = designer.post("/api/v1/policies", json=body(**overrides))
        assert response.status_code == 422, response.get_json()
        return response.get_json()["errors"]

    assert "made_on" in refused(made_on="2026-12-01")  # tomorrow: not made yet
    assert "made_on" in refused(made_on="30/11/2026")
    assert "video_url" in refused(video_url="javascript:alert(1)")
    assert "video_url" in refused(video_url="ftp://video.example.cn/a.mp4")
    assert refused(item_codes=[FOOD, "610118-NOPE-0001"])["item_codes"] == ["事项编码不存在：610118-NOPE-0001"]
    assert "title" in refused(title="")
    assert "owner" in refused(owner="nobody")
    assert "colour" in refused(colour="red")
    policy = create(designer)
    moved = designer.put(f"/api/v1/policies/{policy['id']}", json={"made_on": "2026-12-02"})
    assert moved.status_code == 422 and "made_on" in moved.get_json()["errors"]
    text = designer.post(f"/api/v1/policies/{policy['id']}/graphic",
                         data={"file": (io.BytesIO(b"just text"), "a.png")}, content_type="multipart/form-data")
    assert text.status_code == 422 and "file" in text.get_json()["errors"]
    assert designer.get("/api/v1/policies?status=late").status_code == 422
    assert designer.get("/api/v1/policies/999999").status_code == 404


def test_only_policy_editors_draft_and_publish(app, as_user):
    frontdesk, admin = as_user("frontdesk"), as_user("admin")
    assert frontdesk.post("/api/v1/policies", json=body()).status_code == 403
    assert frontdesk.get("/api/v1/policies").status_code == 403
    policy = create(admin)
    assert admin.get(f"/api/v1/policies/{policy['id']}").get_json()["owner"] == "admin"
    assert frontdesk.put(f"/api/v1/policies/{policy['id']}", json={"title": "x"}).status_code == 403
    assert frontdesk.post(f"/api/v1/policies/{policy['id']}/publish").status_code == 403
    assert as_user().post("/api/v1/policies", json=body()).status_code == 401
    assert signed_in(app, "frontdesk").get("/policies/manage").status_code == 403


def test_the_staff_page_drafts_edits_and_publishes(app, as_user):
    client = signed_in(app, "designer")
    page = client.get("/policies/manage")
    form = {"csrf_token": token_of(page), "title": "鄠邑区工伤认定便民措施", "issuing_body": "西安市鄠邑区人力资源和社会保障局",
            "document_number": "", "made_on": "2026-11-30", "full_text": "一、工伤认定申请可网上提交。", "qa": "",
            "video_url": "", "item_codes": "610118-RS-0004", "owner": "admin"}
    assert client.post("/policies/manage", data=form).status_code == 302
    [policy] = [p for p in as_user("designer").get("/api/v1/policies").get_json()["items"]
                if p["title"] == "鄠邑区工伤认定便民措施"]
    assert policy["owner"] == "admin" and policy["publish_due_date"] == "2026-12-21"
    editing = client.get(f"/policies/manage?edit={policy['id']}")
    assert "鄠邑区工伤认定便民措施" in lxml.html.fromstring(editing.get_data(as_text=True)).cssselect("#policy-form")[0] \
        .cssselect('input[name="title"]')[0].get("value")
    bad = client.post(f"/policies/manage/{policy['id']}", data={**form, "video_url": "www.example.cn"})
    assert bad.status_code == 422 and "视频链接" in bad.get_data(as_text=True)
    moved = client.post(f"/policies/manage/{policy['id']}", data={**form, "made_on": "2026-11-27"})
    assert moved.status_code == 302
    assert as_user("admin").get(f"/api/v1/policies/{policy['id']}").get_json()["publish_due_date"] == "2026-12-18"
    published = client.post(f"/policies/manage/{policy['id']}/publish", data={"csrf_token": token_of(page)})
    assert published.status_code == 302
    assert as_user().get(f"/api/v1/public/policies/{policy['id']}").status_code == 200
    assert client.post(f"/policies/manage/{policy['id']}/publish", data={}).status_code == 400  # no CSRF token


def test_a_corrected_calendar_moves_the_deadline_of_a_draft(app, as_user):
    designer = as_user("designer")
    draft = create(designer)  # due at the end of Monday 2026-12-21
    published = create(designer, title="已公开的政策")
    designer.post(f"/api/v1/policies/{published['id']}/publish")
    closed = as_user("admin").put("/api/v1/calendar/days/2026-12-14", json={"is_workday": False, "name": "临时闭厅"})
    assert closed.status_code == 200
    sweep(app)  # the next scheduler round recounts unpublished policies
    assert designer.get(f"/api/v1/policies/{draft['id']}").get_json()["publish_due_date"] == "2026-12-22"
    assert designer.get(f"/api/v1/policies/{published['id']}").get_json()["publish_due_date"] == "2026-12-21"


def _count(app) -> int:
    from sqlalchemy import func

    from app.policies.models import Policy
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(Policy))
        db.session.remove()
    return n


def test_a_date_made_more_than_a_year_ago_is_refused_before_anything_is_written(app, as_user):
    designer, client = as_user("designer"), signed_in(app, "designer")  # today: 2026-11-30
    before = _count(app)
    for old in ("2010-01-01", "0001-01-01", "2025-11-29"):
        response = designer.post("/api/v1/policies", json=body(made_on=old))
        assert response.status_code == 422, response.get_json()
        assert "2025-11-30" in response.get_json()["errors"]["made_on"][0]
    page = client.get("/policies/manage")
    assert lxml.html.fromstring(page.get_data(as_text=True)).cssselect('input[name="made_on"]')[0].get("min") \
        == "2025-11-30"
    form = {"csrf_token": token_of(page), "title": "旧政策", "issuing_body": "西安市鄠邑区人民政府", "document_number": "",
            "made_on": "0001-01-01", "full_text": "正文", "qa": "", "video_url": "", "item_codes": "", "owner": "designer"}
    refused = client.post("/policies/manage", data=form)
    assert refused.status_code == 422 and "制定日期" in refused.get_data(as_text=True)
    assert _count(app) == before
    assert designer.get("/api/v1/policies").status_code == 200
    assert client.get("/policies/manage").status_code == 200
    year_ago = create(designer, made_on="2025-11-30")  # the bound itself is accepted
    assert year_ago["status"] == "overdue" and year_ago["working_days_left"] < -200
    moved = designer.put(f"/api/v1/policies/{create(designer)['id']}", json={"made_on": "2010-01-01"})
    assert moved.status_code == 422 and "made_on" in moved.get_json()["errors"]


def test_a_row_made_long_ago_never_breaks_the_lists(app, as_user):
    """A row from before made_on was bounded (or entered around the API) still lists: beyond the
    calendar's reach the working days left are counted as weekdays."""
    from app.auth.models import User
    from app.bootstrap import runtime_of
    from app.calendar import service as calendar
    from app.policies.models import DRAFT, Policy
    from app.policies.service import apply_deadlines

    with app.app_context():
        now = clock.now()
        owner = db.session.scalar(select(User).where(User.username == "designer"))
        row = Policy(title="十多年前的政策", issuing_body="西安市户县人民政府", made_on=datetime(2010, 1, 4).date(),
                     full_text="正文", owner=owner, state=DRAFT, created_at=now, created_by="designer", updated_at=now)
        apply_deadlines(row, calendar.working(db.session, runtime_of(app).settings.end_of_day), now)
        db.session.add(row)
        db.session.commit()
        pid = row.id
        db.session.remove()
    designer = as_user("designer")
    listed = designer.get("/api/v1/policies")
    assert listed.status_code == 200
    [old] = [p for p in listed.get_json()["items"] if p["id"] == pid]
    assert old["status"] == "overdue" and old["working_days_left"] < -4000
    page = signed_in(app, "designer").get("/policies/manage")
    assert page.status_code == 200 and f'data-policy="{pid}"' in page.get_data(as_text=True)
    assert designer.get(f"/api/v1/policies/{pid}").status_code == 200
    sweep(app)  # the scheduler's round copes as well


BAD_VIDEO_LINKS = ("http://[::1", "http://[zz]/", "http://ex.com:99999/", "http://ex.com:abc/", "https://",
                   "http://ex.com/a b")


def test_a_malformed_video_link_is_refused_naming_the_field(app, as_user):
    designer, client = as_user("designer"), signed_in(app, "designer")
    policy = create(designer)
    page = client.get("/policies/manage")
    form = {"csrf_token": token_of(page), "title": "视频链接测试", "issuing_body": "西安市鄠邑区人民政府",
            "document_number": "", "made_on": "2026-11-30", "full_text": "正文", "qa": "", "item_codes": "",
            "owner": "designer"}
    for link in BAD_VIDEO_LINKS:
        created = designer.post("/api/v1/policies", json=body(video_url=link))
        assert created.status_code == 422 and "video_url" in created.get_json()["errors"], (link, created.get_json())
        changed = designer.put(f"/api/v1/policies/{policy['id']}", json={"video_url": link})
        assert changed.status_code == 422 and "video_url" in changed.get_json()["errors"], (link, changed.get_json())
        on_page = client.post("/policies/manage", data={**form, "video_url": link})
        assert on_page.status_code == 422 and "视频链接" in on_page.get_data(as_text=True), link
        edited = client.post(f"/policies/manage/{policy['id']}", data={**form, "video_url": link})
        assert edited.status_code == 422 and "视频链接" in edited.get_data(as_text=True), link
    fine = designer.put(f"/api/v1/policies/{policy['id']}", json={"video_url": "http://[::1]:8080/zcjd/40"})
    assert fine.status_code == 200 and fine.get_json()["video_url"] == "http://[::1]:8080/zcjd/40"


def test_the_date_made_is_fixed_once_the_owner_was_warned_or_the_policy_flagged(app, as_user):
    at(2026, 9, 28, 10, 0)
    designer, admin = as_user("designer"), as_user("admin")
    policy = create(designer, made_on="2026-09-28", item_codes=[])
    pid = policy["id"]
    earlier = designer.put(f"/api/v1/policies/{pid}", json={"made_on": "2026-09-25"})  # not warned yet: it moves
    assert earlier.status_code == 200 and earlier.get_json()["publish_due_date"] == "2026-10-22"
    designer.put(f"/api/v1/policies/{pid}", json={"made_on": "2026-09-28"})

    at(2026, 10, 21, 8, 30)
    sweep(app)
    warned = designer.get(f"/api/v1/policies/{pid}").get_json()
    assert warned["warned_at"] and warned["status"] == "due_soon"
    moved = designer.put(f"/api/v1/policies/{pid}", json={"made_on": "2026-10-20"})
    assert moved.status_code == 422, moved.get_json()
    assert "已提醒" in moved.get_json()["errors"]["made_on"][0] and set(moved.get_json()["errors"]) == {"made_on"}
    kept = designer.get(f"/api/v1/policies/{pid}").get_json()
    assert (kept["made_on"], kept["warned_at"], kept["publish_due"]) == ("2026-09-28", warned["warned_at"],
                                                                         warned["publish_due"])
    same = designer.put(f"/api/v1/policies/{pid}", json={"made_on": "2026-09-28", "title": "改过标题"})
    assert same.status_code == 200 and same.get_json()["warned_at"] == warned["warned_at"]

    at(2026, 10, 24, 0, 0, 1)
    sweep(app)
    flagged = designer.get(f"/api/v1/policies/{pid}").get_json()
    assert flagged["overdue_at"] and flagged["status"] == "overdue"
    moved = admin.put(f"/api/v1/policies/{pid}", json={"made_on": "2026-10-23"})
    assert moved.status_code == 422 and "已标记超期" in moved.get_json()["errors"]["made_on"][0]
    client = signed_in(app, "designer")
    page = client.get(f"/policies/manage?edit={pid}")
    made_on = lxml.html.fromstring(page.get_data(as_text=True)).cssselect('#policy-form input[name="made_on"]')[0]
    assert made_on.get("readonly") is not None and made_on.get("value") == "2026-09-28"
    form = {"csrf_token": token_of(page), "title": "改过标题", "issuing_body": policy["issuing_body"],
            "document_number": "", "made_on": "2026-09-28", "full_text": "新的正文", "qa": "", "video_url": "",
            "item_codes": "", "owner": "designer"}
    assert client.post(f"/policies/manage/{pid}", data=form).status_code == 302  # same date: the rest is saved
    on_page = client.post(f"/policies/manage/{pid}", data={**form, "made_on": "2026-10-23"})
    assert on_page.status_code == 422 and "制定日期不能再修改" in on_page.get_data(as_text=True)
    after = designer.get(f"/api/v1/policies/{pid}").get_json()
    assert after["full_text"] == "新的正文" and after["made_on"] == "2026-09-28"
    assert after["overdue_at"] == flagged["overdue_at"] and after["status"] == "overdue"


def test_only_policy_editors_may_own_a_policy(app, as_user):
    admin, designer = as_user("admin"), as_user("designer")
    refused = admin.post("/api/v1/policies", json=body(owner="frontdesk"))
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["owner"]
    owned = create(admin, owner="designer")
    assert owned["owner"] == "designer"
    changed = designer.put(f"/api/v1/policies/{owned['id']}", json={"owner": "frontdesk"})
    assert changed.status_code == 422 and "owner" in changed.get_json()["errors"]
    assert designer.put(f"/api/v1/policies/{owned['id']}", json={"owner": "admin"}).get_json()["owner"] == "admin"
    page = lxml.html.fromstring(signed_in(app, "designer").get("/policies/manage").get_data(as_text=True))
    choices = [o.get("value") for o in page.cssselect('#policy-form select[name="owner"] option')]
    assert "admin" in choices and "designer" in choices and "frontdesk" not in choices
