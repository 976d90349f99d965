"""咨询 (art. 11): record a question by channel, give it a first responder who owns it until it
is answered (首问负责制), answer it (back to the asker; into the guide's FAQ when public), and
count how many were answered within one working day."""
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app import clock
from app.auth import roles as R
from app.auth.models import Hall, User
from app.auth.principal import Principal
from app.calendar import service as calendar
from app.cases import intake
from app.catalog.models import ServiceItem
from app.consultations.models import ANSWERED, CHANNELS, OPEN, Consultation
from app.database import locked, unit_of_work
from app.errors import Conflict, NotFound, PermissionDenied, TooManyRequests, ValidationFailed
from app.notify import service as notify
from app.parties.service import PHONE, normalise_phone
from app.settings import Settings

ANSWER_DAYS = 1  # art. 11: the first responder answers within one working day
STAFF_ROLES = tuple(R.HALL_ROLES)


def due_for(session: Session, created_at: datetime, settings: Settings) -> datetime:
    due, _ = calendar.working(session, settings.end_of_day).deadline(created_at.astimezone(clock.LOCAL_TZ).date(),
                                                                     ANSWER_DAYS)
    return due


def _details(channel: str, question: str, name: str | None, phone: str | None, email: str | None) -> dict:
    errors = {}
    if channel not in CHANNELS:
        errors["channel"] = ["必须是以下之一：" + "、".join(f"{k}（{v}）" for k, v in CHANNELS.items())]
    question = (question or "").strip()
    if not question or len(question) > 2000:
        errors["question"] = ["请填写咨询内容（不超过 2000 字）"]
    phone, email = normalise_phone(phone), (email or "").strip() or None
    if phone and not PHONE.match(phone):
        errors["phone"] = ["电话号码格式不正确"]
    if email and ("@" not in email or len(email) > 254):
        errors["email"] = ["电子邮箱格式不正确"]
    if errors:
        raise ValidationFailed("咨询信息有误", errors)
    return {"channel": channel, "question": question, "asker_name": (name or "").strip()[:100] or None,
            "asker_phone": phone, "asker_email": email}


def _item_and_hall(session: Session, item_code: str | None, hall_code: str | None) -> tuple:
    item = None
    if item_code:
        item = session.scalar(select(ServiceItem).where(ServiceItem.code == item_code))
        if item is None:
            raise ValidationFailed(f"事项 {item_code} 不在事项目录中", {"item_code": [f"事项 {item_code} 不在事项目录中"]})
    hall = session.scalar(select(Hall).where(Hall.code == hall_code)) if hall_code else None
    if hall_code and hall is None:
        raise ValidationFailed(f"大厅 {hall_code} 不存在", {"hall": [f"大厅 {hall_code} 不存在"]})
    if hall is None:
        # an online question about an item goes to the first hall that handles it (the district centre)
        halls = intake.handling_halls(session, item) if item else []
        hall = halls[0] if halls else session.scalar(select(Hall).where(Hall.level == "district").order_by(Hall.id))
        if hall is None:
            raise ValidationFailed("没有可以答复咨询的大厅", {"hall": ["请指定大厅"]})
    return item, hall


def record(session: Session, principal: Principal, *, channel: str, question: str, item_code: str | None,
           hall_code: str, name: str | None = None, phone: str | None = None, email: str | None = None,
           settings: Settings, answer: str | None = None, public: bool = False) -> Consultation:
    """A question a member of staff took (window, phone, letter…): they are its first responder;
    one answered on the spot is recorded answered."""
    details = _details(channel, question, name, phone, email)
    item, hall = _item_and_hall(session, item_code, hall_code)
    if not principal.may(hall.id, *STAFF_ROLES):
        raise PermissionDenied(f"您不是“{hall.name}”的工作人员")
    now = clock.now()
    with unit_of_work(session):
        row = Consultation(**details, item_id=item.id if item else None, hall_id=hall.id, state=OPEN,
                           first_responder=principal.username, taken_at=now, due_at=due_for(session, now, settings),
                           created_at=now, recorded_by=principal.username, public=False)
        session.add(row)
        if answer is not None and answer.strip():
            _answer(session, row, principal, answer, public)
    return row


