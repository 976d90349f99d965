"""Telling applicants what happened (art. 15): messages are queued in the step that made the
event (an after-step hook the bootstrap registers) and sent by the scheduler with retries; a channel that is down loses
nothing — its messages wait and go out when it is back."""
from datetime import timedelta

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from app import clock
from app.cases import delivery_choice, intake
from app.cases import models as C
from app.database import defer_insert
from app.notify.channels import ChannelDown, Channels, Undeliverable
from app.notify.models import FAILED, PENDING, SENT, Notification

BACKOFF_FIRST = timedelta(seconds=30)
PICKUP_PLACEHOLDER = "******"
PICKUP_CODE_REISSUED = "pickup_code_reissued"
# Messages that carry the case's current pickup code, put in only when sent.
_WITH_PICKUP_CODE = {"ready_for_pickup", PICKUP_CODE_REISSUED}
BACKOFF_MAX = timedelta(hours=1)


SMS_REASON_MAX = 60  # the clerk's words in an SMS: the notice itself carries them whole


def _brief(text: str) -> str:
    return text if len(text) <= SMS_REASON_MAX else text[:SMS_REASON_MAX - 1] + "…"


def _messages(step) -> list[tuple[str, str, dict]]:
    """(kind, text, params) the step calls for."""
    case = step.case
    out: list[tuple[str, str, dict]] = []
    item, due = case.guide.name, clock.chinese_date(case.supplement_due_at)
    if not case.revision:  # the case's first step
        out.append(("submitted", f"您的“{item}”申请已提交，办件编号 {case.case_no}。", {}))
    for old, new in step.status_changes:
        if new == C.UNDER_REVIEW and old in (C.SUBMITTED, C.AWAITING_CORRECTION):
            out.append(("accepted", f"您的“{item}”申请已受理（{case.case_no}）。", {}))
            if case.tolerated:
                out.append(("tolerance", f"“{item}”已容缺受理，请于{due}前补齐材料。", {"due": due}))
        elif new == C.AWAITING_CORRECTION:
            reason = intake.notice_reason(step.answers)
            notes = intake.notice_material_notes(step.answers)
            names = case.guide.material_names()
            per_material = [f"{names.get(c, c)}：{notes[c]}" for c in case.outstanding_materials if c in notes]
            words = "；".join([*([reason] if reason else []), *per_material])
            said = f"说明：{_brief(words)}；" if words else ""
            out.append(("correction", f"“{item}”材料需补齐补正，请于{due}前提交（{case.case_no}），{said}"
                                      "详见补齐补正材料通知书。", {"due": due, "reason": reason, "material_notes": notes}))
        elif new == C.NOT_ACCEPTED:
            out.append(("decision", f"“{item}”不予受理（{case.case_no}），详见不予受理决定书。", {}))
        elif new == C.AWAITING_DELIVERY:
            verdict = "准予" if case.decision == "approve" else "不予批准"
            out.append(("decision", f"“{item}”已作出{verdict}决定（{case.case_no}）。", {"verdict": verdict}))
            if case.delivery_choice == "mail" and case.mail_address:
                out.append(("to_be_mailed", f"“{item}”的办理结果将按您选择的地址邮寄，寄出后告知运单号（{case.case_no}）；"
                                            "如需到窗口领取，可在办件进度查询页查看取件码。", {}))
            elif case.delivery_choice == "e_delivery":
                out.append(("to_be_e_delivered", f"“{item}”的办理结果将网上送达，送达后告知下载方式（{case.case_no}）。", {}))
            else:  # the code itself is put in only when the message is sent: staff read the outbox
                out.append(("ready_for_pickup", f"办理结果可领取：请凭取件码 {PICKUP_PLACEHOLDER} 到{case.hall.name}"
                                                 "综合窗口领取，或选择网上送达、邮寄。", {}))
        if old == C.AWAITING_DELIVERY and case.delivery_method == "mail" and case.tracking_no:
            carrier = delivery_choice.CARRIERS.get(case.carrier or "", "快递")
            out.append(("mailed", f"“{item}”的办理结果已由{carrier}寄出，运单号 {case.tracking_no}（{case.case_no}）。",
                        {"carrier": case.carrier, "tracking_no": case.tracking_no}))
        if old == C.AWAITING_DELIVERY and case.delivery_method == "e_delivery":
            out.append(("e_delivered", f"“{item}”的决定书已网上送达，请在办件页面或进度查询页面下载（{case.case_no}）。", {}))
        if new in (C.COMPLETED, C.DENIED, C.DEEMED_RENEWED):
            out.append(("evaluation_invitation", f"“{item}”已办结，欢迎对本次服务作出评价（{case.case_no}）。", {}))
    return out


def _outbox_rows(*, kind: str, text: str, phone: str | None, email: str | None, params: dict,
                 case_id: int | None = None, complaint_id: int | None = None, subject: str | None = None) -> list[dict]:
    """One outbox row per channel the person gave, due now."""
    now = clock.now()
    return [dict(case_id=case_id, complaint_id=complaint_id, kind=kind, channel=channel, recipient=recipient,
                 template=kind, params=params, subject=subject or f"【鄠邑政务服务】{text[:60]}", body=text,
                 state=PENDING, attempts=0, next_attempt_at=now, created_at=now)
            for channel, recipient in (("sms", phone), ("email", email)) if recipient]


