"""Delivery of the result (art. 16): a 6-digit pickup code checked at the window (locked and
replaced after 5 wrong tries; the 3rd lockout suspends window pickup until a supervisor of the
hall resets it), an expiring signed download link for e-delivery, a tracking number for mail."""
import hmac
import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import roles as R
from app.auth.models import User, UserRole
from app.auth.principal import Principal
from app.auth.service import ClockSigner
from app.cases import delivery_choice
from app.cases import models as C
from app.cases.cycle import RefusedInStep, lock_case
from app.cases.history import EventLog
from app.database import unit_of_work
from app.documents import service as documents
from app.documents.models import Document
from app.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from app.notify import service as notify
from app.parties.idnumbers import id_card_problem, normalise

_SALT = "onewindow-e-delivery"
DECISIONS = ("approval", "denial_decision")
PICKUP_CODE_ATTEMPTS = 5  # wrong codes before the code is locked and replaced
PICKUP_CODE_LOCKOUTS = 3  # the lockout that suspends window pickup instead of sending another code
SUSPENDED = "取件码多次输入错误，已暂停窗口领取，请联系督办人员"
PICKUP_SUSPENDED_NOTICE = "pickup_suspended"  # the message to the hall's supervisors


def after_step(step, actor: str) -> None:
    """After-step hook: a pickup code when the result is ready; the download link once it was
    delivered online."""
    case = step.case
    for old, new in step.status_changes:
        if new == C.AWAITING_DELIVERY and case.pickup_code is None:
            case.pickup_code = _new_code(None)
            step.log.append("pickup_code_issued", actor, "已生成取件码（申请人凭取件码到综合窗口领取）", {})
        if (old == C.AWAITING_DELIVERY and case.delivery_method == "e_delivery" and not case.e_delivery_token
                and issue_link(step.session, case, step.settings.secret)):
            step.log.append("e_delivered", actor, "已网上送达：申请人可在办件页面下载决定书", {})


def before_complete(step, task, cleaned: dict) -> None:
    """Before-complete hook: the pickup window's form must carry the applicant's code; a method
    other than the one the applicant chose needs a reason; who collected it is recorded."""
    if "delivery_method" not in cleaned:
        return
    check_pickup(step.case, cleaned)
    case, method = step.case, cleaned.get("delivery_method")
    if task.form_key != DELIVERY_FORM or case.status != C.AWAITING_DELIVERY:
        return  # a designer's own form: its values are its own, only the pickup code is checked
    if method == "mail" and not case.mail_address and case.delivery_choice is not None:
        # the applicant chose another method: the window records where the result now goes
        given = (cleaned.get("mail_to") or "").strip()
        if not given:
            raise ValidationFailed("申请人申请时未提供邮寄地址，请填写邮寄地址、收件人及电话",
                                   {"mail_to": ["请填写邮寄地址、收件人及电话"]})
        case.mail_address = {"as_given": given}
    if case.delivery_choice and method != case.delivery_choice:
        reason = (cleaned.get("delivery_change_reason") or "").strip()
        if not reason:
            chose = delivery_choice.METHODS.get(case.delivery_choice, case.delivery_choice)
            raise ValidationFailed(f"申请人选择的是“{chose}”，变更送达方式须填写理由",
                                   {"delivery_change_reason": [f"申请人选择了“{chose}”：请填写变更理由"]})
        step.log.append("delivery_changed", step.actor,
                        f"送达方式由“{chose_label(case.delivery_choice)}”变更为“{chose_label(method)}”：{reason}",
                        {"from": case.delivery_choice, "to": method, "reason": reason})
    if method == "window_pickup":
        case.collected_by = _collector(case, cleaned)
        who = case.collected_by
        step.log.append("result_collected", step.actor,
                        f"窗口领取：{who['name']}" + ("（代领，已核验授权委托书）" if who["proxy"] else "（申请人本人）"),
                        {"proxy": who["proxy"]})