def ask_online(session: Session, *, question: str, item_code: str | None, hall_code: str | None, name: str | None,
               phone: str | None, email: str | None, bucket: str, settings: Settings) -> Consultation:
    """A question asked on the public site without signing in: rate-limited per client address
    (IPv6 per /64); it waits in the hall's pool until a clerk takes it."""
    details = _details("online", question, name, phone, email)
    item, hall = _item_and_hall(session, item_code, hall_code)
    if hall.level == "community" or (item is not None and hall not in intake.handling_halls(session, item)):
        raise ValidationFailed("该大厅不办理此事项", {"hall": ["请选择办理该事项的大厅"]})
    now = clock.now()
    with unit_of_work(session):
        # parallel questions from one address take turns, so they cannot all pass the count
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"consult:{bucket}"})
        recent = session.execute(select(func.count()).select_from(Consultation).where(
            Consultation.client_bucket == bucket, Consultation.created_at > now - timedelta(hours=1))).scalar_one()
        if recent >= settings.consultations_per_hour:
            raise TooManyRequests("提问过于频繁，请一小时后再试，或拨打咨询电话", retry_after=3600)
        row = Consultation(**details, item_id=item.id if item else None, hall_id=hall.id, state=OPEN,
                           due_at=due_for(session, now, settings), created_at=now, client_bucket=bucket, public=False)
        session.add(row)
    return row


def _visible(principal: Principal, row: Consultation | None) -> Consultation:
    if row is None or not principal.may(row.hall_id, *STAFF_ROLES):
        raise NotFound("咨询不存在")
    return row


def get(session: Session, principal: Principal, consultation_id: int) -> Consultation:
    return _visible(principal, session.get(Consultation, consultation_id))


def take(session: Session, principal: Principal, consultation_id: int) -> Consultation:
    """Become the first responder of an online question nobody has taken: the first clerk wins."""
    with unit_of_work(session):
        row = _visible(principal, locked(session, Consultation, consultation_id))
        if row.first_responder == principal.username:
            return row
        if row.first_responder:
            holder = session.scalar(select(User.display_name).where(User.username == row.first_responder))
            raise Conflict(f"该咨询已由 {holder or '其他工作人员'} 首问负责", first_responder=row.first_responder)
        row.first_responder, row.taken_at = principal.username, clock.now()
    return row


def reassign(session: Session, principal: Principal, consultation_id: int, username: str) -> Consultation:
    """A supervisor hands an unanswered question to another clerk of the hall (the first
    responder is away): ownership moves, it never lapses."""
    with unit_of_work(session):
        row = _visible(principal, locked(session, Consultation, consultation_id))
        if not principal.may(row.hall_id, R.SUPERVISOR):
            raise PermissionDenied("只有督办人员可以改派咨询")
        if row.state != OPEN:
            raise Conflict("咨询已答复")
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.active or not any(g.hall_id == row.hall_id for g in user.roles):
            raise ValidationFailed("改派对象不是该大厅的在岗人员", {"username": [f"{username} 不是该大厅的在岗人员"]})
        row.first_responder, row.taken_at = user.username, clock.now()
    return row


def _answer(session: Session, row: Consultation, principal: Principal, text: str, public: bool) -> None:
    text = (text or "").strip()
    if not text or len(text) > 4000:
        raise ValidationFailed("请填写答复（不超过 4000 字）", {"answer": ["请填写答复（不超过 4000 字）"]})
    if public and row.item_id is None:
        raise ValidationFailed("未关联事项的咨询不能公开到办事指南", {"public": ["请先关联事项，或不公开"]})
    row.state, row.answer, row.answered_by, row.answered_at, row.public = (
        ANSWERED, text, principal.username, clock.now(), bool(public))
    notify.queue(session, kind="consultation_answer", text=f"您的咨询已答复：{text}", phone=row.asker_phone,
                 email=row.asker_email, params={"consultation": row.id}, subject="【鄠邑政务服务】咨询答复")


def answer(session: Session, principal: Principal, consultation_id: int, text: str, public: bool = False,
           item_code: str | None = None) -> Consultation:
    """The first responder answers (it goes to the asker; into the FAQ when public)."""
    with unit_of_work(session):
        row = _visible(principal, locked(session, Consultation, consultation_id))
        if row.state != OPEN:
            raise Conflict("咨询已答复")
        if row.first_responder is None:
            row.first_responder, row.taken_at = principal.username, clock.now()
        elif row.first_responder != principal.username and not principal.is_admin:
            raise Conflict(f"该咨询由 {row.first_responder} 首问负责，请由其答复", first_responder=row.first_responder)
        if item_code:
            row.item_id = _item_and_hall(session, item_code, None)[0].id
        _answer(session, row, principal, text, public)
    return row


