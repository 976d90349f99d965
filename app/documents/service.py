"""Issuing the documents of a case at its decisions (art. 13–14, 28): composed from the case and
its guide version, drawn as a PDF, stored, signed with the office's seal, listed on the case.

Decided inside the engine step that made the decision (an after-step hook the bootstrap
registers: `Issuer(key_file).after_step`): number, kind, wording and moment are recorded with the
decision, so a document exists exactly when its decision does and a failed step leaves none
behind. Drawing, sealing and storing the PDF (tens of milliseconds) happen right after the
commit, in the documents job (`draw_pending`), so they never hold the case lock; until then the
document shows as 生成中.
"""
import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Protocol

from sqlalchemy import bindparam, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, lazyload

from app import clock
from app.cases import intake
from app.cases import models as C
from app.catalog.models import MATERIAL_TYPES
from app.database import defer_insert, unit_of_work
from app.documents import keys, render, seal
from app.documents.models import KINDS, Document, DocumentSequence
from app.errors import DomainError, NotFound
from app.files import service as files
from app.files.service import FileStore
from app.timers import wakeup

logger = logging.getLogger(__name__)

RIGHTS = ("如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，"
          "或者在六个月内依法向人民法院提起行政诉讼。")


def _day(moment) -> str:
    return clock.chinese_date(moment, "—")


def _asked(material) -> str:
    parts = [f"{MATERIAL_TYPES.get(material.material_type, '')}{material.copies}份", material.paper_spec,
             material.condition, material.notes]
    return f"{material.name}（{'，'.join(p for p in parts if p)}）"


def compose(case: C.Case, kind: str, clerk: str, answers: dict, base_url: str) -> tuple[str, list[str], dict]:
    """(letterhead, paragraphs, data) of a document; `clerk` is who decided (shown by name),
    `answers` what the step's tasks were answered with, by BPMN element."""
    guide, names = case.guide, case.guide.material_names()
    by_code = {m.code: m for m in guide.materials}
    applicant = case.applicant["name"]
    applied = f"你（单位）于{_day(case.created_at)}提出的“{guide.name}”申请（办件编号 {case.case_no}）"
    body = [f"{applicant}："]
    letterhead = guide.implementing_body or case.hall.name
    data = {"case_no": case.case_no, "applicant": applicant, "item": guide.name}
    if kind == "acceptance_receipt":
        letterhead = case.hall.name
        received = [f"{i}. {names.get(c, c)}" for i, c in enumerate(case.materials, 1)]
        body += [f"{applied}，本机关已于{_day(case.accepted_at or clock.now())}予以受理。", "已收到的申请材料：",
                 *(received or ["（无）"]),
                 f"承诺办结期限：{_day(case.decision_due)}前（{guide.promised_limit_days}个工作日）；"
                 f"法定办结期限：{_day(case.legal_due)}前（{guide.legal_limit_days}个工作日）。",
                 f"受理人：{clerk}。",
                 f"办理进度可登录 {base_url}/my 查询，或致电 {guide.consultation_contact or '12345'} 咨询。"]
        data.update(materials=list(case.materials), decision_due=case.decision_due.isoformat() if case.decision_due else None)
    elif kind in ("correction_notice", "tolerance_notice"):
        letterhead = case.hall.name
        notes = intake.notice_material_notes(answers)
        missing = [f"{i}. {_asked(by_code[c]) if c in by_code else c}" + (f"。存在问题：{notes[c]}" if c in notes else "")
                   for i, c in enumerate(case.outstanding_materials, 1)]
        if kind == "correction_notice":
            body += [f"{applied}，申请材料不齐全或者不符合法定形式。依据《中华人民共和国行政许可法》第三十二条，"
                     "现一次性告知你（单位）需要补齐补正的全部材料：", *missing,
                     f"请于{_day(case.supplement_due_at)}前补齐补正。逾期未补齐补正的，视为放弃本次申请，不予受理。"]
        else:
            body += [f"{applied}，基本条件具备、主要申请材料齐全且符合法定形式，次要材料有欠缺，本机关予以容缺受理。"
                     "尚需补齐的材料：", *missing,
                     f"请于{_day(case.supplement_due_at)}前补齐。材料补齐前不作出准予决定；逾期未补齐的，不予批准。"]
        reason = intake.notice_reason(answers)
        if reason:
            body.append(f"补正说明：{reason}")
        body.append(f"提交地点：{case.hall.name}（{guide.location or '综合受理窗口'}），"
                    f"或登录 {base_url}/my 在线提交。咨询电话：{guide.consultation_contact or '12345'}。")
        data.update(materials=list(case.outstanding_materials), reason=reason, material_notes=notes,
                    due=case.supplement_due_at.isoformat() if case.supplement_due_at else None)
    elif kind == "non_acceptance_decision":
        refer = ((answers.get("front_desk_acceptance") or {}).get("refer_to") or "").strip()
        body += [f"{applied}，经审查，本机关决定不予受理。", f"理由：{case.status_reason or '申请材料不符合受理条件'}。"]
        if refer:
            body.append(f"该申请事项不属于本机关职权范围，请向{refer}申请。")
        body += [RIGHTS, f"联系方式：{guide.consultation_contact or '12345'}。"]
        data.update(reason=case.status_reason, refer_to=refer or None)
    elif kind == "denial_decision":
        body += [f"{applied}，经审查，本机关决定不予批准。", f"理由：{case.status_reason or '不符合法定条件'}。", RIGHTS,
                 f"联系方式：{guide.consultation_contact or '12345'}；监督投诉：{guide.complaint_contact or '12345'}。"]
        data.update(reason=case.status_reason)
    elif kind == "deemed_renewal":
        data_fields = case.application_data or {}
        body += [f"{applied}。本机关在该许可有效期届满（{data_fields.get('expiry_date', '—')}）前未作出是否准予延续的决定，"
                 "依据《中华人民共和国行政许可法》第五十条第二款，视为准予延续。",
                 f"原许可证编号：{data_fields.get('licence_no', '—')}。联系方式：{guide.consultation_contact or '12345'}。"]
        data.update(licence_no=data_fields.get("licence_no"))
    elif kind == "approval":
        body += [f"{applied}，经审查，符合法定条件、标准，本机关决定准予{guide.name}。",
                 f"办理结果：{guide.result_name or guide.name}。结果将按你选择的方式送达。",
                 f"联系方式：{guide.consultation_contact or '12345'}。"]
        data.update(result=guide.result_name)
    return letterhead, body, data


