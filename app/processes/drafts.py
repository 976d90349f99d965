"""The modeler's workspace: drafts of processes saved on the server while they are designed, with
their forms, one editor at a time, deployed as one version (the BPMN and every form it uses)."""
import ast
import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from app import clock, engine
from app.auth import roles as R
from app.auth.principal import Principal
from app.database import locked, unit_of_work
from app.engine import model as bpmn_model
from app.engine.checks import FORM_KEY
from app.errors import Conflict, DeploymentRejected, NotFound, PermissionDenied, ValidationFailed
from app.processes import sandbox
from app.processes import service as processes
from app.processes.contact_kinds import CONTACT_KINDS
from app.processes.models import DraftTestRun, ProcessDefinition, ProcessDraft
from app.settings import Settings
from app.taskforms.schema import compile_form, validate_submission

LEASE = timedelta(minutes=2)  # the page renews it while open; a closed tab frees the draft soon
NAME_MAX = 200

# A blank process: a pool with the three posts' lanes every service item has (a task must sit in
# a lane named by its post) and one start event at the front desk, the shape bpmn-js needs to draw.
BLANK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_new" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="Collaboration_new">
    <bpmn:participant id="Participant_1" name="{name}" processRef="{key}" />
  </bpmn:collaboration>
  <bpmn:process id="{key}" name="{name}" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_front_desk" name="front_desk"><bpmn:flowNodeRef>StartEvent_1</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="Lane_back_office" name="back_office" />
      <bpmn:lane id="Lane_pickup_window" name="pickup_window" />
    </bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1" name="收件" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Collaboration_new">
      <bpmndi:BPMNShape id="Participant_1_di" bpmnElement="Participant_1" isHorizontal="true">
        <dc:Bounds x="120" y="60" width="1000" height="450" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Lane_front_desk_di" bpmnElement="Lane_front_desk" isHorizontal="true">
        <dc:Bounds x="150" y="60" width="970" height="150" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Lane_back_office_di" bpmnElement="Lane_back_office" isHorizontal="true">
        <dc:Bounds x="150" y="210" width="970" height="150" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Lane_pickup_window_di" bpmnElement="Lane_pickup_window" isHorizontal="true">
        <dc:Bounds x="150" y="360" width="970" height="150" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="220" y="117" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def _designer(principal: Principal) -> None:
    if not principal.has_role(R.DESIGNER, R.ADMIN):
        raise PermissionDenied("只有流程设计人员或系统管理员可以编辑流程草稿")


def _name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed("请填写草稿名称", {"name": ["必填项"]})
    if len(name) > NAME_MAX:
        raise ValidationFailed("草稿名称过长", {"name": [f"不能超过 {NAME_MAX} 个字"]})
    return name


def templates(processes_dir: Path) -> dict[str, str]:
    """Shipped processes a new draft may start from: file stem -> process name."""
    out = {}
    for path in sorted(processes_dir.glob("*.bpmn")):
        inspection = engine.inspect(path.read_bytes(), set(R.LANE_ROLES), 10 * 1024 * 1024, contact_kinds=CONTACT_KINDS)
        out[path.stem] = inspection.process.name if inspection.process and inspection.process.name else path.stem
    return out


def _forms_of(bpmn: bytes, forms_dir: Path, given: dict) -> dict:
    """The forms a process uses: those given, else the shipped ones of the same key."""
    inspection = engine.inspect(bpmn, set(R.LANE_ROLES), 10 * 1024 * 1024, contact_kinds=CONTACT_KINDS)
    if inspection.process is None:
        return dict(given)
    keys = {meta.form_key for meta in inspection.process.user_tasks.values() if meta.form_key}
    if inspection.process.start_form_key:
        keys.add(inspection.process.start_form_key)
    forms = dict(given)
    for key in sorted(keys - set(forms)):
        path = forms_dir / f"{key}.form"
        if FORM_KEY.match(key) and path.is_file():
            forms[key] = json.loads(path.read_text(encoding="utf-8"))
    return forms


