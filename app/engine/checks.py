"""Deployment checks for a BPMN file: every problem as {element_id, rule, message}.

The order is: safe parse → BPMN 2.0 XSD → one executable process → lanes and user tasks →
expressions and scripts → SpiffWorkflow's own parser. A file either passes them all or
comes back with the full list, never with an exception.
"""
import re
import threading
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path

import SpiffWorkflow.bpmn.parser as _spiff_parser_pkg
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from app.engine import contract, scripting, xmlsafe
from app.engine import model as bpmn_model
from app.engine.model import ProcessModel

_XSD_PATH = Path(_spiff_parser_pkg.__file__).parent / "schema" / "BPMN20.xsd"
_schema = None
_schema_lock = threading.Lock()
_ISO_LITERAL = re.compile(r"^(R\d*/)?P[0-9YMWDTHS.,]+$|^\d{4}-\d{2}-\d{2}", re.IGNORECASE)
_UNSUPPORTED = ("serviceTask", "businessRuleTask")
FORM_KEY = re.compile(r"^[A-Za-z0-9_\-]+$")
MAX_SCHEMA_PROBLEMS = 20


@dataclass
class Problem:
    element_id: str | None
    rule: str
    message: str

    def to_dict(self) -> dict:
        return {"element_id": self.element_id, "rule": self.rule, "message": self.message}


@dataclass
class Inspection:
    problems: list[Problem] = field(default_factory=list)
    tree: etree._ElementTree | None = None
    process: ProcessModel | None = None
    runnable: list = field(default_factory=list)  # process elements that will execute

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, element_id, rule, message):
        self.problems.append(Problem(element_id, rule, message))


def _xsd() -> etree.XMLSchema:
    global _schema
    with _schema_lock:
        if _schema is None:
            parser = etree.XMLParser(no_network=True, resolve_entities=False)
            _schema = etree.XMLSchema(etree.parse(str(_XSD_PATH), parser))
        return _schema


def _ids_by_line(tree) -> dict[int, str]:
    ids = {}
    for el in tree.getroot().iter():
        if isinstance(el.tag, str) and el.get("id") and el.sourceline not in ids:
            ids[el.sourceline] = el.get("id")
    return ids


def _check_schema(result: Inspection, tree: etree._ElementTree) -> None:
    # bpmn-js writes correlation retrieval expressions in a form the XSD rejects; SpiffWorkflow's
    # own validator renames them before validating, and so do we (on a copy).
    copy = deepcopy(tree.getroot())  # keeps source lines, so errors point at the right element
    for expr in copy.iterfind(".//bpmn:correlationPropertyRetrievalExpression/bpmn:formalExpression",
                              bpmn_model.NS):
        expr.tag = bpmn_model.bpmn("messagePath")
    schema = _xsd()
    with _schema_lock:
        valid = schema.validate(copy)
        errors = list(schema.error_log)
    if valid:
        return
    ids = _ids_by_line(tree)
    for err in errors[:MAX_SCHEMA_PROBLEMS]:
        result.add(ids.get(err.line), "bpmn_schema", f"不符合 BPMN 2.0 XSD（第 {err.line} 行）：{err.message}")


def _unquoted_literal(text: str) -> list[tuple[str, str]]:
    if _ISO_LITERAL.match(text.strip()):
        return [("unquoted", f"表达式是 Python 表达式，字面量须加引号，例如 \"{text.strip()}\"")]
    return []


def _check_lanes(result: Inspection, process, known_roles: set[str]) -> None:
    assigned = set(bpmn_model.lane_membership(process).values())
    for lane in bpmn_model.lanes_of(process):
        name = (lane.get("name") or "").strip()
        leaf = lane.find(bpmn_model.bpmn("childLaneSet")) is None
        if (leaf or name in assigned) and name not in known_roles:
            result.add(lane.get("id"), "lane_role",
                       f"泳道名称“{name}”不是已知角色，应为以下之一：{', '.join(sorted(known_roles))}")


def _check_start_form(result: Inspection, model: ProcessModel) -> None:
    if model.start_form_key and not FORM_KEY.match(model.start_form_key):
        result.add(model.key, "form_key", f"开始事件的表单名“{model.start_form_key}”只能包含字母、数字、下划线和连字符")