def _next_numbers(dialect) -> Callable:
    def statement(rows):
        return ((pg_insert if dialect == "postgresql" else sqlite_insert)(DocumentSequence).values(rows)
                .on_conflict_do_update(index_elements=["prefix", "year"], set_={"last": DocumentSequence.last + 1})
                .returning(DocumentSequence.prefix, DocumentSequence.year, DocumentSequence.last))
    return statement


_NEXT_NUMBERS = {dialect: _next_numbers(dialect) for dialect in ("postgresql", "sqlite")}
# One document a step is the rule: its statement is built once (building it costs what running it does).
_NEXT_NUMBER = {dialect: make({"prefix": bindparam("prefix"), "year": bindparam("year"), "last": 1})
                for dialect, make in _NEXT_NUMBERS.items()}


def _numbers(session: Session, keys: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """The next number of each (kind prefix, year), gapless, in one statement: the sequence rows
    stay locked until the issuing step commits (a rolled-back step gives its numbers back)."""
    dialect = session.get_bind().dialect.name
    if len(keys) == 1:
        (prefix, year), = keys
        rows = session.connection().execute(_NEXT_NUMBER[dialect], {"prefix": prefix, "year": year})
    else:
        rows = session.connection().execute(_NEXT_NUMBERS[dialect]([{"prefix": p, "year": y, "last": 1}
                                                                     for p, y in keys]))
    return {(row.prefix, row.year): int(row.last) for row in rows}


def issue(step, kinds: list[str], actor: str, office: str) -> list[str]:
    """Decide documents inside the engine step: their numbers (one statement), wording and
    moment; returns their numbers. The rows go out with the step's flush, in bulk
    (app.database.defer_insert); the documents job draws and seals them right after the commit."""
    case, session = step.case, step.session
    now = clock.now().astimezone(UTC).replace(microsecond=0)
    year = now.astimezone(clock.LOCAL_TZ).year
    numbers = _numbers(session, sorted({(KINDS[kind][1], year) for kind in kinds}))
    issued = []
    for kind in kinds:
        title, prefix = KINDS[kind]
        letterhead, paragraphs, data = compose(case, kind, step.actor_name or actor, step.answers,
                                               step.settings.document_base_url)
        document_no = f"鄠政务{prefix}〔{year}〕{numbers[(prefix, year)]:06d}号"
        defer_insert(session, Document, {
            "case_id": case.id, "kind": kind, "title": title, "signer": office, "issued_by": actor, "data": data,
            "document_no": document_no, "verify_key": secrets.token_urlsafe(16)[:22], "issued_at": now,
            "content": {"letterhead": letterhead, "paragraphs": paragraphs, "date_text": _day(now)}})
        step.log.append("document_issued", actor, f"出具{title}（{document_no}）",
                        {"document_no": document_no, "kind": kind})
        issued.append(document_no)
    wakeup.announce(session, clock.now())  # the documents job draws them now
    return issued


def draw(session: Session, document: Document, key_file: seal.KeyFile, store: FileStore, base_url: str) -> None:
    """Draw the decided document as a PDF, store it and sign it with the seal signing now."""
    signing = keys.signing_key(session, key_file)
    content, number = document.content or {}, document.document_no or ""
    pdf = render.render(letterhead=content.get("letterhead", ""), title=document.title,
                        document_no=number, paragraphs=content.get("paragraphs", []),
                        office=signing.office, date_text=content.get("date_text", ""),
                        verify_url=f"{base_url}/verify/{document.verify_key}")
    stored = files.store(session, store, pdf, f"{document.title}{document.document_no}.pdf", by=document.issued_by)
    now = clock.now().astimezone(UTC).replace(microsecond=0)  # what the signature covers, exactly
    document.file_id, document.sha256, document.signed_at = stored.id, stored.sha256, now
    document.key_id, document.signer = signing.key_id, signing.office
    document.signature = signing.sign(seal.signed_message(number, stored.sha256, now.isoformat()))


def _claim_pending(session: Session, skip: set[int]) -> Document | None:
    stmt = (select(Document).where(Document.file_id.is_(None), Document.content.is_not(None),
                                   Document.id.notin_(skip) if skip else true())
            .options(lazyload("*")).order_by(Document.id).limit(1))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Document, skip_locked=True)
    return session.scalar(stmt)