def queue(session: Session, *, kind: str, text: str, phone: str | None, email: str | None, params: dict,
          case_id: int | None = None, complaint_id: int | None = None, subject: str | None = None) -> None:
    """One outbox row per channel the person gave, due now, in the caller's transaction."""
    for row in _outbox_rows(kind=kind, text=text, phone=phone, email=email, params=params, case_id=case_id,
                            complaint_id=complaint_id, subject=subject):
        session.add(Notification(**row))


def after_step(step, actor: str) -> None:
    """After-step hook: queue the step's messages to the applicant's phone and e-mail. The step
    always writes its case row, so the rows go out with that flush, in bulk (app.database)."""
    case = step.case
    for kind, text, params in _messages(step):
        for row in _outbox_rows(kind=kind, text=text, phone=(case.applicant or {}).get("phone"),
                                email=(case.applicant or {}).get("email"), params={"case_no": case.case_no, **params},
                                case_id=case.id):
            defer_insert(step.session, Notification, row)


def _claim_one(session: Session, down: set[str]) -> Notification | None:
    """The next due message, locked while it is sent (PostgreSQL: SKIP LOCKED, so two
    schedulers never send one message twice; SQLite: one writer at a time)."""
    stmt = (select(Notification).where(Notification.state == PENDING, Notification.next_attempt_at <= clock.now(),
                                       Notification.channel.notin_(down) if down else true())
            .order_by(Notification.next_attempt_at, Notification.id).limit(1))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return session.scalar(stmt)


def dispatch_due(session: Session, channels: Channels, limit: int = 200) -> dict:
    """Send what is due, one message per transaction; returns counts. A channel that is down
    is tried once per pass: its other messages wait for their next attempt."""
    counts = {SENT: 0, PENDING: 0, FAILED: 0}
    down: set[str] = set()
    for _ in range(limit):
        row = _claim_one(session, down)
        if row is None:
            break
        try:
            outcome = _send_one(session, row, channels, down)
        except Exception as exc:  # noqa: BLE001 — a bad message must not hold up the others
            row.state, row.last_error, row.attempts = FAILED, f"{type(exc).__name__}: {exc}"[:500], row.attempts + 1
            outcome = FAILED
        counts[outcome] += 1
        if outcome == PENDING:  # the channel is down: its other due messages wait too
            counts[PENDING] += _postpone_channel(session, row.channel, row.last_error or "")
        session.commit()  # recorded at once: what went out is never sent again after a later failure
    return counts


def _postpone_channel(session: Session, channel: str, error: str) -> int:
    waiting = list(session.scalars(select(Notification).where(
        Notification.state == PENDING, Notification.channel == channel, Notification.next_attempt_at <= clock.now())))
    for row in waiting:
        _later(row, error)
    return len(waiting)


def _send_one(session: Session, row: Notification, channels: Channels, down: set[str]) -> str:
    sms = channels.sms if row.channel == "sms" else None
    mail = channels.email if row.channel != "sms" else None
    if sms is None and mail is None:
        row.state, row.last_error = FAILED, f"没有配置 {row.channel} 渠道"
        return FAILED
    params, body = dict(row.params), row.body
    if row.kind in _WITH_PICKUP_CODE:
        code = session.scalar(select(C.Case.pickup_code).where(C.Case.id == row.case_id)) or ""
        params["pickup_code"], body = code, body.replace(PICKUP_PLACEHOLDER, code)
    try:
        if sms is not None:
            sms.send_sms(row.recipient, row.template, params)
        elif mail is not None:
            mail.send_mail(row.recipient, row.subject, body)
    except Undeliverable as exc:  # this recipient, not the channel: give up on this one
        row.state, row.last_error, row.attempts = FAILED, str(exc)[:500], row.attempts + 1
        return FAILED
    except ChannelDown as exc:
        down.add(row.channel)
        _later(row, str(exc))
        return PENDING
    row.state, row.sent_at, row.attempts = SENT, clock.now(), row.attempts + 1
    return SENT


def _later(row: Notification, error: str) -> None:
    row.attempts += 1
    row.last_error = error[:500]
    delay = min(BACKOFF_FIRST * (2 ** min(row.attempts - 1, 10)), BACKOFF_MAX)
    row.next_attempt_at = clock.now() + delay


def of_case(session: Session, case_id: int) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.case_id == case_id)
                                .order_by(Notification.id)))


def describe(row: Notification) -> dict:
    return {"id": row.id, "kind": row.kind, "channel": row.channel, "recipient": row.recipient, "state": row.state,
            "attempts": row.attempts, "last_error": row.last_error, "body": row.body,
            "created_at": row.created_at.isoformat(), "sent_at": row.sent_at.isoformat() if row.sent_at else None}