DELIVERY_FORM = "window_delivery"  # the pickup window's form, whose fields the rules below read


def chose_label(method: str | None) -> str:
    return delivery_choice.METHODS.get(method or "", method or "未选择")


def _collector(case: C.Case, cleaned: dict) -> dict:
    """Who took the result: the applicant, or someone with the applicant's authorisation."""
    if not cleaned.get("collector_is_proxy"):
        return {"name": (case.applicant or {}).get("name"), "id_number": None, "proxy": False,
                "authorisation_checked": False}
    number = normalise(cleaned.get("collector_id_number"))
    problem = id_card_problem(number) if number else "请填写代领人的居民身份证号码"
    if problem:
        raise ValidationFailed(f"代领人身份证号码无效：{problem}", {"collector_id_number": [problem]})
    if not cleaned.get("authorisation_checked"):
        raise ValidationFailed("他人代领须核验申请人的授权委托书",
                               {"authorisation_checked": ["请核验申请人的授权委托书后勾选"]})
    return {"name": (cleaned.get("collector_name") or "").strip(), "id_number": number, "proxy": True,
            "authorisation_checked": True}


class WrongPickupCode(RefusedInStep, ValidationFailed):
    """A wrong code at the window. Raised inside the engine step, which is then rolled back as
    a whole; the try is counted afterwards in a transaction of its own (record_wrong_code)."""

    def __init__(self, case_id: int):
        super().__init__("取件码不正确", {"pickup_code": ["取件码不正确"]})
        self.case_id = case_id

    def settle(self, session: Session, actor: str) -> DomainError:
        return record_wrong_code(session, self.case_id, actor)


def _new_code(old: str | None) -> str:
    while True:
        code = f"{secrets.randbelow(10 ** 6):06d}"
        if code != old:
            return code


def pickup_suspended(case: C.Case) -> bool:
    """Window pickup stopped after PICKUP_CODE_LOCKOUTS lockouts, until a supervisor resets it."""
    return (case.pickup_code_lockouts or 0) >= PICKUP_CODE_LOCKOUTS


def _suspended() -> Conflict:
    return Conflict(SUSPENDED, {"pickup_code": [SUSPENDED]}, pickup_suspended=True)


def check_pickup(case: C.Case, data: dict) -> None:
    """At the pickup window, the applicant's code must match (compared in constant time), and
    window pickup must not be suspended."""
    if data.get("delivery_method") != "window_pickup" or not case.pickup_code:
        return
    if pickup_suspended(case):
        raise _suspended()
    given = str(data.get("pickup_code") or "")
    if not hmac.compare_digest(given.encode(), case.pickup_code.encode()):
        raise WrongPickupCode(case.id)


def _reissue(session: Session, case: C.Case, log: EventLog, why: str) -> str:
    """A fresh code in place of the current one, sent to the applicant through the outbox (the
    code is put in only when sent); returns what the clerk may tell the applicant."""
    case.pickup_code = _new_code(case.pickup_code)
    phone, email = (case.applicant or {}).get("phone"), (case.applicant or {}).get("email")
    notify.queue(session, kind=notify.PICKUP_CODE_REISSUED, case_id=case.id, phone=phone, email=email,
                 params={"case_no": case.case_no},
                 text=f"您的“{case.item.name}”取件码{why}。"
                      f"新取件码 {notify.PICKUP_PLACEHOLDER}，请凭新取件码到{case.hall.name}综合窗口领取"
                      f"（{case.case_no}）。如非本人操作，请联系办理单位。")
    channels = "、".join(name for name, to in (("短信", phone), ("电子邮件", email)) if to)
    told = f"新取件码已通过{channels}发送给申请人" if channels else "申请人可在办件进度查询页面查看新取件码"
    log.append("pickup_code_reissued", "system", f"已生成新的取件码：{told}",
               {"sent_to": [c for c, to in (("sms", phone), ("email", email)) if to]})
    return told


