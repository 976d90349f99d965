"""Reading what OneWindow needs from a BPMN document: processes, lanes, user tasks, expressions.

The element tree comes from app.engine.xmlsafe; nothing here executes anything.
"""
from dataclasses import asdict, dataclass, field

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}


def bpmn(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


@dataclass
class UserTaskMeta:
    id: str
    name: str
    role: str | None
    form_key: str | None
    due_expression: str | None
    documentation: str | None
    # Art. 18: the kind of applicant contact this step allows (None: no contact at this step).
    applicant_contact: str | None = None
    # 会签: tasks of one case that name the same group are completed by different people.
    joint_sign: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ProcessModel:
    """The parts of one executable process the platform reads."""

    key: str | None
    name: str | None
    element: etree._Element | None
    user_tasks: dict[str, UserTaskMeta] = field(default_factory=dict)
    element_names: dict[str, str] = field(default_factory=dict)
    lanes: list[etree._Element] = field(default_factory=list)
    start_form_key: str | None = None  # the start event's form: fields of the application itself
    document_tasks: dict[str, str] = field(default_factory=dict)  # 出具文书: script task id -> document kind


def executable_processes(root: etree._Element) -> tuple[list[etree._Element], set[str]]:
    """Executable processes that are not only called by others, and the ids that are called."""
    processes = root.findall(bpmn("process"))
    called = {
        el.get("calledElement")
        for el in root.iter(bpmn("callActivity"))
        if el.get("calledElement")
    }
    executable = [p for p in processes if (p.get("isExecutable") or "").lower() == "true"]
    return [p for p in executable if p.get("id") not in called], called


def lanes_of(process: etree._Element) -> list[etree._Element]:
    return list(process.iter(bpmn("lane")))


def lane_membership(process: etree._Element) -> dict[str, str]:
    """flow node id -> lane name (innermost lane wins for nested lane sets)."""
    membership: dict[str, str] = {}
    for lane in lanes_of(process):
        for ref in lane.findall(bpmn("flowNodeRef")):
            if ref.text:
                membership[ref.text.strip()] = (lane.get("name") or "").strip()
    return membership


def _role_of(node: etree._Element, membership: dict[str, str]) -> str | None:
    """The lane of a node, or of the nearest enclosing sub-process that sits in a lane
    (modelers list only top-level nodes in a lane)."""
    current = node
    while current is not None and current.tag != bpmn("process"):
        lane = membership.get(current.get("id") or "")
        if lane:
            return lane
        current = current.getparent()
    return None


# The user task's extension property declaring the applicant contact its step allows; the
# Camunda properties panel of the modeler edits it as an "扩展属性" (camunda:properties).
APPLICANT_CONTACT = "applicantContact"
# The user task's extension property naming its 会签 group (distinct signers per case).
JOINT_SIGN = "jointSign"
# The script task's extension property naming the document it issues (the 出具文书 block).
ISSUE_DOCUMENT = "issueDocument"


def extension_properties(node: etree._Element, name: str) -> list[str]:
    """Values of the camunda:property elements called `name` on a node (stripped, in order)."""
    path = "bpmn:extensionElements/camunda:properties/camunda:property"
    return [(prop.get("value") or "").strip() for prop in node.iterfind(path, NS) if prop.get("name") == name]


def _text(node: etree._Element | None) -> str | None:
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def read_process(process: etree._Element) -> ProcessModel:
    membership = lane_membership(process)
    model = ProcessModel(key=process.get("id"), name=process.get("name"), element=process,
                         lanes=lanes_of(process))
    for el in process.iter():
        if not isinstance(el.tag, str):
            continue
        el_id = el.get("id")
        if el_id and el.get("name"):
            model.element_names[el_id] = el.get("name").strip()
    for start in process.findall(bpmn("startEvent")):
        key = (start.get(f"{{{CAMUNDA_NS}}}formKey") or "").strip()
        if key:
            model.start_form_key = key
    for script_task in process.iter(bpmn("scriptTask")):
        kind = next(iter(extension_properties(script_task, ISSUE_DOCUMENT)), None)
        if kind:
            model.document_tasks[script_task.get("id")] = kind
    for task in process.iter(bpmn("userTask")):
        task_id = task.get("id")
        model.user_tasks[task_id] = UserTaskMeta(
            id=task_id,
            name=(task.get("name") or task_id).strip(),
            role=_role_of(task, membership),
            form_key=(task.get(f"{{{CAMUNDA_NS}}}formKey") or "").strip() or None,
            due_expression=(task.get(f"{{{CAMUNDA_NS}}}dueDate") or "").strip() or None,
            documentation=_text(task.find(bpmn("documentation"))),
            applicant_contact=next(iter(extension_properties(task, APPLICANT_CONTACT)), None) or None,
            joint_sign=next(iter(extension_properties(task, JOINT_SIGN)), None) or None,
        )
    return model


def conditions(process: etree._Element):
    """(flow id, expression text) for every conditional sequence flow."""
    for flow in process.iter(bpmn("sequenceFlow")):
        expr = flow.find(bpmn("conditionExpression"))
        if expr is not None:
            yield flow.get("id"), (expr.text or "")


def timers(process: etree._Element):
    """(event id, kind, expression text) for every timer definition."""
    for definition in process.iter(bpmn("timerEventDefinition")):
        event = definition.getparent()
        for kind in ("timeDate", "timeDuration", "timeCycle"):
            expr = definition.find(bpmn(kind))
            if expr is not None:
                yield event.get("id"), kind, (expr.text or "")


def scripts(process: etree._Element):
    """(task id, script format, script text) for every script task."""
    for task in process.iter(bpmn("scriptTask")):
        yield task.get("id"), task.get("scriptFormat"), _text(task.find(bpmn("script"))) or ""


def elements_with_tags(process: etree._Element, tags: tuple[str, ...]):
    for tag in tags:
        yield from process.iter(bpmn(tag))
