"""Delivery of the result (art. 16): a 6-digit pickup code checked at the window (locked and
replaced after 5 wrong tries), an expiring signed download link for e-delivery, a tracking
number for mail."""
import hmac
import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app.auth.service import ClockSigner
from app.cases import models as C
from app.cases.cycle import lock_case
from app.cases.history import EventLog
from app.database import unit_of_work
from app.documents import service as documents
from app.documents.models import Document
from app.errors import Conflict, DomainError, NotFound, ValidationFailed
from app.notify import service as notify

_SALT = "onewindow-e-delivery"
DECISIONS = ("approval", "denial_decision")
PICKUP_CODE_ATTEMPTS = 5  # wrong codes before the code is locked and replaced


def after_step(step, actor: str) -> None:
    """cycle.AFTER_STEP hook: a pickup code when the result is ready; the download link once it
    was delivered online."""
    case = step.case
    for old, new in step.status_changes:
        if new == C.AWAITING_DELIVERY and case.pickup_code is None:
            case.pickup_code = _new_code(None)
            step.log.append("pickup_code_issued", actor, "已生成取件码（申请人凭取件码到综合窗口领取）", {})
        if old == C.AWAITING_DELIVERY and case.delivery_method == "e_delivery" and not case.e_delivery_token:
            if _key_known(step.session) and issue_link(step.session, case, documents.settings_for(step.session).secret):
                step.log.append("e_delivered", actor, "已网上送达：申请人可在办件页面下载决定书", {})


def _key_known(session: Session) -> bool:
    try:
        documents.settings_for(session)
        return True
    except KeyError:
        return False


class WrongPickupCode(ValidationFailed):
    """A wrong code at the window. Raised inside the engine step, which is then rolled back as
    a whole; the caller counts the try afterwards in a transaction of its own (record_wrong_code)."""

    def __init__(self, case_id: int):
        super().__init__("取件码不正确", {"pickup_code": ["取件码不正确"]})
        self.case_id = case_id


def _new_code(old: str | None) -> str:
    while True:
        code = f"{secrets.randbelow(10 ** 6):06d}"
        if code != old:
            return code


def check_pickup(case: C.Case, data: dict) -> None:
    """At the pickup window, the applicant's code must match (compared in constant time)."""
    if data.get("delivery_method") != "window_pickup" or not case.pickup_code:
        return
    given = str(data.get("pickup_code") or "")
    if not hmac.compare_digest(given.encode(), case.pickup_code.encode()):
        raise WrongPickupCode(case.id)


def record_wrong_code(session: Session, case_id: int, actor: str) -> DomainError:
    """Count a wrong code against the case's current one, committed on its own: the step that
    found it wrong was rolled back, and a count that rolled back with it would allow endless
    guessing. At PICKUP_CODE_ATTEMPTS the code is locked: replaced by a fresh one that goes to
    the applicant through the outbox (filled in only when sent, like the first). Returns the
    error for the clerk."""
    with unit_of_work(session):
        case = lock_case(session, case_id)
        if case.status != C.AWAITING_DELIVERY or not case.pickup_code:  # moved on meanwhile
            return Conflict("办件状态已变化，请刷新后重试")
        case.pickup_code_failures = (case.pickup_code_failures or 0) + 1
        failures = case.pickup_code_failures
        log = EventLog(session, case)
        log.append("pickup_code_rejected", actor, f"取件码核验未通过（当前取件码第 {failures} 次输入错误）",
                   {"failures": failures})
        if failures < PICKUP_CODE_ATTEMPTS:
            left = PICKUP_CODE_ATTEMPTS - failures
            told = "原取件码已因多次输入错误锁定作废，请申请人出示新发送的取件码；" if case.pickup_code_lockouts else ""
            return ValidationFailed("取件码不正确", {"pickup_code": [
                f"取件码不正确，{told}请核对申请人出示的 6 位取件码（再输错 {left} 次将锁定）"]})
        case.pickup_code = _new_code(case.pickup_code)
        case.pickup_code_failures, case.pickup_code_lockouts = 0, (case.pickup_code_lockouts or 0) + 1
        log.append("pickup_code_locked", actor, f"取件码连续 {PICKUP_CODE_ATTEMPTS} 次输入错误，已锁定作废",
                   {"lockouts": case.pickup_code_lockouts})
        phone, email = (case.applicant or {}).get("phone"), (case.applicant or {}).get("email")
        notify.queue(session, kind=notify.PICKUP_CODE_REISSUED, case_id=case.id, phone=phone, email=email,
                     params={"case_no": case.case_no},
                     text=f"您的“{case.item.name}”取件码因连续{PICKUP_CODE_ATTEMPTS}次输入错误已作废。"
                          f"新取件码 {notify.PICKUP_PLACEHOLDER}，请凭新取件码到{case.hall.name}综合窗口领取"
                          f"（{case.case_no}）。如非本人操作，请联系办理单位。")
        channels = "、".join(name for name, to in (("短信", phone), ("电子邮件", email)) if to)
        told = f"新取件码已通过{channels}发送给申请人" if channels else "申请人可在办件进度查询页面查看新取件码"
        log.append("pickup_code_reissued", "system", f"已生成新的取件码：{told}",
                   {"sent_to": [c for c, to in (("sms", phone), ("email", email)) if to]})
    return Conflict("取件码已锁定", {"pickup_code": [
        f"取件码已锁定：连续 {PICKUP_CODE_ATTEMPTS} 次输入错误，原取件码作废；{told}，请其凭新取件码领取"]})


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
