"""Deploying process versions and reading them back."""
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app import clock, engine, reference
from app.auth import roles as R
from app.database import unit_of_work
from app.engine.checks import FORM_KEY
from app.errors import DeploymentRejected, NotFound, TooLarge
from app.processes import vocabulary
from app.processes.contact_kinds import CONTACT_KINDS
from app.processes.models import ProcessDefinition
from app.settings import Settings
from app.taskforms.schema import compile_form

_FORM_NAME = re.compile(r"^([A-Za-z0-9_\-]+)\.form$")
_MISSING = object()


@dataclass(frozen=True)
class DeployLimits:
    max_bpmn_bytes: int
    max_form_bytes: int
    forms_dir: Path

    @classmethod
    def of(cls, settings: Settings) -> "DeployLimits":
        return cls(settings.max_bpmn_bytes, settings.max_form_bytes, settings.forms_dir)


def _parse_uploaded_forms(uploads: list[tuple[str, bytes]], limits: DeployLimits, problems: list):
    forms = {}
    for filename, content in uploads:
        name = Path(filename or "").name
        match = _FORM_NAME.match(name)
        if not match:
            problems.append({"element_id": name or None, "rule": "form_file",
                             "message": f"表单文件名 {name!r} 应为 <formKey>.form（字母、数字、下划线、连字符）"})
            continue
        if len(content) > limits.max_form_bytes:
            problems.append({"element_id": match.group(1), "rule": "file_size",
                             "message": f"表单 {name} 超过 {limits.max_form_bytes} 字节上限"})
            continue
        try:
            forms[match.group(1)] = json.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            problems.append({"element_id": match.group(1), "rule": "form_json",
                             "message": f"表单 {name} 不是有效的 JSON：{exc}"})
    return forms


def _shipped_form(forms_dir: Path, key: str):
    """The form shipped in forms/, or _MISSING. Keys are plain names (checked by the BPMN checks),
    so the path cannot leave forms/."""
    path = forms_dir / f"{key}.form"
    if not FORM_KEY.match(key) or not path.is_file():
        return _MISSING
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None  # reported by compile_form as a malformed form


def _resolve_forms(inspection, uploaded: dict, limits: DeployLimits, problems: list) -> dict:
    process = inspection.process
    wanted = [(meta.id, meta.name, meta.form_key) for meta in process.user_tasks.values()]
    if process.start_form_key:
        wanted.append((process.key, "开始事件（申请表）", process.start_form_key))
    used = {}
    for element_id, name, form_key in wanted:
        if not form_key or not FORM_KEY.match(form_key):
            continue  # the BPMN checks reported it
        form = uploaded[form_key] if form_key in uploaded else _shipped_form(limits.forms_dir, form_key)
        if form is _MISSING:
            problems.append({"element_id": element_id, "rule": "form_missing",
                             "message": f"“{name}”的表单 {form_key} 不存在：请一并上传 {form_key}.form"})
            continue
        _, form_problems = compile_form(form)
        for message in form_problems:
            problems.append({"element_id": element_id, "rule": "form_schema", "message": f"表单 {form_key}：{message}"})
        used[form_key] = form
    return used


def form_files(forms: dict | None) -> list[tuple[str, bytes]]:
    """Forms held as JSON (a draft's) as the files a deployment takes: (`<key>.form`, bytes)."""
    return [(f"{key}.form", json.dumps(form, ensure_ascii=False).encode()) for key, form in (forms or {}).items()]


