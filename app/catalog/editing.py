"""What administrators and designers do to the catalogue, each one unit of work: items and
their guide drafts, publishing, import, the halls offering an item, guide files, the
retained-certificate catalogue. (The rules themselves live in guides, transfer, certificates.)"""
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.catalog import certificates, guides, transfer
from app.catalog.document import ItemDoc, load
from app.catalog.models import DRAFT, PUBLISHED, GuideVersion, RetainedCertificate, ServiceItem
from app.database import unit_of_work
from app.files import service as files
from app.files.models import StoredFile
from app.files.service import FileStore


def version(session: Session, code: str, number: int) -> GuideVersion:
    """Version `number` of the item `code` (404 naming what is missing)."""
    return guides.version_of(session, guides.item_by_code(session, code), number)


def overview(session: Session) -> list[dict]:
    """Every item with its published guide, its open draft and the process it is handled by."""
    rows = []
    for item in session.scalars(select(ServiceItem).order_by(ServiceItem.code).options(selectinload(ServiceItem.versions))):
        published = next((v for v in item.versions if v.status == PUBLISHED), None)
        draft = next((v for v in item.versions if v.status == DRAFT), None)
        latest = draft or published or (item.versions[-1] if item.versions else None)
        rows.append({"item": item, "published": published, "draft": draft,
                     "process_key": latest.process_key if latest else None})
    return rows


def start_item(session: Session, fields: dict, by: str, store: FileStore) -> GuideVersion:
    """A new item from the catalogue page's few fields: its codes, level, name and process, and
    optionally the item whose latest guide it starts from; the rest is written in the editor (the
    linter lists what is still missing)."""
    guide: dict = {}
    if fields.get("copy_from"):  # most of a new item's guide is another item's: start from it
        source = guides.item_by_code(session, fields["copy_from"])
        guide = {k: v for k, v in guides.guide_dict(source.versions[-1]).items() if v is not None}
        guide["materials"] = [{k: v for k, v in m.items() if v is not None} for m in guide.get("materials", [])]
    guide.update(name=fields.get("name") or None, process_key=fields.get("process_key") or None,
                 change_summary="首次发布", legal_change=None)
    doc = load(ItemDoc(), {"item_code": fields.get("item_code") or "", "base_code": fields.get("base_code") or "",
                           "level": fields.get("level") or "district", "halls": [], "guide": guide})
    return create_item(session, doc, by, store)


def create_item(session: Session, doc: dict, by: str, store: FileStore) -> GuideVersion:
    with unit_of_work(session):
        return guides.create_item(session, doc, by, store)


def new_version(session: Session, code: str, content: dict | None, by: str, store: FileStore) -> GuideVersion:
    """A new draft: from `content`, or (None) a copy of the latest version."""
    with unit_of_work(session):
        return guides.new_version(session, guides.item_by_code(session, code), content, by, store)


def save_draft(session: Session, code: str, number: int, content: dict, by: str, store: FileStore) -> GuideVersion:
    with unit_of_work(session):
        return guides.save_draft(session, version(session, code, number), content, by, store)


def delete_draft(session: Session, code: str, number: int) -> None:
    with unit_of_work(session):
        guides.delete_draft(session, version(session, code, number))


def publish(session: Session, code: str, number: int, by: str) -> GuideVersion:
    with unit_of_work(session):
        return guides.publish(session, version(session, code, number), by)


def import_document(session: Session, doc: dict, by: str, store: FileStore,
                    publish: bool = False) -> tuple[GuideVersion, bool]:
    """Import a guide document (a new item, or the item's next draft); publish it at once if asked."""
    with unit_of_work(session):
        version, created = transfer.import_document(session, doc, by, store)
        if publish:
            guides.publish(session, version, by)
    return version, created


def set_halls(session: Session, code: str, hall_codes: list[str], citywide: bool) -> ServiceItem:
    with unit_of_work(session):
        item = guides.item_by_code(session, code)
        guides.set_halls(session, item, hall_codes, citywide)
    return item


def upload_file(session: Session, store: FileStore, content: bytes, name: str | None, by: str) -> StoredFile:
    """A blank form, a sample or a result sample, checked by content."""
    with unit_of_work(session):
        return files.store(session, store, content, name, by=by)


def add_certificate(session: Session, code: str, name: str, issuing_body: str | None,
                    legal_basis: str | None) -> RetainedCertificate:
    with unit_of_work(session):
        return certificates.add(session, code, name, issuing_body, legal_basis)


def remove_certificate(session: Session, code: str) -> None:
    with unit_of_work(session):
        certificates.remove(session, code)