def _tell_supervisors(session: Session, case: C.Case) -> list[str]:
    """The hall's supervisors, by each address they gave (those without one see the case
    history); returns their usernames."""
    people = session.scalars(select(User).join(UserRole).where(
        UserRole.role == R.SUPERVISOR, UserRole.hall_id == case.hall_id, User.active.is_(True)).distinct())
    told = []
    for person in people:
        told.append(person.username)
        notify.queue(session, kind=PICKUP_SUSPENDED_NOTICE, phone=person.phone, email=person.email,
                     params={"case_no": case.case_no, "case_id": case.id, "to": person.username},
                     subject=f"【鄠邑政务服务】取件码多次输入错误，已暂停窗口领取：{case.case_no}",
                     text=f"办件 {case.case_no}（{case.item.name}）的取件码已连续 {PICKUP_CODE_LOCKOUTS} 次锁定"
                          f"（每次连续 {PICKUP_CODE_ATTEMPTS} 次输入错误），已暂停窗口领取。请核实申请人身份后重置取件码。")
    return told


def record_wrong_code(session: Session, case_id: int, actor: str) -> DomainError:
    """Count a wrong code against the case's current one, committed on its own: the step that
    found it wrong was rolled back, and a count that rolled back with it would allow endless
    guessing. At PICKUP_CODE_ATTEMPTS the code is locked: replaced by a fresh one that goes to
    the applicant through the outbox (filled in only when sent, like the first) — except at the
    PICKUP_CODE_LOCKOUTS-th lockout, which sends no new code but suspends window pickup until a
    supervisor of the hall resets it (reset_pickup_code), and tells the hall's supervisors.
    Returns the error for the clerk."""
    with unit_of_work(session):
        case = lock_case(session, case_id)
        if case.status != C.AWAITING_DELIVERY or not case.pickup_code:  # moved on meanwhile
            return Conflict("办件状态已变化，请刷新后重试")
        if pickup_suspended(case):  # suspended meanwhile: nothing more to count
            return _suspended()
        case.pickup_code_failures = (case.pickup_code_failures or 0) + 1
        failures = case.pickup_code_failures
        log = EventLog(session, case)
        log.append("pickup_code_rejected", actor, f"取件码核验未通过（当前取件码第 {failures} 次输入错误）",
                   {"failures": failures})
        if failures < PICKUP_CODE_ATTEMPTS:
            left = PICKUP_CODE_ATTEMPTS - failures
            last_round = (case.pickup_code_lockouts or 0) + 1 >= PICKUP_CODE_LOCKOUTS
            then = "暂停窗口领取，须督办人员核实后重置" if last_round else "锁定，并向申请人发送新取件码"
            told = ("原取件码已因多次输入错误锁定作废，请核对申请人新收到的取件码；" if case.pickup_code_lockouts
                    else "请核对申请人出示的 6 位取件码；")
            return ValidationFailed("取件码不正确", {"pickup_code": [f"取件码不正确。{told}再输错 {left} 次将{then}"]})
        case.pickup_code_failures, case.pickup_code_lockouts = 0, (case.pickup_code_lockouts or 0) + 1
        log.append("pickup_code_locked", actor, f"取件码连续 {PICKUP_CODE_ATTEMPTS} 次输入错误，已锁定作废",
                   {"lockouts": case.pickup_code_lockouts})
        if pickup_suspended(case):
            supervisors = _tell_supervisors(session, case)
            log.append("pickup_suspended", actor,
                       f"取件码已第 {case.pickup_code_lockouts} 次锁定：暂停窗口领取，不再发送新取件码，"
                       "须由本大厅督办人员核实后重置", {"lockouts": case.pickup_code_lockouts, "supervisors": supervisors})
            return _suspended()
        told = _reissue(session, case, log, f"因连续{PICKUP_CODE_ATTEMPTS}次输入错误已作废")
    return Conflict("取件码已锁定", {"pickup_code": [
        f"取件码已锁定：连续 {PICKUP_CODE_ATTEMPTS} 次输入错误，原取件码作废；{told}，请其凭新取件码领取"]})