def content_hash(bpmn: bytes, forms: dict) -> str:
    digest = hashlib.sha256(bpmn)
    digest.update(b"\0")
    digest.update(json.dumps(forms, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def check(bpmn: bytes, form_uploads: list[tuple[str, bytes]], limits: DeployLimits):
    """Every problem of a BPMN file and its forms, without storing anything:
    (inspection, forms, problems)."""
    if len(bpmn) > limits.max_bpmn_bytes:
        raise TooLarge(f"BPMN 文件超过 {limits.max_bpmn_bytes} 字节上限",
                       {"file": [f"文件大小 {len(bpmn)} 字节，超过上限 {limits.max_bpmn_bytes} 字节"]})
    problems: list[dict] = []
    uploaded = _parse_uploaded_forms(form_uploads, limits, problems)
    inspection = engine.inspect(bpmn, set(R.LANE_ROLES), limits.max_bpmn_bytes, contact_kinds=CONTACT_KINDS,
                                messages=vocabulary.MESSAGES, statuses=vocabulary.CASE_STATUSES,
                                documents=vocabulary.DOCUMENTS)
    problems.extend(p.to_dict() for p in inspection.problems)
    forms = _resolve_forms(inspection, uploaded, limits, problems) if inspection.process else {}
    return inspection, forms, problems


def deploy(session: Session, bpmn: bytes, form_uploads: list[tuple[str, bytes]],
           deployed_by_id: int | None, limits: DeployLimits) -> tuple[ProcessDefinition, bool]:
    """Check and store a process version. Returns (definition, created); identical content
    returns the existing version. Raises DeploymentRejected with every problem found."""
    inspection, forms, problems = check(bpmn, form_uploads, limits)
    if problems:
        raise DeploymentRejected(f"流程定义未通过校验，共 {len(problems)} 个问题", problems)

    process = inspection.process
    sha = content_hash(bpmn, forms)
    with unit_of_work(session):
        _lock_key(session, process.key)  # two designers deploying one process get versions n and n+1
        existing = session.scalar(select(ProcessDefinition).where(
            ProcessDefinition.key == process.key, ProcessDefinition.sha256 == sha))
        if existing is not None:
            return existing, False
        latest = session.scalar(select(func.max(ProcessDefinition.version)).where(
            ProcessDefinition.key == process.key)) or 0
        definition = ProcessDefinition(
            key=process.key, version=latest + 1, name=process.name, bpmn_xml=bpmn, sha256=sha,
            forms=forms, user_tasks={k: v.to_dict() for k, v in process.user_tasks.items()},
            element_names=process.element_names, start_form_key=process.start_form_key,
            document_tasks=process.document_tasks,
            deployed_by_id=deployed_by_id,
            deployed_at=clock.now(),
        )
        session.add(definition)
    return definition, True


def _lock_key(session: Session, key: str) -> None:
    """Serialize deployments of one process key (SQLite transactions are serialized already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"process:{key}"})


def latest_version(session: Session, key: str) -> ProcessDefinition | None:
    return session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key)
                          .order_by(ProcessDefinition.version.desc()).limit(1))


def latest_for_cases(session: Session, key: str) -> ProcessDefinition | None:
    """The version new cases start on, from the worker's cache (app.reference)."""
    ident = reference.cached(session, ("latest version", key), lambda s: s.scalar(
        select(ProcessDefinition.id).where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc()).limit(1)))
    return None if ident is None else reference.entity(session, ProcessDefinition, ident)


def get_version(session: Session, key: str, version: int) -> ProcessDefinition:
    definition = session.scalar(select(ProcessDefinition).where(
        ProcessDefinition.key == key, ProcessDefinition.version == version))
    if definition is None:
        raise NotFound(f"流程 {key} 没有版本 {version}")
    return definition


def list_versions(session: Session, key: str | None = None) -> list[ProcessDefinition]:
    stmt = select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version)
    if key is not None:
        stmt = stmt.where(ProcessDefinition.key == key)
    return list(session.scalars(stmt))


def loaded(definition: ProcessDefinition) -> engine.LoadedDefinition:
    """The runnable spec of a stored version (parsed once per worker)."""
    return engine.load_definition(definition.id, definition.sha256, definition.key,
                                  lambda: definition.bpmn_xml, definition.user_tasks,
                                  definition.element_names)