def _check_user_tasks(result: Inspection, model: ProcessModel) -> None:
    for meta in model.user_tasks.values():
        if meta.role is None:
            result.add(meta.id, "user_task_lane", f"用户任务“{meta.name}”不在以角色命名的泳道中，无法确定办理人")
        if meta.form_key is None:
            result.add(meta.id, "form_key", f"用户任务“{meta.name}”缺少表单（camunda:formKey）")
        elif not FORM_KEY.match(meta.form_key):
            result.add(meta.id, "form_key", f"表单名“{meta.form_key}”只能包含字母、数字、下划线和连字符")
        if meta.due_expression:
            problems = scripting.check_source(meta.due_expression, "eval") or _unquoted_literal(meta.due_expression)
            for _rule, message in problems:
                result.add(meta.id, "due_date_expression", f"办理期限表达式有误：{message}")
    for el in bpmn_model.elements_with_tags(model.element, _UNSUPPORTED):
        result.add(el.get("id"), "unsupported_element",
                   f"暂不支持 {etree.QName(el).localname}（需要平台集成）；请改用用户任务或脚本任务")
    # Accepted by the parser, but they would not run as drawn: say so on the element, in Chinese.
    if model.element is None:
        return
    for definition in model.element.iter(bpmn_model.bpmn("conditionalEventDefinition")):
        result.add(definition.getparent().get("id"), "unsupported_element",
                   "暂不支持条件事件（条件成立时不会触发）；请在流程到达时用排他网关判断，或改用消息、定时事件")
    for definition in model.element.iter(bpmn_model.bpmn("compensateEventDefinition")):
        result.add(definition.getparent().get("id"), "unsupported_element",
                   "暂不支持补偿事件；撤销已办步骤请用流程分支表达（如“不予批准”后出具文书）")
    for el in model.element.iter():
        if isinstance(el.tag, str) and el.get("isForCompensation") == "true":
            result.add(el.get("id"), "unsupported_element", "暂不支持补偿活动（isForCompensation）")


def _check_applicant_contact(result: Inspection, process, contact_kinds: dict[str, str]) -> None:
    """Art. 18: a user task may declare the one kind of applicant contact its step allows."""
    allowed = "、".join(f"{kind}（{label}）" for kind, label in contact_kinds.items())
    for task in process.iter(bpmn_model.bpmn("userTask")):
        values = bpmn_model.extension_properties(task, bpmn_model.APPLICANT_CONTACT)
        name = (task.get("name") or task.get("id") or "").strip()
        if len(values) > 1:
            result.add(task.get("id"), "applicant_contact_kind",
                       f"用户任务“{name}”声明了 {len(values)} 个 {bpmn_model.APPLICANT_CONTACT}，只能声明一个")
        for value in values:
            if value not in contact_kinds:
                result.add(task.get("id"), "applicant_contact_kind",
                           f"用户任务“{name}”的 {bpmn_model.APPLICANT_CONTACT}“{value}”不是已知的接触环节，"
                           f"应为以下之一：{allowed}；不允许与申请人接触的环节不要声明")


MAX_ID, MAX_NAME = 128, 200  # the lengths the platform stores element ids and names in


def _check_lengths(result: Inspection, process) -> None:
    for el in process.iter():
        if not isinstance(el.tag, str):
            continue
        el_id, name = el.get("id") or "", el.get("name") or ""
        if len(el_id) > MAX_ID:
            result.add(el_id[:MAX_ID], "element_id_length", f"元素 id 超过 {MAX_ID} 个字符")
        if len(name) > MAX_NAME:
            result.add(el_id or None, "name_length", f"元素名称超过 {MAX_NAME} 个字符：{name[:30]}…")