def set_public(session: Session, principal: Principal, consultation_id: int, public: bool) -> Consultation:
    """Publish an answered question on the guide's FAQ, or take it down."""
    with unit_of_work(session):
        row = _visible(principal, locked(session, Consultation, consultation_id))
        if row.state != ANSWERED:
            raise Conflict("答复后才能公开")
        if public and row.item_id is None:
            raise ValidationFailed("未关联事项的咨询不能公开到办事指南", {"public": ["请先关联事项"]})
        if not (row.answered_by == principal.username or principal.may(row.hall_id, R.SUPERVISOR)):
            raise PermissionDenied("只有答复人或督办人员可以修改公开状态")
        row.public = bool(public)
    return row


def listing(session: Session, principal: Principal, *, scope: str = "mine", state: str | None = None,
            limit: int = 200) -> list[Consultation]:
    """scope mine: the caller's own; pool: the halls' questions nobody has taken; all: every
    question of the caller's halls. Unanswered first, oldest due first."""
    stmt = select(Consultation).order_by(Consultation.state != OPEN, Consultation.due_at, Consultation.id)
    if not principal.is_admin:
        stmt = stmt.where(Consultation.hall_id.in_(principal.halls_for(*STAFF_ROLES) or {-1}))
    if scope == "mine":
        stmt = stmt.where(Consultation.first_responder == principal.username)
    elif scope == "pool":
        stmt = stmt.where(Consultation.first_responder.is_(None), Consultation.state == OPEN)
    if state:
        stmt = stmt.where(Consultation.state == state)
    return list(session.scalars(stmt.limit(limit)))


def overdue(row: Consultation, now=None) -> bool:
    """Unanswered past the end of the next working day: shown red."""
    return row.state == OPEN and (now or clock.now()) > row.due_at


def faq(session: Session, item_id: int, limit: int = 20) -> list[Consultation]:
    return list(session.scalars(select(Consultation).where(
        Consultation.item_id == item_id, Consultation.public.is_(True), Consultation.state == ANSWERED)
        .order_by(Consultation.answered_at.desc()).limit(limit)))


def statistics(session: Session, principal: Principal) -> dict:
    """Per department (the item's implementing body; 综合咨询 without an item): asked, answered,
    answered within one working day, still open and overdue."""
    stmt = select(Consultation, ServiceItem.implementing_body).outerjoin(ServiceItem, ServiceItem.id == Consultation.item_id)
    if not principal.is_admin:  # the halls one supervises, not every hall one works in
        stmt = stmt.where(Consultation.hall_id.in_(principal.halls_for(R.SUPERVISOR) or {-1}))
    now = clock.now()
    out: dict[str, dict] = {}
    for row, body in session.execute(stmt):
        entry = out.setdefault(body or "综合咨询", {"asked": 0, "answered": 0, "answered_in_time": 0, "open": 0,
                                                  "overdue": 0})
        entry["asked"] += 1
        if row.state == ANSWERED:
            entry["answered"] += 1
            entry["answered_in_time"] += row.answered_at is not None and row.answered_at <= row.due_at
        else:
            entry["open"] += 1
            entry["overdue"] += now > row.due_at
    for entry in out.values():
        # open questions not yet due have no outcome: they count neither way
        settled = entry["answered"] + entry["overdue"]
        entry["in_time_rate"] = round(entry["answered_in_time"] / settled, 3) if settled else None
    return {"by_department": dict(sorted(out.items())), "asked": sum(e["asked"] for e in out.values()),
            "answered_in_time": sum(e["answered_in_time"] for e in out.values())}


def public_faq(session: Session, item: ServiceItem, base_url: str) -> dict:
    """The guide's 常见问题 (a public extra of catalog.public): answers their responders made public."""
    return {"faq": [{"question": c.question, "answer": c.answer,
                     "answered_at": c.answered_at.astimezone(clock.LOCAL_TZ).date().isoformat() if c.answered_at else None}
                    for c in faq(session, item.id)]}
