"""Demo front-office data for `flask seed demo` (not for the tests' baseline, which start
empty): appointment slots for the coming working days and a few consultations, one of them
answered into a guide's FAQ."""
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.appointments import service as appointments
from app.auth.models import User
from app.auth.principal import Principal
from app.consultations import service as consultations
from app.consultations.models import Consultation
from app.settings import Settings

SLOT_ITEMS = ("610118-SCJG-0001", "610118-WJ-0002")
TIMES = ["09:00-10:00", "10:00-11:00", "14:30-15:30", "15:30-16:30"]


def seed_front_office(session: Session, settings: Settings) -> list[str]:
    admin = Principal.of(session.scalar(select(User).where(User.username == "admin")))
    frontdesk = Principal.of(session.scalar(select(User).where(User.username == "frontdesk")))
    today = clock.now().astimezone(clock.LOCAL_TZ).date()
    lines = []
    for code in SLOT_ITEMS:
        made = appointments.publish_slots(session, admin, hall_code="HY-ZWFW", item_code=code, window_group=None,
                                          date_from=today, date_to=today + timedelta(days=20), times=TIMES,
                                          capacity=5)
        lines.append(f"appointment slots for {code}: {made['created']} new on {made['working_days']} working days")
    if not session.scalar(select(func.count()).select_from(Consultation)):
        consultations.record(session, frontdesk, channel="phone", question="个体工商户办理食品经营许可需要本人到场吗？",
                             item_code="610118-SCJG-0001", hall_code="HY-ZWFW", name="刘先生",
                             answer="可以网上申请；委托他人到窗口办理的，需提交授权委托书和受托人身份证件。", public=True,
                             settings=settings)
        consultations.ask_online(session, question="许可证遗失了，补办需要登报吗？", item_code="610118-SCJG-0001",
                                 hall_code=None, name="陈女士", phone="13800000000", email=None, bucket="demo",
                                 settings=settings)
        lines.append("consultations: one answered into the FAQ, one waiting online")
    return lines
