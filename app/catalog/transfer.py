"""Import and export of guides as JSON documents (see README "Guide documents")."""
import base64

from sqlalchemy.orm import Session

from app.catalog import guides
from app.catalog.document import ItemDoc, load
from app.catalog.models import GuideVersion, ServiceItem
from app.errors import Conflict
from app.files import service as files_service
from app.files.service import FileStore


def parse(data) -> dict:
    """A raw JSON document, validated (ValidationFailed naming the fields otherwise)."""
    return load(ItemDoc(), data)


def import_document(session: Session, doc: dict, by: str, files: FileStore) -> tuple[GuideVersion, bool]:
    """Create the item with a first draft, or put the guide into the item's open draft (a new
    version when none is open). `doc` is a parsed document. Returns (draft, created item?).
    Publishing stays a separate, linted step."""
    item = session.query(ServiceItem).filter_by(code=doc["item_code"]).one_or_none()
    if item is None:
        return guides.create_item(session, doc, by, files), True
    if item.base_code != doc["base_code"] or item.level != doc["level"]:
        # An unassigned base code (items from before the catalogue) may be filled in.
        if item.base_code and guides.published_of(session, item) is not None:
            raise Conflict("已发布事项的基本编码和层级不能通过导入修改",
                           {"base_code": [f"已登记为 {item.base_code}（{item.level}）"]})
        item.base_code, item.level = doc["base_code"], doc["level"]
    if doc.get("halls") is not None or doc.get("citywide") is not None:  # absent: leave as they are
        guides.set_halls(session, item,
                         doc["halls"] if doc.get("halls") is not None else [h.code for h in item.halls],
                         doc["citywide"] if doc.get("citywide") is not None else item.citywide)
    draft = guides.open_draft(session, item)
    if draft is None:
        return guides.new_version(session, item, doc["guide"], by, files), False
    return guides.save_draft(session, draft, doc["guide"], by, files), False


def _embedded(session: Session, files: FileStore, sha: str | None):
    if not sha:
        return sha
    row = files_service.get(session, sha)
    return {"filename": row.original_name, "media_type": row.media_type,
            "content_base64": base64.b64encode(files_service.read(files, row)).decode("ascii")}


def export_document(session: Session, version: GuideVersion, files: FileStore | None = None) -> dict:
    """The version as an import document; with `files`, attachments are embedded so the
    document can be imported on another installation."""
    item = version.item
    guide = guides.guide_dict(version)
    if files is not None:
        guide["result_sample"] = _embedded(session, files, guide["result_sample"])
        for material in guide["materials"]:
            for name in ("blank_template", "sample"):
                material[name] = _embedded(session, files, material[name])
    return {"item_code": item.code, "base_code": item.base_code, "level": item.level,
            "citywide": item.citywide, "halls": [h.code for h in item.halls], "guide": guide,
            "version": version.version, "status": version.status,
            "effective_from": version.effective_from.isoformat() if version.effective_from else None}


