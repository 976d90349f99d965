"""The retained-certificate catalogue (保留证明事项目录, art. 7(2)): administrators keep it."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.catalog.models import PUBLISHED, GuideMaterial, GuideVersion, RetainedCertificate
from app.errors import Conflict, NotFound


def list_all(session: Session) -> list[RetainedCertificate]:
    return list(session.scalars(select(RetainedCertificate).order_by(RetainedCertificate.code)))


def add(session: Session, code: str, name: str, issuing_body: str | None, legal_basis: str | None) -> RetainedCertificate:
    if session.scalar(select(RetainedCertificate.id).where(RetainedCertificate.code == code)) is not None:
        raise Conflict(f"证明事项 {code} 已在目录中", {"code": ["编码已存在"]})
    row = RetainedCertificate(code=code, name=name, issuing_body=issuing_body, legal_basis=legal_basis,
                              created_at=clock.now())
    session.add(row)
    session.flush()
    return row


def remove(session: Session, code: str) -> None:
    row = session.scalar(select(RetainedCertificate).where(RetainedCertificate.code == code))
    if row is None:
        raise NotFound(f"证明事项 {code} 不在目录中")
    # A published guide relying on it would silently stop meeting art. 7(2).
    users = list(session.scalars(select(GuideVersion).join(GuideMaterial)
                                 .where(GuideMaterial.certificate_code == code, GuideVersion.status == PUBLISHED)))
    if users:
        raise Conflict(f"已发布的办事指南仍在使用证明事项 {code}，请先修订这些指南",
                       items=sorted({v.item.code for v in users}))
    session.delete(row)
