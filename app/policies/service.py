"""Policy documents (art. 30): drafting, the graphic, publishing, and what lists show. Time
comes from app.clock; each use case is one unit of work. The sweep that warns owners and flags
overdue policies is in app.policies.sweep."""
import re
from datetime import date, datetime, timedelta
from urllib.parse import urlparse

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app import clock
from app.auth import roles as R
from app.auth.models import User, UserRole
from app.calendar import service as calendar
from app.calendar.days import HolidayData, WorkingCalendar, working_days_between
from app.catalog.models import PUBLISHED as PUBLISHED_GUIDE
from app.catalog.models import ServiceItem
from app.database import unit_of_work
from app.errors import Conflict, NotFound, ValidationFailed
from app.files import service as files
from app.files.models import StoredFile
from app.files.service import FileStore
from app.policies.models import DRAFT, PUBLISHED, STATUS_LABELS, STATUS_WARNING, Policy
from app.settings import Settings

EDITOR_ROLES = (R.ADMIN, R.DESIGNER)  # who drafts and publishes policies, and may own one
WARN_DAYS = 12  # the owner is warned when working day 12 after the day made has ended
PUBLISH_DAYS = 15  # 政策文件自制定之日起 15 个工作日内公开
# Working days are counted day by day from the calendar up to this many days apart (the calendar's
# own reach is 3660); a list never fails on an older row, it counts weekdays only beyond that.
_COUNTED_DAYS = 3650
STATUSES = tuple(STATUS_LABELS)
FILTERS = STATUSES + ("unpublished", "published")
_LIMITS = {"title": 200, "issuing_body": 200, "document_number": 100, "full_text": 100_000, "qa": 20_000,
           "video_url": 500}
_REQUIRED = ("title", "issuing_body", "made_on", "full_text")
FIELD_LABELS = {"title": "标题", "issuing_body": "发文机关", "document_number": "文号", "made_on": "制定日期",
                "full_text": "全文", "qa": "解读问答", "video_url": "视频链接", "owner": "责任人",
                "item_codes": "涉及事项", "file": "图解"}


# --- deadlines and status -------------------------------------------------------------

def deadlines(made_on: date, working: WorkingCalendar) -> tuple[datetime, datetime, bool]:
    """(warn_at, publish_due, provisional): the ends of working days 12 and 15 after the day made."""
    warn_at, early = working.deadline(made_on, WARN_DAYS)
    due, late = working.deadline(made_on, PUBLISH_DAYS)
    return warn_at, due, early or late


def apply_deadlines(policy: Policy, working: WorkingCalendar, now: datetime) -> bool:
    """Set the deadline columns from the day made; a warning or flag that no longer holds (the
    day made or the calendar changed) is withdrawn so it can be given again. True if anything moved."""
    warn_at, due, provisional = deadlines(policy.made_on, working)
    moved = (policy.warn_at, policy.publish_due, policy.provisional) != (warn_at, due, provisional)
    policy.warn_at, policy.publish_due, policy.provisional = warn_at, due, provisional
    if policy.warned_at is not None and now < warn_at:
        policy.warned_at, moved = None, True
    if policy.overdue_at is not None and now <= due:
        policy.overdue_at, moved = None, True
    return moved


def status_of(policy: Policy, now: datetime) -> str:
    if policy.published_at is not None:
        return "published_on_time" if policy.published_at <= policy.publish_due else "published_late"
    if now > policy.publish_due:
        return "overdue"
    return "due_soon" if now >= policy.warn_at else "draft"


def _status_filter(status: str, now: datetime):
    unpublished = Policy.published_at.is_(None)
    return {
        "draft": and_(unpublished, Policy.warn_at > now),
        "due_soon": and_(unpublished, Policy.warn_at <= now, Policy.publish_due >= now),
        "overdue": and_(unpublished, Policy.publish_due < now),
        "unpublished": unpublished,
        "published": Policy.published_at.is_not(None),
        "published_on_time": Policy.published_at <= Policy.publish_due,
        "published_late": Policy.published_at > Policy.publish_due,
    }[status]