def _check_processes(result: Inspection, tree: etree._ElementTree, known_roles: set[str],
                      contact_kinds: dict[str, str]) -> None:
    root = tree.getroot()
    mains, called = bpmn_model.executable_processes(root)
    if not mains:
        first = root.find(bpmn_model.bpmn("process"))
        result.add(first.get("id") if first is not None else None, "executable_process",
                   "文件中没有可执行流程（需要 isExecutable=\"true\" 的 process）")
        return
    for extra in mains[1:]:
        result.add(extra.get("id"), "single_executable_process",
                   f"一个文件只能部署一个可执行流程，另有 {extra.get('id')}；请拆分为多个文件或改为调用活动")
    # The deployed process and every process it calls in the same file run, so all are checked,
    # and the user tasks of called processes belong to the deployment too.
    result.process = bpmn_model.read_process(mains[0])
    _check_start_form(result, result.process)
    result.runnable = [mains[0]] + [p for p in root.findall(bpmn_model.bpmn("process"))
                                    if p.get("id") in called and p is not mains[0]]
    for process in result.runnable:
        model = result.process if process is mains[0] else bpmn_model.read_process(process)
        if model is not result.process:
            result.process.user_tasks.update(model.user_tasks)
            result.process.element_names.update(model.element_names)
        _check_lengths(result, process)
        _check_lanes(result, process, known_roles)
        _check_user_tasks(result, model)
        _check_applicant_contact(result, process, contact_kinds)


def _check_expressions(result: Inspection, process) -> None:
    for flow_id, text in bpmn_model.conditions(process):
        for _rule, message in scripting.check_source(text, "eval"):
            result.add(flow_id, "condition_expression", f"条件表达式有误：{message}")
    for event_id, kind, text in bpmn_model.timers(process):
        if kind == "timeCycle":  # the engine would fire it once at most, and its job would spin
            result.add(event_id, "timer_cycle", "循环定时器（timeCycle）暂不支持，到期后不会重复触发；"
                                                "请改用定时日期（timeDate），如 workdays(5)")
            continue
        for _rule, message in scripting.check_source(text, "eval") or _unquoted_literal(text):
            result.add(event_id, "timer_expression", f"计时器表达式（{kind}）有误：{message}")
    for task_id, script_format, text in bpmn_model.scripts(process):
        if script_format and script_format.lower() not in ("python", "python3", "text/x-python"):
            result.add(task_id, "script_format", f"脚本语言 {script_format} 不受支持，只能使用 Python")
            continue
        for rule, message in scripting.check_source(text, "exec"):
            rule = rule if rule.startswith("script_") else "script"
            result.add(task_id, rule, f"脚本有误：{message}")


def build_parser(tree: etree._ElementTree) -> BpmnParser:
    parser = BpmnParser()
    parser.add_bpmn_xml(tree)
    return parser


def _check_with_spiff(result: Inspection, tree: etree._ElementTree, process: ProcessModel) -> None:
    key = process.key
    try:
        parser = build_parser(tree)
        parser.get_spec(key)
        parser.get_subprocess_specs(key)
    except ValidationException as exc:
        result.add(exc.id or key, "bpmn_semantics", f"流程无法执行：{exc}")
    except Exception as exc:  # the parser meets models it was never written for
        result.add(key, "bpmn_unsupported", f"流程无法解析：{type(exc).__name__}: {exc}")


def inspect(data: bytes, known_roles: set[str], max_bytes: int, *, contact_kinds: dict[str, str],
            messages: dict[str, str] | None = None, statuses: dict[str, str] | None = None,
            documents: dict[str, str] | None = None) -> Inspection:
    """Run every check on the raw bytes of a .bpmn file. `contact_kinds` (kind -> label) are the
    applicant contacts a user task may declare, `messages` the messages the platform sends and
    `statuses` the case statuses it knows (each checked when given); the vocabulary is the
    platform's, not the engine's."""
    result = Inspection()
    try:
        tree = result.tree = xmlsafe.parse(data, max_bytes)
    except xmlsafe.UnsafeXml as exc:
        result.add(None, exc.rule, exc.message)
        return result
    root = tree.getroot()
    if root.tag != bpmn_model.bpmn("definitions"):
        result.add(root.get("id"), "bpmn_root", f"根元素应为 BPMN 2.0 的 definitions，而不是 {etree.QName(root).localname}")
        return result
    _check_schema(result, tree)
    _check_processes(result, tree, known_roles, contact_kinds)
    model = result.process
    if model is None:
        return result
    for process in result.runnable:
        _check_expressions(result, process)
        if messages is not None:
            contract.check_messages(result, root, process, messages)
        if statuses is not None:
            contract.check_statuses(result, process, statuses)
        if documents is not None:
            contract.check_documents(result, process, documents)
    if result.ok:
        _check_with_spiff(result, tree, model)
    return result
