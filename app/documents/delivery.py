"""Delivery of the result (art. 16): a 6-digit pickup code checked at the window, an expiring
signed download link for e-delivery, a tracking number for mail."""
import hmac
import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app.auth.service import ClockSigner
from app.cases import models as C
from app.documents import service as documents
from app.documents.models import Document
from app.errors import NotFound, ValidationFailed

_SALT = "onewindow-e-delivery"
DECISIONS = ("approval", "denial_decision")


def after_step(step, actor: str) -> None:
    """cycle.AFTER_STEP hook: a pickup code when the result is ready; the download link once it
    was delivered online."""
    case = step.case
    for old, new in step.status_changes:
        if new == C.AWAITING_DELIVERY and case.pickup_code is None:
            case.pickup_code = f"{secrets.randbelow(10 ** 6):06d}"
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


def check_pickup(case: C.Case, data: dict) -> None:
    """At the pickup window, the applicant's code must match (compared in constant time)."""
    if data.get("delivery_method") != "window_pickup" or not case.pickup_code:
        return
    given = str(data.get("pickup_code") or "")
    if not hmac.compare_digest(given.encode(), case.pickup_code.encode()):
        raise ValidationFailed("取件码不正确", {"pickup_code": ["取件码不正确，请核对申请人出示的 6 位取件码"]})


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