def working_days_left(policy: Policy, data: HolidayData, now: datetime) -> int | None:
    """Working days after today until the deadline has ended (negative when overdue); none once published."""
    if policy.published_at is not None:
        return None
    today = now.astimezone(clock.LOCAL_TZ).date()
    due = policy.publish_due.astimezone(clock.LOCAL_TZ).date()
    if abs((due - today).days) > _COUNTED_DAYS:  # only a row older than made_on's bound: never a 500
        return _weekdays_between(today, due)
    return working_days_between(today, due, data)


def _weekdays_between(a: date, b: date) -> int:
    """Mondays to Fridays in (a, b], negative when b is before a: the count where the calendar has no reach."""
    if b < a:
        return -_weekdays_between(b, a)
    weeks, rest = divmod((b - a).days, 7)
    return weeks * 5 + sum(1 for k in range(1, rest + 1) if (a + timedelta(days=k)).weekday() < 5)


# --- input ----------------------------------------------------------------------------

def _valid_url(value: str) -> bool:
    if re.search(r"[\s\x00-\x1f<>\"]", value):
        return False
    try:  # an unclosed or bad [IPv6] host, a port out of range or not a number: ValueError
        parsed = urlparse(value)
        host, _port = parsed.hostname, parsed.port
    except ValueError:
        return False
    return parsed.scheme in ("http", "https") and bool(host)


def earliest_made_on(today: date) -> date:
    """The oldest 制定日期 accepted: one year before today (art. 30 is about newly made policies)."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def _editor(session: Session, username: str) -> User | None:
    """The active user of that name holding a policy editor's role, if any."""
    return session.scalar(select(User).where(User.username == username, User.active.is_(True),
                                             User.roles.any(UserRole.role.in_(EDITOR_ROLES))))


def _clean(session: Session, data: dict, partial: bool, current: Policy | None = None) -> dict:
    """Check the fields given (all of them unless `partial`; `current`: the draft they change, read
    under its lock); ValidationFailed names each bad one. Nothing is written before this passes."""
    errors: dict[str, list[str]] = {}
    out: dict = {}
    for name in _REQUIRED:
        if not partial or name in data:
            value = data.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                errors[name] = ["必填项"]
    for name, limit in _LIMITS.items():
        if name in data and name not in errors:
            value = (data[name] or "").strip() or None
            if value is not None and len(value) > limit:
                errors[name] = [f"最多 {limit} 个字符"]
            out[name] = value
    if out.get("video_url") and not _valid_url(out["video_url"]):
        errors["video_url"] = ["视频链接须为 http:// 或 https:// 开头的网址"]
    if data.get("made_on") is not None and "made_on" not in errors:
        made_on = data["made_on"]
        if not isinstance(made_on, date):
            errors["made_on"] = ["日期格式应为 YYYY-MM-DD"]
        elif current is not None and made_on == current.made_on:
            pass  # unchanged (the page sends every field): nothing to check, nothing moves
        elif made_on > clock.today():
            errors["made_on"] = [f"制定日期不能晚于今天（{clock.today().isoformat()}）"]
        elif made_on < earliest_made_on(clock.today()):
            errors["made_on"] = [f"制定日期不能早于{earliest_made_on(clock.today()).isoformat()}（一年前）："
                                 "此处登记新制定、须在 15 个工作日内公开的政策文件"]
        elif current is not None and (current.warned_at or current.overdue_at):
            flagged = "已标记超期" if current.overdue_at else "已提醒即将到期"
            errors["made_on"] = [f"该政策文件{flagged}，制定日期不能再修改（公开期限由制定日期计算，"
                                 f"现为{current.made_on.isoformat()}）"]
        else:
            out["made_on"] = made_on
    if data.get("owner"):
        unchanged = current is not None and data["owner"] == current.owner.username
        owner = current.owner if current is not None and unchanged else _editor(session, data["owner"])
        if owner is None:
            errors["owner"] = [f"责任人须为在职的政策文件编辑人员（系统管理员或流程设计人员）：{data['owner']}"]
        else:
            out["owner"] = owner
    if data.get("item_codes") is not None:
        codes = list(dict.fromkeys(c.strip() for c in data["item_codes"] if c and c.strip()))
        items = {i.code: i for i in session.scalars(select(ServiceItem).where(ServiceItem.code.in_(codes)))}
        unknown = [c for c in codes if c not in items]
        if unknown:
            errors["item_codes"] = [f"事项编码不存在：{c}" for c in unknown]
        else:
            out["items"] = [items[c] for c in codes]
    if errors:
        raise ValidationFailed("政策文件信息有误：" + "；".join(f"{FIELD_LABELS[k]}：{v[0]}" for k, v in errors.items()),
                               errors)
    return out


