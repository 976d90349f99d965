"""Writing guides: items, drafts, versions, linting and publishing (art. 6–9).

A version is a draft until it is published; publishing runs the linter and refuses with every
finding, or makes the version the one shown everywhere and supersedes the one before. Published
and superseded versions never change: a law change means a new version with a change-log entry.
"""
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.auth.hallnames import name_problem
from app.auth.models import Hall
from app.catalog import linter
from app.catalog.document import GuideDoc, MaterialDoc
from app.catalog.models import DRAFT, LEVELS, PUBLISHED, SUPERSEDED, GuideMaterial, GuideVersion, RetainedCertificate, ServiceItem
from app.errors import Conflict, GuideRejected, NotFound, ValidationFailed
from app.files import service as files_service
from app.files.models import StoredFile
from app.files.service import FileStore
from app.processes.models import ProcessDefinition

_GUIDE_SCHEMA = GuideDoc()
GUIDE_FIELDS = [name for name in _GUIDE_SCHEMA.fields if name != "materials"]
MATERIAL_FIELDS = [name for name in MaterialDoc().fields if name != "code"]  # GuideDoc.materials' items
# Art. 6 (2): a lower level's guide follows the upper level's for the same base code.
LEVEL_RANK = {"district": 0, "street": 1, "community": 2}
FILE_FIELDS = {"result_sample", "blank_template", "sample"}


def item_by_code(session: Session, code: str) -> ServiceItem:
    item = session.scalar(select(ServiceItem).where(ServiceItem.code == code))
    if item is None:
        raise NotFound(f"事项 {code} 不存在")
    return item


def version_of(session: Session, item: ServiceItem, number: int) -> GuideVersion:
    version = session.scalar(select(GuideVersion).where(GuideVersion.item_id == item.id,
                                                        GuideVersion.version == number))
    if version is None:
        raise NotFound(f"事项 {item.code} 没有第 {number} 版办事指南")
    return version


def published_of(session: Session, item: ServiceItem) -> GuideVersion | None:
    return session.scalar(select(GuideVersion).where(GuideVersion.item_id == item.id,
                                                     GuideVersion.status == PUBLISHED))


def guide_dict(version: GuideVersion) -> dict:
    """A version as the `guide` part of the document (files as SHA-256)."""
    out = {name: getattr(version, name) for name in GUIDE_FIELDS}
    out["materials"] = [{"code": m.code, **{name: getattr(m, name) for name in MATERIAL_FIELDS}}
                        for m in version.materials]
    return out


