"""Demo policy documents (art. 30): two published with their interpretation and linked guides,
and one draft made twelve working days ago, so the editors' list shows a deadline running out.
Idempotent: a policy whose title exists is left alone."""
import io
from datetime import date, datetime, timedelta
from typing import Required, TypedDict

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.auth.models import User
from app.calendar import service as calendar
from app.calendar.days import WorkingCalendar, is_working_day, working_days_between
from app.catalog.models import ServiceItem
from app.demo.formpdf import FONT
from app.files import service as files
from app.files.service import FileStore
from app.policies.models import DRAFT, PUBLISHED, Policy
from app.policies.service import apply_deadlines
from app.settings import Settings


class PolicySpec(TypedDict, total=False):
    """A demo policy: what `_add` makes a Policy of."""

    title: Required[str]
    issuing_body: Required[str]
    document_number: Required[str | None]
    made_on: date  # default: twelve working days ago
    full_text: Required[str]
    qa: Required[str | None]
    video_url: str
    items: Required[list[str]]  # service item codes
    published_at: datetime  # absent: a draft
    graphic: list[str]  # the lines of its one-page graphic


ELDERLY: PolicySpec = {
    "title": "西安市鄠邑区高龄老人生活补贴发放管理办法", "issuing_body": "西安市鄠邑区民政局",
    "document_number": "鄠民发〔2026〕15号", "made_on": date(2026, 9, 28),
    "full_text": "第一条 为规范高龄老人生活补贴发放，根据有关规定，制定本办法。\n"
                 "第二条 具有本区户籍、年满八十周岁的老年人，按月享受高龄老人生活补贴。\n"
                 "第三条 补贴标准：80至89周岁每人每月100元，90至99周岁每人每月200元，100周岁以上每人每月500元。\n"
                 "第四条 申请人可在区政务服务中心、街道便民服务中心或网上申领，民政部门通过数据共享核验户籍和年龄。\n"
                 "第五条 本办法自公布之日起施行。",
    "qa": "问：本办法调整了哪些内容？\n答：补贴申领改为数据共享核验户籍和年龄，申请人无需再提交户口簿复印件。\n"
          "问：在哪里申请？\n答：区政务服务中心、各街道便民服务中心综合窗口，或通过网上申请。",
    "video_url": "https://www.example.org/huyi/zcjd/2026-15.mp4",
    "items": ["610118-MZ-0005", "610118-MZ-0006"], "published_at": datetime(2026, 10, 21, 10, 0, tzinfo=clock.LOCAL_TZ),
    "graphic": ["一图读懂高龄老人生活补贴", "对象：本区户籍、年满八十周岁", "标准：每月100元 / 200元 / 500元",
                "申领：窗口或网上，户籍年龄共享核验"],
}
FOOD: PolicySpec = {
    "title": "鄠邑区食品经营许可“证照联办”实施方案", "issuing_body": "西安市鄠邑区市场监督管理局",
    "document_number": "鄠市监发〔2026〕32号", "made_on": date(2026, 11, 2),
    "full_text": "一、营业执照与食品经营许可一次申请、一窗受理、同步审批。\n"
                 "二、申请材料可共享获取的，不再要求申请人提交。\n三、承诺办结时限压缩至10个工作日。",
    "qa": "问：“证照联办”后还需要分别跑两个窗口吗？\n答：不需要，在综合窗口一次提交即可。",
    "items": ["610118-SCJG-0001", "610118-SCJG-0003"],
    "published_at": datetime(2026, 11, 12, 16, 30, tzinfo=clock.LOCAL_TZ),
}
HYGIENE: PolicySpec = {
    "title": "鄠邑区公共场所卫生许可告知承诺制实施细则", "issuing_body": "西安市鄠邑区卫生健康局",
    "document_number": None,
    "full_text": "一、对申请公共场所卫生许可（新办）的经营者实行告知承诺制。\n"
                 "二、申请人作出书面承诺的，当场作出许可决定，事后开展核查。",
    "qa": None, "items": ["610118-WJ-0002"],
}


def _graphic(lines: list[str]) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    pdf.setTitle(lines[0])
    width, height = A4
    pdf.setFont(FONT, 22)
    pdf.drawCentredString(width / 2, height - 100, lines[0])
    pdf.setFont(FONT, 14)
    for i, line in enumerate(lines[1:]):
        pdf.roundRect(70, height - 190 - i * 80, width - 140, 56, 10)
        pdf.drawCentredString(width / 2, height - 168 - i * 80, line)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _working_days_ago(n: int, today: date, data) -> date:
    """The working day n working days before today."""
    day = today
    while working_days_between(day, today, data) < n or not is_working_day(day, data):
        day -= timedelta(days=1)
    return day


def _add(session: Session, spec: PolicySpec, made_on: date, owner: User, working: WorkingCalendar, store: FileStore) -> Policy:
    items = list(session.scalars(select(ServiceItem).where(ServiceItem.code.in_(spec["items"]))))
    now = clock.now()
    row = Policy(title=spec["title"], issuing_body=spec["issuing_body"], document_number=spec["document_number"],
                 made_on=made_on, full_text=spec["full_text"], qa=spec["qa"], video_url=spec.get("video_url"),
                 owner=owner, items=items, state=DRAFT, created_at=now, created_by="seed", updated_at=now)
    apply_deadlines(row, working, now)
    if spec.get("graphic"):
        row.graphic_sha256 = files.store(session, store, _graphic(spec["graphic"]), f"{spec['graphic'][0]}.pdf",
                                         by="seed").sha256
    if spec.get("published_at"):
        row.state, row.published_at, row.published_by = PUBLISHED, spec["published_at"], owner.username
    session.add(row)
    return row


def seed_policies(session: Session, settings: Settings) -> list[str]:
    store = settings.store
    owner = session.scalar(select(User).where(User.username == "designer"))
    if not calendar.current(session).official_years:  # deadlines need the holidays (`flask calendar import`)
        calendar.import_chinesecalendar(session, "seed")
        session.flush()
    working, lines = calendar.working(session, settings.end_of_day), []
    data = working.data
    for spec in (ELDERLY, FOOD, HYGIENE):
        if owner is None or session.scalar(select(Policy.id).where(Policy.title == spec["title"])) is not None:
            continue
        made_on = spec.get("made_on") or _working_days_ago(12, clock.today(), data)
        row = _add(session, spec, made_on, owner, working, store)
        lines.append(f"{'published' if row.published_at else 'drafted'} policy {row.title} (made {made_on})")
    return lines
