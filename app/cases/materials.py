"""Materials of a case: uploaded files, files already on file from earlier cases, shared data.

Only the applicant and the staff of the case's hall reach a file, always through the case
(never by a path), and every download is written into the case history.
"""
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app import clock
from app.cases import cycle
from app.cases.history import EventLog
from app.cases.models import MATERIAL_SOURCES, NOT_ACCEPTED, ON_FILE, SHARING, UPLOAD, Case, CaseMaterial
from app.errors import NotFound, ValidationFailed
from app.files import service as files
from app.files.service import FileStore


def _material(case: Case, code: str, field: str):
    material = next((m for m in case.guide.materials if m.code == code), None)
    if material is None:
        raise ValidationFailed(f"材料 {code} 不属于本办件的办事指南", {field: [f"不属于“{case.guide.name}”的材料"]})
    return material


def attach_upload(session: Session, store: FileStore, case: Case, code: str, content: bytes, name: str | None,
                  by: str, field: str | None = None) -> CaseMaterial:
    field = field or f"files.{code}"
    material = _material(case, code, field)
    if not material.asked_of_applicant:
        raise ValidationFailed(f"{material.name}由部门共享获取，无需上传", {field: ["共享获取的材料无需上传"]})
    stored = files.store(session, store, content, name, field=field, by=by)
    row = CaseMaterial(case_id=case.id, material_code=code, material_name=material.name, source=UPLOAD,
                       file_id=stored.id, file_name=files.sanitise_name(name, stored.media_type), uploaded_by=by,
                       uploaded_at=clock.now())
    session.add(row)
    return row


def attach_on_file(session: Session, case: Case, code: str, earlier: CaseMaterial, by: str) -> CaseMaterial:
    material = _material(case, code, f"on_file.{code}")
    row = CaseMaterial(case_id=case.id, material_code=code, material_name=material.name, source=ON_FILE,
                       file_id=earlier.file_id, file_name=earlier.file_name, from_case_id=earlier.case_id,
                       uploaded_by=by, uploaded_at=clock.now())
    session.add(row)
    return row


def attach_shared(session: Session, case: Case, code: str, by: str) -> CaseMaterial:
    material = _material(case, code, f"shared.{code}")
    row = CaseMaterial(case_id=case.id, material_code=code, material_name=material.name, source=SHARING,
                       uploaded_by=by, uploaded_at=clock.now())
    session.add(row)
    return row


def describe(row: CaseMaterial, staff: bool = False) -> dict:
    out = {"id": row.id, "code": row.material_code, "name": row.material_name, "source": row.source,
           "source_label": MATERIAL_SOURCES[row.source], "file_name": row.file_name,
           "uploaded_at": row.uploaded_at.isoformat()}
    if staff:
        out.update(size=row.file.size if row.file else None, sha256=row.file.sha256 if row.file else None,
                   from_case_id=row.from_case_id, uploaded_by=row.uploaded_by)
    return out


def of_case(session: Session, case_id: int) -> list[CaseMaterial]:
    return list(session.scalars(select(CaseMaterial).where(CaseMaterial.case_id == case_id)
                                .order_by(CaseMaterial.uploaded_at, CaseMaterial.id)))


def on_file(session: Session, applicant_id: int, guide, halls: set[int] | None = None) -> dict[str, CaseMaterial]:
    """What this applicant already provided that this guide asks for, by material code: the
    latest file of an earlier case for the same item and code, else for a material of the same
    name; with `halls`, only of cases those halls handled or filed. Forms are filled in anew for
    each application, and a refused case proves nothing."""
    stmt = select(CaseMaterial).join(Case, Case.id == CaseMaterial.case_id).where(
        Case.applicant_id == applicant_id, Case.status != NOT_ACCEPTED, CaseMaterial.file_id.is_not(None))
    if halls is not None:
        stmt = stmt.where(or_(Case.hall_id.in_(halls), Case.proxy_hall_id.in_(halls)))
    rows = session.scalars(stmt.order_by(CaseMaterial.uploaded_at.desc(), CaseMaterial.id.desc()))
    by_code: dict[tuple, CaseMaterial] = {}
    by_name: dict[str, CaseMaterial] = {}
    for row in rows:
        by_code.setdefault((row.case.item_id, row.material_code), row)
        by_name.setdefault(row.material_name, row)
    found: dict[str, CaseMaterial] = {}
    for m in guide.materials:
        if not m.asked_of_applicant or m.category == "form":
            continue
        earlier = by_code.get((guide.item_id, m.code)) or by_name.get(m.name)
        if earlier is not None:
            found[m.code] = earlier
    return found


def download(session: Session, store: FileStore, case: Case, material_id: int, actor: str,
             who: str) -> tuple[CaseMaterial, bytes]:
    """The file's bytes; the download is recorded in the case history (under the case lock,
    so history entries stay in order)."""
    row = session.get(CaseMaterial, material_id)
    if row is None or row.case_id != case.id or row.file is None:
        raise NotFound("文件不存在")
    content = files.read(store, row.file)
    cycle.lock_case(session, case.id)  # history entries in order, as every writer of events does
    EventLog(session, case).append("file_downloaded", actor, f"{who}下载材料“{row.material_name}”（{row.file_name}）",
                                   {"case_material_id": row.id, "sha256": row.file.sha256})
    return row, content
