"""Rating a case and rectifying bad reviews within 5 working days (statistics: statistics.py)."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.auth import roles as R
from app.auth.principal import Principal
from app.calendar import service as calendar
from app.cases.history import EventLog
from app.cases.models import Case
from app.database import unit_of_work
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.evaluation.models import BAD, CHANNELS, LEVELS, ONSITE, Evaluation, Rectification
from app.notify import service as notify
from app.settings import Settings

RECTIFY_DAYS = 5


def rate(session: Session, case: Case, level: int, channel: str, comment: str | None, settings: Settings) -> Evaluation:
    errors = {}
    if level not in LEVELS:
        errors["level"] = ["必须是 1（非常不满意）到 5（非常满意）"]
    if channel not in CHANNELS:
        errors["channel"] = ["必须是以下之一：" + "、".join(CHANNELS)]
    if comment and len(comment) > 500:
        errors["comment"] = ["不超过 500 个字符"]
    if errors:
        raise ValidationFailed("评价有误", errors)
    now = clock.now()
    visit = f"{now.astimezone(clock.LOCAL_TZ):%Y-%m-%d}" if channel in ONSITE else ""
    with unit_of_work(session):
        if not (case.closed or channel in ONSITE):
            raise Conflict("办结后才能对本件作出网上评价；现场可用窗口评价器评价")
        evaluation = Evaluation(case_id=case.id, level=level, channel=channel, visit=visit,
                                comment=(comment or "").strip() or None, created_at=now)
        try:
            with session.begin_nested():
                session.add(evaluation)
        except IntegrityError:
            raise Conflict("本次服务已评价过（网上每件一评，现场每次一评）") from None
        log = EventLog(session, case)
        log.append("evaluated", "applicant", f"申请人评价：{LEVELS[level]}（{CHANNELS[channel]}）",
                   {"level": level, "channel": channel})
        if level in BAD:
            due, _ = calendar.working(session, settings.end_of_day).deadline(
                now.astimezone(clock.LOCAL_TZ).date(), RECTIFY_DAYS)
            session.add(Rectification(evaluation=evaluation, case_id=case.id, hall_id=case.hall_id, due_at=due,
                                      state="open"))
            log.append("rectification_opened", "system", f"差评转督办整改，{RECTIFY_DAYS} 个工作日内完成",
                       {"due_at": due.isoformat()})
    return evaluation


def rate_at_window(session: Session, principal: Principal, case: Case, level: int, comment: str | None,
                   settings: Settings) -> Evaluation:
    """The window tablet: the applicant rates this visit, at a window of the case's own hall."""
    if not principal.works_in(case.hall_id):
        raise PermissionDenied("只有本大厅窗口可以提交现场评价")
    return rate(session, case, level, "window_tablet", comment, settings)


def open_rectifications(session: Session, principal: Principal) -> list[Rectification]:
    stmt = select(Rectification).order_by(Rectification.state != "open", Rectification.due_at)
    if not principal.is_admin:
        stmt = stmt.where(Rectification.hall_id.in_(principal.halls_for(R.SUPERVISOR) or {-1}))
    return list(session.scalars(stmt))


def close(session: Session, principal: Principal, rectification_id: int, outcome: str, result: str) -> Rectification:
    if outcome not in ("rectified", "unfounded"):
        raise ValidationFailed("请选择整改结论", {"outcome": ["rectified（已整改）或 unfounded（经核实不成立）"]})
    if not (result or "").strip():
        raise ValidationFailed("请填写整改情况", {"result": ["必填项"]})
    with unit_of_work(session):
        row = session.get(Rectification, rectification_id)
        if row is None or not principal.may(row.hall_id, R.SUPERVISOR):
            raise NotFound("整改任务不存在")
        if row.state != "open":
            raise Conflict("整改任务已办结")
        if not principal.has_role(R.SUPERVISOR, R.ADMIN):
            raise PermissionDenied("只有督办人员可以办结整改")
        row.state, row.result, row.closed_at, row.closed_by = outcome, result.strip(), clock.now(), principal.username
        case = session.get(Case, row.case_id)
        if case is None:
            raise NotFound("办件不存在")
        verdict = "已整改" if outcome == "rectified" else "经核实不成立"
        EventLog(session, case).append("rectification_closed", principal.username, f"差评整改办结：{verdict}。{row.result}",
                                       {"outcome": outcome})
        # the answer goes back to the applicant (art. 32)
        notify.queue(session, kind="rectification_result", text=f"您对“{case.item.name}”的评价已处理：{verdict}。{row.result}",
                     phone=(case.applicant or {}).get("phone"), email=(case.applicant or {}).get("email"),
                     params={"case_no": case.case_no}, case_id=case.id, subject="【鄠邑政务服务】评价处理结果")
    return row