def awaits_pickup_reset(case: C.Case) -> bool:
    """The result waits at the window, but window pickup is suspended: only a reset resumes it."""
    return case.status == C.AWAITING_DELIVERY and bool(case.pickup_code) and pickup_suspended(case)


def may_reset_pickup_code(principal: Principal, case: C.Case) -> bool:
    """Supervisors of the case's hall (and administrators) reset a suspended pickup code."""
    return principal.may(case.hall_id, R.SUPERVISOR)


def reset_pickup_code(session: Session, principal: Principal, case_id: int, note: str | None = None) -> C.Case:
    """A supervisor of the case's hall (or an administrator) lifts the suspension of window
    pickup: a fresh code goes to the applicant through the outbox, the counts start again, and
    the reset is written into the case history."""
    with unit_of_work(session):
        case = lock_case(session, case_id)
        if not principal.can_view_hall(case.hall_id):
            raise NotFound(f"办件 {case_id} 不存在")
        if not may_reset_pickup_code(principal, case):
            raise PermissionDenied("只有本大厅的督办人员或系统管理员可以重置取件码")
        if not awaits_pickup_reset(case):
            raise Conflict("该办件未暂停窗口领取，无需重置取件码")
        log = EventLog(session, case)
        note = (note or "").strip()
        log.append("pickup_code_reset", principal.username,
                   f"{principal.display_name} 重置取件码，恢复窗口领取" + (f"：{note}" if note else ""),
                   {"lockouts": case.pickup_code_lockouts, "note": note or None})
        case.pickup_code_failures, case.pickup_code_lockouts = 0, 0
        _reissue(session, case, log, "已由办理单位重置")
    return case


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT, signer=ClockSigner)


def issue_link(session: Session, case: C.Case, secret: str) -> str | None:
    """Sign the link to the case's decision document once it is delivered online."""
    decision = next((d for d in reversed(documents.of_case(session, case.id)) if d.kind in DECISIONS), None)
    if decision is None:
        return None
    case.e_delivery_token = _serializer(secret).dumps({"c": case.id, "d": decision.id})
    return case.e_delivery_token


def document_link(document: Document, secret: str) -> str:
    """A download link to one document for the applicant who proved who they are (the
    progress page); it expires like an e-delivery link."""
    return "/deliver/" + _serializer(secret).dumps({"c": document.case_id, "d": document.id})


_RATING_SALT = "onewindow-progress-rating"


def rating_proof(case: C.Case, secret: str) -> str:
    return URLSafeTimedSerializer(secret, salt=_RATING_SALT, signer=ClockSigner).dumps({"c": case.id})


def case_of_proof(session: Session, proof: str, secret: str, max_age: int = 3600) -> C.Case:
    """The case a rating form on the progress page was shown for (the form is good for an hour)."""
    try:
        payload = URLSafeTimedSerializer(secret, salt=_RATING_SALT, signer=ClockSigner).loads(proof, max_age=max_age)
    except (BadSignature, SignatureExpired):
        raise NotFound("页面已过期，请重新查询后评价") from None
    case = session.get(C.Case, payload.get("c"))
    if case is None:
        raise NotFound("办件不存在")
    return case


def open_link(session: Session, token: str, secret: str, max_age: int) -> Document:
    try:
        payload = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired:
        raise NotFound("送达链接已过期，请到窗口领取或联系办理单位") from None
    except BadSignature:
        raise NotFound("送达链接无效") from None
    document = session.get(Document, payload.get("d"))
    if document is None or document.case_id != payload.get("c"):
        raise NotFound("送达链接无效")
    return document