def draw_pending(session: Session, key_file: seal.KeyFile, store: FileStore, base_url: str,
                 limit: int = 200) -> dict:
    """The documents job: draw what the steps decided, one document per transaction (two
    schedulers never draw one twice: SKIP LOCKED). A document that cannot be drawn (a retired
    seal key, a full disk) stays pending and is counted; the next round tries again."""
    counts = {"drawn": 0, "failed": 0}
    tried: set[int] = set()
    for _ in range(limit):
        document = None
        try:
            with unit_of_work(session):
                document = _claim_pending(session, tried)
                if document is None:
                    break
                tried.add(document.id)
                draw(session, document, key_file, store, base_url)
            counts["drawn"] += 1
        except DomainError:
            logger.exception("document %s could not be drawn", document.id if document else None)
            counts["failed"] += 1
    return counts


class Decided(Protocol):
    """What of a case decides its documents (a case; the modeler's test run shows the same)."""

    tolerated: bool
    decision: str | None


def kinds_for(case: Decided, old: str, new: str) -> list[str]:
    """Which documents a status change calls for."""
    if new == C.AWAITING_CORRECTION:
        return ["correction_notice"]
    if old in (C.SUBMITTED, C.AWAITING_CORRECTION) and new == C.UNDER_REVIEW:
        return ["acceptance_receipt"] + (["tolerance_notice"] if case.tolerated else [])
    if new == C.NOT_ACCEPTED:
        return ["non_acceptance_decision"]
    if new == C.AWAITING_DELIVERY:  # decided: the decision goes out with the delivery
        return ["approval" if case.decision == "approve" else "denial_decision"]
    if new == C.DENIED and old != C.AWAITING_DELIVERY:  # denied without a delivery step
        return ["denial_decision"]
    if new == C.DEEMED_RENEWED:  # art. 14(4): undecided at expiry
        return ["deemed_renewal"]
    return []


@dataclass(frozen=True)
class Issuer:
    """The after-step hook that decides what a step's decisions call for, signed later with this
    installation's seal (the bootstrap registers `Issuer(key_file).after_step`)."""

    key_file: seal.KeyFile

    def after_step(self, step, actor: str) -> None:
        kinds = [kind for old, new in step.status_changes for kind in kinds_for(step.case, old, new)]
        # 出具文书 steps the flow passed in this step (a process version's document_tasks)
        issuing = step.case.definition.document_tasks or {}
        if issuing:
            kinds += [kind for kind in (issuing[e] for e in step.instance.finished_here() if e in issuing)
                      if kind in KINDS and kind not in kinds]
        if kinds:
            issue(step, kinds, actor, self.key_file.current().office)


def of_case(session: Session, case_id: int) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.case_id == case_id).order_by(Document.id)))