BLOCK_FORMS = ("front_desk_acceptance", "back_office_review", "window_delivery")  # the palette's building blocks


def block_forms(principal: Principal, forms_dir: Path) -> dict:
    """The shipped forms the modeler's building blocks (受理审查, 审查决定, 出件) use."""
    _designer(principal)
    return {key: json.loads((forms_dir / f"{key}.form").read_text(encoding="utf-8"))
            for key in BLOCK_FORMS if (forms_dir / f"{key}.form").is_file()}


def _new(session: Session, principal: Principal, name: str, bpmn: bytes, forms: dict,
         based_on: ProcessDefinition | None = None) -> ProcessDraft:
    now = clock.now()
    draft = ProcessDraft(name=name, bpmn_xml=bpmn, forms=forms, revision=1, created_by_id=principal.user_id,
                         created_at=now, updated_by_id=principal.user_id, updated_at=now,
                         editor_id=principal.user_id, editor_until=now + LEASE,
                         based_on_key=based_on.key if based_on else None,
                         based_on_version=based_on.version if based_on else None)
    with unit_of_work(session, keep_loaded=True):
        session.add(draft)
    return draft


def create(session: Session, principal: Principal, source: str, *, name: str | None = None,
           key: str | None = None, version: int | None = None, template: str | None = None,
           processes_dir: Path, forms_dir: Path) -> ProcessDraft:
    """A new draft: blank, from a shipped template, or from a deployed version (with its forms)."""
    _designer(principal)
    if source == "blank":
        name = _name(name or "新流程")
        key = f"process_{clock.now():%Y%m%d%H%M%S}"
        bpmn = BLANK.replace("{key}", key).replace("{name}", _xml_text(name)).encode()
        return _new(session, principal, name, bpmn, {})
    if source == "template":
        shipped = templates(processes_dir)
        if template not in shipped:
            raise ValidationFailed("模板不存在", {"template": ["必须是：" + "、".join(shipped.values())]})
        bpmn = (processes_dir / f"{template}.bpmn").read_bytes()
        return _new(session, principal, _name(name or f"{shipped[template]}（副本）"), bpmn, _forms_of(bpmn, forms_dir, {}))
    if source == "version":
        definition = processes.get_version(session, key or "", version or 0)
        bpmn = bytes(session.scalar(select(ProcessDefinition.bpmn_xml).where(ProcessDefinition.id == definition.id)) or b"")
        label = definition.name or definition.key
        return _new(session, principal, _name(name or f"{label} 第 {definition.version} 版的修改"), bpmn,
                    dict(definition.forms or {}), based_on=definition)
    raise ValidationFailed("草稿来源不正确", {"source": ["必须是 blank、template、version 或上传文件"]})


def upload(session: Session, principal: Principal, filename: str, bpmn: bytes, form_files: list[tuple[str, bytes]],
           limits: processes.DeployLimits) -> ProcessDraft:
    """A draft from a .bpmn file (and its .form files) a designer has on disk."""
    _designer(principal)
    inspection, forms, problems = processes.check(bpmn, form_files, limits)
    if inspection.process is None:  # not a process at all: nothing to edit
        raise ValidationFailed("文件不是可编辑的 BPMN 流程：" + "；".join(p["message"] for p in problems[:3]),
                               {"file": [p["message"] for p in problems[:5]]})
    name = _name(inspection.process.name or Path(filename or "").stem or "上传的流程")
    return _new(session, principal, name, bpmn, _forms_of(bpmn, limits.forms_dir, forms))


def listing(session: Session, principal: Principal) -> list[ProcessDraft]:
    _designer(principal)
    return list(session.scalars(select(ProcessDraft).order_by(ProcessDraft.updated_at.desc(), ProcessDraft.id.desc())))


def get(session: Session, principal: Principal, draft_id: int) -> ProcessDraft:
    _designer(principal)
    draft = session.scalar(select(ProcessDraft).where(ProcessDraft.id == draft_id).options(undefer(ProcessDraft.bpmn_xml)))
    if draft is None:
        raise NotFound("草稿不存在")
    return draft