# --- use cases ------------------------------------------------------------------------

def get(session: Session, policy_id: int) -> Policy:
    row = session.get(Policy, policy_id)
    if row is None:
        raise NotFound("政策文件不存在")
    return row


def draft_or_none(session: Session, policy_id: int) -> Policy | None:
    """The draft to edit, if `policy_id` names one (a published policy is not edited)."""
    row = session.get(Policy, policy_id) if policy_id else None
    return row if row is not None and row.state == DRAFT else None


def graphic_of(session: Session, row: Policy) -> StoredFile:
    if not row.graphic_sha256:
        raise NotFound("没有图解")
    return files.get(session, row.graphic_sha256)


def _draft(session: Session, policy_id: int) -> Policy:
    """The policy re-read under a row lock (SELECT … FOR UPDATE; on SQLite the write transaction
    serialises): a concurrent update or publish waits, and the state checked is the committed one."""
    row = session.scalars(select(Policy).where(Policy.id == policy_id).with_for_update(of=Policy)
                          .execution_options(populate_existing=True)).one_or_none()
    if row is None:
        raise NotFound("政策文件不存在")
    if row.state != DRAFT:
        raise Conflict("政策文件已公开，不能再修改")
    return row


def create(session: Session, data: dict, actor_id: int, actor: str, settings: Settings) -> Policy:
    values = _clean(session, data, partial=False)
    now = clock.now()
    with unit_of_work(session):
        owner = values.pop("owner", None) or session.get(User, actor_id)
        items = values.pop("items", [])
        row = Policy(**values, owner=owner, items=items, state=DRAFT, created_at=now, created_by=actor,
                     updated_at=now)
        apply_deadlines(row, calendar.working(session, settings.end_of_day), now)
        session.add(row)
    return row


def update(session: Session, policy_id: int, data: dict, settings: Settings) -> Policy:
    """Change the fields given of a draft; a new day made moves its deadlines (refused once the
    owner was warned or the policy flagged overdue: the record of that must stay true)."""
    now = clock.now()
    with unit_of_work(session):
        row = _draft(session, policy_id)
        values = _clean(session, data, partial=True, current=row)
        for name, value in values.items():
            setattr(row, name, value)
        if "made_on" in values:
            apply_deadlines(row, calendar.working(session, settings.end_of_day), now)
        row.updated_at = now
    return row


def set_graphic(session: Session, store: FileStore, policy_id: int, content: bytes, name: str | None,
                actor: str) -> Policy:
    """The interpretation's graphic (图解): an image or PDF, checked by content like every upload."""
    with unit_of_work(session):
        row = _draft(session, policy_id)
        stored = files.store(session, store, content, name, field="file", by=actor)
        row.graphic_sha256, row.updated_at = stored.sha256, clock.now()
    return row


def publish(session: Session, policy_id: int, actor: str) -> Policy:
    with unit_of_work(session):
        row = _draft(session, policy_id)
        row.state, row.published_at, row.published_by = PUBLISHED, clock.now(), actor
    return row