def of_case_by_id(session: Session, case_id: int, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None or document.case_id != case_id or document.file is None:
        raise NotFound("文书不存在")
    return document


def drawn(session: Session, case_id: int, document_id: int, key_file: seal.KeyFile, store: FileStore,
          base_url: str) -> Document:
    """One document of a case, drawn now if the documents job has not reached it yet: the clerk
    who has just decided prints the notice at once. The row lock makes the job and this wait for
    each other, so a document is drawn once."""
    document = session.get(Document, document_id)
    if document is None or document.case_id != case_id or (document.file_id is None and document.content is None):
        raise NotFound("文书不存在")
    if document.file_id is None:
        with unit_of_work(session):
            stmt = select(Document).where(Document.id == document_id, Document.file_id.is_(None))
            if session.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(of=Document)
            pending = session.scalar(stmt.execution_options(populate_existing=True))
            if pending is not None:
                draw(session, pending, key_file, store, base_url)
        session.refresh(document)
    return document


def by_verify_key(session: Session, key: str) -> Document:
    document = session.scalar(select(Document).where(Document.verify_key == key)) if key else None
    if document is None:
        raise NotFound("文书不存在")
    return document


def verify_file(session: Session, content: bytes, key_file: seal.KeyFile) -> Document | None:
    """The document this exact file is, if it is a signed original (hash known, signature good)."""
    digest = hashlib.sha256(content).hexdigest()
    document = session.scalar(select(Document).where(Document.sha256 == digest))
    if document is None or not signature_valid(session, document, key_file):
        return None
    return document


VALID = "valid"
BAD_SIGNATURE = "bad_signature"
AFTER_RETIREMENT = "after_retirement"
SIGNATURE_STATES = {
    VALID: "电子签章有效",
    BAD_SIGNATURE: "电子签章无效",
    keys.UNREGISTERED: "电子签章无效：签章密钥未登记",
    keys.MISMATCH: "电子签章无效：签章密钥与登记不符",
    AFTER_RETIREMENT: "电子签章无效：签章时间晚于该密钥停用时间",
}


def signature_state(session: Session, document: Document, key_file: seal.KeyFile) -> str:
    """VALID, or why not (a key of SIGNATURE_STATES). Checked with the public key this host
    trusts under the document's own key id (keys.trusted: pinned outside the database and
    registered), so documents signed before a key rotation stay valid; a key id this host has
    not pinned never verifies, nor does a signature dated after its key was retired (what a
    leaked retired key could make)."""
    if not (document.signature and document.signed_at and document.sha256 and document.document_no):
        return BAD_SIGNATURE
    trust = keys.trusted(session, document.key_id, key_file)
    if trust[0] is None:
        return trust[1]
    key = trust[0]
    stamp = document.signed_at.astimezone(UTC).isoformat()
    if not seal.verify_with(key.public, seal.signed_message(document.document_no, document.sha256, stamp),
                            document.signature):
        return BAD_SIGNATURE
    if key.retired_at is not None and document.signed_at > key.retired_at:
        return AFTER_RETIREMENT
    return VALID


def signature_valid(session: Session, document: Document, key_file: seal.KeyFile) -> bool:
    return signature_state(session, document, key_file) == VALID


READY, DRAWING = "ready", "drawing"
STATE_LABELS = {READY: "已生成", DRAWING: "生成中"}


def state_of(document: Document) -> str:
    """READY once drawn and sealed; DRAWING for the moment after the step that decided it."""
    return READY if document.file_id is not None else DRAWING


def describe(document: Document) -> dict:
    state = state_of(document)
    return {"document_no": document.document_no, "kind": document.kind, "title": document.title,
            "state": state, "state_label": STATE_LABELS[state],
            "issued_at": document.issued_at.isoformat() if document.issued_at else None,
            "verify_path": f"/verify/{document.verify_key}",
            "sha256": document.sha256, "signer": document.signer, "key_id": document.key_id,
            "signed_at": document.signed_at.isoformat() if document.signed_at else None}


def notice_said(session: Session, case_id: int) -> tuple[str | None, dict[str, str]]:
    """The clerk's words on the case's latest correction or tolerance notice: (overall, per material)."""
    data = session.scalar(select(Document.data).where(
        Document.case_id == case_id, Document.kind.in_(("correction_notice", "tolerance_notice")))
        .order_by(Document.id.desc()).limit(1)) or {}
    return data.get("reason"), dict(data.get("material_notes") or {})


def issued_since(session: Session, case_id: int, moment) -> list[Document]:
    """The case's documents decided at or after `moment` (issued_at is kept to the second)."""
    since = moment.astimezone(UTC).replace(microsecond=0)
    return list(session.scalars(select(Document).where(Document.case_id == case_id, Document.issued_at >= since)
                                .order_by(Document.id)))