def editing_by_other(draft: ProcessDraft, principal: Principal) -> bool:
    return (draft.editor_id not in (None, principal.user_id) and draft.editor_until is not None
            and draft.editor_until > clock.now())


def _hold(session: Session, principal: Principal, draft_id: int) -> ProcessDraft:
    """The draft, locked, with this designer holding its editing lease (taken if free)."""
    draft = locked(session, ProcessDraft, draft_id)
    if draft is None:
        raise NotFound("草稿不存在")
    if editing_by_other(draft, principal):
        who = draft.editor.display_name if draft.editor else "其他设计人员"
        raise Conflict(f"草稿正由 {who} 编辑，您可以查看；对方关闭页面 2 分钟后可接手编辑", editor=who)
    draft.editor_id, draft.editor_until = principal.user_id, clock.now() + LEASE
    return draft


def claim(session: Session, principal: Principal, draft_id: int) -> ProcessDraft:
    """Take or renew the editing lease (the page calls it while it is open)."""
    _designer(principal)
    with unit_of_work(session, keep_loaded=True):
        draft = _hold(session, principal, draft_id)
    return get(session, principal, draft.id)


def release(session: Session, principal: Principal, draft_id: int) -> None:
    _designer(principal)
    with unit_of_work(session):
        draft = locked(session, ProcessDraft, draft_id)
        if draft is not None and draft.editor_id == principal.user_id:
            draft.editor_id = draft.editor_until = None


def save(session: Session, principal: Principal, draft_id: int, *, bpmn: bytes, forms: dict | None,
         name: str | None, revision: int, max_bytes: int) -> ProcessDraft:
    """Autosave: the diagram (and forms, name) as the designer left it. A save based on an older
    revision is refused, so two tabs never overwrite each other silently."""
    _designer(principal)
    if len(bpmn) > max_bytes:
        raise ValidationFailed("流程文件过大", {"xml": [f"不能超过 {max_bytes} 字节"]})
    if forms is not None and not (isinstance(forms, dict) and all(isinstance(v, dict) for v in forms.values())):
        raise ValidationFailed("表单格式不正确", {"forms": ["必须是“表单键: 表单 JSON”的对象"]})
    with unit_of_work(session, keep_loaded=True):
        draft = _hold(session, principal, draft_id)
        if draft.revision != revision:
            raise Conflict(f"草稿已在别处保存为第 {draft.revision} 次修改，请刷新后再编辑", revision=draft.revision)
        draft.bpmn_xml, draft.revision = bpmn, draft.revision + 1
        if forms is not None:
            draft.forms = forms
        if name is not None:
            draft.name = _name(name)
        draft.updated_by_id, draft.updated_at = principal.user_id, clock.now()
    return get(session, principal, draft.id)


def _form_files(draft: ProcessDraft) -> list[tuple[str, bytes]]:
    return processes.form_files(draft.forms)


def validate(session: Session, principal: Principal, draft_id: int, settings: Settings) -> list[dict]:
    """Every finding the deployment would report for the draft as saved, the replay of its test
    run included."""
    draft = get(session, principal, draft_id)
    _, _, problems = processes.check(draft.bpmn_xml, _form_files(draft), processes.DeployLimits.of(settings))
    return problems or replayed(session, draft, settings)


def check(session: Session, principal: Principal, draft_id: int, bpmn: bytes, forms: dict | None,
          settings: Settings) -> list[dict]:
    """The findings of the diagram as it is being edited (not yet saved): what the modeler shows a
    moment after each change. The replay of a test run waits for the save (validate, deploy)."""
    draft = get(session, principal, draft_id)
    if forms is not None and not (isinstance(forms, dict) and all(isinstance(v, dict) for v in forms.values())):
        raise ValidationFailed("表单格式不正确", {"forms": ["必须是“表单键: 表单 JSON”的对象"]})
    files = processes.form_files(draft.forms if forms is None else forms)
    _, _, problems = processes.check(bpmn, files, processes.DeployLimits.of(settings))
    return problems