def _clean(value):
    """Trim text; an empty text is no value (so the linter sees a missing element as missing)."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def _keep_file(session: Session, files: FileStore, value, field: str, by: str):
    if isinstance(value, dict):  # embedded in an imported document
        return files_service.store(session, files, value["content"], value["filename"], field=field, by=by).sha256
    return value


def _apply(session: Session, version: GuideVersion, content: dict, files: FileStore, by: str) -> None:
    for name in GUIDE_FIELDS:
        value = content.get(name)
        setattr(version, name, _keep_file(session, files, value, name, by) if name in FILE_FIELDS else _clean(value))
    existing = {m.code: m for m in version.materials}
    materials = []
    for position, doc in enumerate(content.get("materials", [])):
        # Reuse rows by code: a replaced row with the same code would collide on (guide, code).
        material = existing.pop(doc["code"], None) or GuideMaterial(code=doc["code"])
        material.position = position
        for name in MATERIAL_FIELDS:
            value = doc.get(name)
            if name in FILE_FIELDS:
                value = _keep_file(session, files, value, f"materials[{position}].{name}", by)
            setattr(material, name, _clean(value))
        materials.append(material)
    version.materials = materials
    version.updated_at = clock.now()


def set_halls(session: Session, item: ServiceItem, hall_codes: list[str], citywide: bool) -> None:
    """Art. 19–20, 24: the halls that offer the item; community stations only submit by proxy.
    A published item only goes to halls with uniform names (art. 21); a draft may name any
    hall and the linter reports it."""
    halls = list(session.scalars(select(Hall).where(Hall.code.in_(hall_codes)))) if hall_codes else []
    unknown = sorted(set(hall_codes) - {h.code for h in halls})
    if unknown:
        listed = "、".join(unknown[:10]) + (f" 等 {len(unknown)} 个" if len(unknown) > 10 else "")
        raise ValidationFailed(f"大厅不存在：{listed}", {"halls": [f"大厅不存在：{listed}"]})
    stations = [h.name for h in halls if h.level == "community"]
    if stations:
        raise ValidationFailed("社区（村）便民服务站实行代办帮办，不直接办理事项",
                               {"halls": [f"{'、'.join(stations[:10])} 是便民服务站，只能代办，不能作为办理大厅"]})
    if item.id is not None and published_of(session, item) is not None:
        misnamed = [problem for h in halls if (problem := name_problem(h.level, h.name))]
        if misnamed:
            raise ValidationFailed("办理大厅名称不符合统一规范（第二十一条）", {"halls": misnamed[:10]})
    item.halls = halls
    item.citywide = citywide


def create_item(session: Session, doc: dict, by: str, files: FileStore) -> GuideVersion:
    if session.scalar(select(ServiceItem.id).where(ServiceItem.code == doc["item_code"])) is not None:
        raise Conflict(f"事项 {doc['item_code']} 已存在", {"item_code": ["事项编码已存在"]})
    now = clock.now()
    guide = doc["guide"]
    item = ServiceItem(code=doc["item_code"], base_code=doc["base_code"], level=doc["level"],
                       name=guide.get("name") or doc["item_code"], item_type=guide.get("item_type") or "licence",
                       implementing_body=guide.get("implementing_body"), created_at=now)
    set_halls(session, item, doc.get("halls") or [], bool(doc.get("citywide")))
    session.add(item)
    session.flush()
    version = GuideVersion(item=item, version=1, status=DRAFT, created_at=now, created_by=by, updated_at=now)
    session.add(version)
    _apply(session, version, guide, files, by)
    session.flush()
    return version


def open_draft(session: Session, item: ServiceItem) -> GuideVersion | None:
    return session.scalar(select(GuideVersion).where(GuideVersion.item_id == item.id, GuideVersion.status == DRAFT))


def new_version(session: Session, item: ServiceItem, content: dict | None, by: str, files: FileStore) -> GuideVersion:
    """Start version n+1 from `content`, or as a copy of the latest version to edit."""
    draft = open_draft(session, item)
    if draft is not None:
        raise Conflict(f"事项已有未发布的草稿（第 {draft.version} 版），请先修改或删除该草稿",
                       draft_version=draft.version)
    latest = session.scalar(select(GuideVersion).where(GuideVersion.item_id == item.id)
                            .order_by(GuideVersion.version.desc()).limit(1))
    if content is None:
        content = guide_dict(latest) if latest else {}
        content["legal_change"], content["change_summary"] = None, None  # each version names its own
    now = clock.now()
    number = (latest.version if latest else 0) + 1
    version = GuideVersion(item=item, version=number, status=DRAFT, created_at=now, created_by=by, updated_at=now)
    session.add(version)
    _apply(session, version, content, files, by)
    session.flush()
    return version


def _locked(session: Session, version: GuideVersion) -> GuideVersion:
    """The version re-read under a row lock: a concurrent publish, save or delete waits, and
    the status checked next is the committed one, not what this request read earlier."""
    return session.scalars(select(GuideVersion).where(GuideVersion.id == version.id).with_for_update(of=GuideVersion)
                           .execution_options(populate_existing=True)).one()


def save_draft(session: Session, version: GuideVersion, content: dict, by: str, files: FileStore) -> GuideVersion:
    version = _locked(session, version)
    if version.status != DRAFT:
        raise Conflict(f"第 {version.version} 版已{'发布' if version.status == PUBLISHED else '被替代'}，不能修改；"
                       "请新建版本")
    _apply(session, version, content, files, by)
    if published_of(session, version.item) is None:  # never published: lists show the draft's name
        _copy_summary(version)
    session.flush()
    return version


def delete_draft(session: Session, version: GuideVersion) -> None:
    version = _locked(session, version)
    if version.status != DRAFT:
        raise Conflict("只能删除草稿")
    if version.version == 1 and published_of(session, version.item) is None:
        raise Conflict("事项的第一版草稿不能单独删除")
    session.delete(version)


def _material_tasks(session: Session, key: str | None) -> dict:
    """{key: names of the tasks whose forms offer the item's materials} for the process's latest version."""
    if not key:
        return {}
    latest = session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key)
                            .order_by(ProcessDefinition.version.desc()).limit(1))
    if latest is None:
        return {}
    asking = {form_key for form_key, form in (latest.forms or {}).items() if _offers_materials(form)}
    names = [meta.get("name") or task_id for task_id, meta in (latest.user_tasks or {}).items()
             if meta.get("form_key") in asking]
    return {key: sorted(names)} if names else {}


def _offers_materials(component) -> bool:
    if isinstance(component, dict):
        return component.get("valuesKey") == "item_materials" or any(map(_offers_materials, component.values()))
    if isinstance(component, list):
        return any(map(_offers_materials, component))
    return False


def lint_context(session: Session, version: GuideVersion) -> linter.LintContext:
    item = version.item
    peers = []
    others = [] if not item.base_code else list(session.scalars(select(ServiceItem).where(
        ServiceItem.base_code == item.base_code, ServiceItem.id != item.id)))
    for other in others:
        if LEVEL_RANK.get(other.level, 0) >= LEVEL_RANK.get(item.level, 0):
            continue  # the upper level leads; the same level elsewhere is not this guide's reference
        published = published_of(session, other)
        if published is not None:
            peers.append(linter.Peer(other.code, LEVELS.get(other.level, other.level), guide_dict(published)))
    referenced = {m.blank_template for m in version.materials} | {m.sample for m in version.materials}
    referenced = {sha for sha in referenced | {version.result_sample} if sha}
    return linter.LintContext(
        version=version.version,
        retained_certificates=set(session.scalars(select(RetainedCertificate.code))),
        deployed_processes=set(session.scalars(select(ProcessDefinition.key).distinct())),
        material_tasks=_material_tasks(session, version.process_key),
        peers=peers,
        halls=[(h.code, h.name, h.level) for h in item.halls],
        known_files=set(session.scalars(select(StoredFile.sha256).where(StoredFile.sha256.in_(referenced))))
        if referenced else set(),
    )


def lint_version(session: Session, version: GuideVersion) -> list[dict]:
    """Findings for a draft; a published or superseded version passed when it was published."""
    if version.status != DRAFT:
        return []
    return linter.lint(guide_dict(version), lint_context(session, version))


def _copy_summary(version: GuideVersion) -> None:
    item = version.item
    item.name = version.name or item.code
    item.item_type = version.item_type or item.item_type
    item.implementing_body = version.implementing_body


def publish(session: Session, version: GuideVersion, by: str) -> GuideVersion:
    version = _locked(session, version)
    if version.status != DRAFT:
        raise Conflict(f"第 {version.version} 版不是草稿（{version.status}），不能发布")
    item = session.scalar(select(ServiceItem).where(ServiceItem.id == version.item_id).with_for_update(of=ServiceItem))
    if item is None:
        raise NotFound("事项不存在")
    findings = lint_version(session, version)
    if findings:
        raise GuideRejected(f"办事指南有 {len(findings)} 处不符合规范，不能发布", findings)
    today = clock.now().astimezone(clock.LOCAL_TZ).date()
    current = published_of(session, item)
    if current is not None:
        current.status, current.effective_until = SUPERSEDED, today
        session.flush()  # free the one-published-per-item slot before taking it
    version.status, version.effective_from = PUBLISHED, today
    version.published_at, version.published_by = clock.now(), by
    _copy_summary(version)
    session.flush()
    return version