def listing(session: Session, status: str | None = None, item_code: str | None = None) -> list[Policy]:
    """Staff: unpublished ones first, soonest due first; then published ones, newest first."""
    stmt = select(Policy).order_by(Policy.published_at.is_not(None), Policy.publish_due, Policy.published_at.desc(),
                                   Policy.id.desc())
    if status:
        stmt = stmt.where(_status_filter(status, clock.now()))
    if item_code:
        stmt = stmt.where(Policy.items.any(ServiceItem.code == item_code))
    return list(session.scalars(stmt))


def published(session: Session, item_id: int | None = None) -> list[Policy]:
    """The public list: published only, newest made first."""
    stmt = select(Policy).where(Policy.state == PUBLISHED).order_by(Policy.made_on.desc(), Policy.published_at.desc())
    if item_id is not None:
        stmt = stmt.where(Policy.items.any(ServiceItem.id == item_id))
    return list(session.scalars(stmt))


def published_one(session: Session, policy_id: int) -> Policy:
    row = session.get(Policy, policy_id)
    if row is None or row.state != PUBLISHED:
        raise NotFound("政策文件不存在或尚未公开")
    return row


def policy_url(base_url: str, policy_id: int) -> str:
    return f"{base_url.rstrip('/')}/policies/{policy_id}"


def related_policies(session: Session, item: ServiceItem, base_url: str) -> dict:
    """The guide's 相关政策 (a public extra of catalog.public): published policies affecting the item."""
    return {"related_policies": [
        {"id": p.id, "title": p.title, "issuing_body": p.issuing_body, "document_number": p.document_number,
         "made_on": p.made_on.isoformat(), "url": policy_url(base_url, p.id)} for p in published(session, item.id)]}


def staff_users(session: Session, keep: User | None = None) -> list[User]:
    """Who may be named owner: active policy editors (administrators, designers); `keep`, a
    draft's current owner, stays a choice so saving the draft does not change it silently."""
    people = {u.id: u for u in session.scalars(select(User).where(
        User.active.is_(True), User.roles.any(UserRole.role.in_(EDITOR_ROLES))))}
    if keep is not None:
        people.setdefault(keep.id, keep)
    return sorted(people.values(), key=lambda u: u.username)


# --- what lists show ------------------------------------------------------------------

def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _local_date(value: datetime) -> str:
    return value.astimezone(clock.LOCAL_TZ).date().isoformat()


def _item(item: ServiceItem, base_url: str) -> dict:
    guide = any(v.status == PUBLISHED_GUIDE for v in item.versions)  # a link only where a guide is published
    return {"item_code": item.code, "name": item.name,
            "guide_url": f"{base_url.rstrip('/')}/guides/{item.code}" if guide else None}


def public_record(row: Policy, base_url: str) -> dict:
    """What anyone may read of a published policy (the page and the JSON API)."""
    url = policy_url(base_url, row.id)
    return {"id": row.id, "title": row.title, "issuing_body": row.issuing_body,
            "document_number": row.document_number, "made_on": row.made_on.isoformat(),
            "published_at": _moment(row.published_at),
            "published_on": _local_date(row.published_at) if row.published_at else None, "full_text": row.full_text, "qa": row.qa,
            "graphic_url": f"{url}/graphic" if row.graphic_sha256 else None, "video_url": row.video_url,
            "items": [_item(i, base_url) for i in row.items], "url": url}


def staff_record(row: Policy, data: HolidayData, now: datetime, base_url: str) -> dict:
    status = status_of(row, now)
    return {**public_record(row, base_url), "state": row.state, "status": status, "status_label": STATUS_LABELS[status],
            "warning": STATUS_WARNING[status], "owner": row.owner.username, "owner_name": row.owner.display_name,
            "warn_at": _moment(row.warn_at), "publish_due": _moment(row.publish_due),
            "publish_due_date": _local_date(row.publish_due), "deadline_provisional": row.provisional,
            "working_days_left": working_days_left(row, data, now), "graphic_sha256": row.graphic_sha256,
            "warned_at": _moment(row.warned_at), "overdue_at": _moment(row.overdue_at),
            "published_by": row.published_by, "created_by": row.created_by, "created_at": _moment(row.created_at)}