def replayed(session: Session, draft: ProcessDraft, settings: Settings) -> list[dict]:
    """The draft's recorded test run, replayed on the draft as saved: its findings (none without a run)."""
    run = session.scalar(select(DraftTestRun).where(DraftTestRun.draft_id == draft.id)
                         .options(undefer(DraftTestRun.state)))
    if run is None or not run.steps:
        return []
    draftee = sandbox.prepare(bytes(draft.bpmn_xml), draft.forms or {}, processes.DeployLimits.of(settings))
    return sandbox.replay(run, draftee, sandbox.env(session, settings))


# The options a preview offers where a form reads the case's guide (valuesKey item_materials):
# a real case offers its own guide's materials.
SAMPLE_CONTEXT = {"item_materials": sandbox.SAMPLE_MATERIALS}  # the same samples a test run offers


def _option(node) -> dict | None:
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return None
    return value if isinstance(value, dict) and {"label", "value"} <= set(value) else None


def _options_in(source: str, found: dict[str, list]) -> None:
    """Option lists a script builds from literals (`k = [{label, value}…]`, `k.append({…})`)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List):
            items = [o for o in map(_option, node.value.elts) if o]
            for target in node.targets:
                if isinstance(target, ast.Name) and items:
                    found.setdefault(target.id, []).extend(o for o in items if o not in found.get(target.id, []))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append" \
                and isinstance(node.func.value, ast.Name) and node.args and (option := _option(node.args[0])):
            listed = found.setdefault(node.func.value.id, [])
            listed.extend([option] if option not in listed else [])


def preview_data(session: Session, principal: Principal, draft_id: int) -> dict:
    """What a form preview offers: sample materials, and every option list the draft's scripts
    build from literals (e.g. acceptance_outcomes), all branches together."""
    draft = get(session, principal, draft_id)
    inspection = engine.inspect(draft.bpmn_xml, set(R.LANE_ROLES), 10 * 1024 * 1024, contact_kinds=CONTACT_KINDS)
    found: dict[str, list] = {}
    for process in inspection.runnable:
        for _task, _format, text in bpmn_model.scripts(process):
            _options_in(text or "", found)
    return {**found, **SAMPLE_CONTEXT}


def try_form(session: Session, principal: Principal, draft_id: int, form_key: str, data) -> dict:
    """A form of the draft filled in the preview, checked as the server checks a task's answer:
    the cleaned answer, or ValidationFailed naming each field (form problems first)."""
    draft = get(session, principal, draft_id)
    form = (draft.forms or {}).get(form_key)
    if form is None:
        raise NotFound(f"草稿中没有表单 {form_key}")
    spec, problems = compile_form(form)
    if problems:
        raise ValidationFailed("表单本身有问题：" + "；".join(problems), {"form": problems})
    return validate_submission(spec, data, preview_data(session, principal, draft_id))


def deploy(session: Session, principal: Principal, draft_id: int,
           settings: Settings) -> tuple[ProcessDefinition, bool]:
    """Deploy the draft as saved, with its forms, as one version; refused while the deploy check
    has findings, the replay of the draft's test run included."""
    draft = get(session, principal, draft_id)
    limits = processes.DeployLimits.of(settings)
    _, _, problems = processes.check(draft.bpmn_xml, _form_files(draft), limits)
    problems = problems or replayed(session, draft, settings)
    if problems:
        raise DeploymentRejected(f"流程定义未通过校验，共 {len(problems)} 个问题", problems)
    definition, created = processes.deploy(session, draft.bpmn_xml, _form_files(draft), principal.user_id, limits)
    with unit_of_work(session):
        row = locked(session, ProcessDraft, draft_id)
        if row is not None:
            row.deployed_key, row.deployed_version = definition.key, definition.version
    return definition, created


def delete(session: Session, principal: Principal, draft_id: int) -> None:
    _designer(principal)
    with unit_of_work(session):
        draft = _hold(session, principal, draft_id)
        session.delete(draft)


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
