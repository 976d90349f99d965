"""What a process may say to the platform, checked at deployment: a message it waits for must be
one the platform sends, a case status it sets must be one the platform knows, and a document an
出具文书 step issues must be one the platform draws. The vocabulary
is the platform's (app.processes.vocabulary); the engine only reads the BPMN and the scripts."""
import ast

from lxml import etree

from app.engine import model as bpmn_model

STATUS_VARIABLE = "case_status"


def _messages_by_id(root: etree._Element) -> dict[str, str]:
    return {m.get("id"): (m.get("name") or m.get("id")) for m in root.iter(bpmn_model.bpmn("message")) if m.get("id")}


def check_messages(result, root: etree._Element, process: etree._Element, messages: dict[str, str]) -> None:
    """Every message event and receive task waits for a message the platform can send."""
    names = _messages_by_id(root)
    known = "、".join(f"{name}（{label}）" for name, label in messages.items())
    for node in process.iter():
        ref = None
        if node.tag == bpmn_model.bpmn("messageEventDefinition"):
            ref = node.get("messageRef")
            owner = node.getparent()
            if owner is None or owner.tag in (bpmn_model.bpmn("intermediateThrowEvent"), bpmn_model.bpmn("endEvent")):
                continue  # a throw: nothing waits on the platform
        elif node.tag == bpmn_model.bpmn("receiveTask"):
            ref, owner = node.get("messageRef"), node
        else:
            continue
        name = names.get(ref or "", ref)
        if name not in messages:
            result.add(owner.get("id"), "unknown_message",
                       f"等待的消息“{name or '未指定'}”平台不会发送，案件将停在此处；平台发送的消息：{known}")


def _assigned_statuses(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # reported by the script checks
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == STATUS_VARIABLE for t in node.targets) \
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            found.append(node.value.value)
    return found


def check_statuses(result, process: etree._Element, statuses: dict[str, str]) -> None:
    """A script that sets case_status to a literal sets one the platform knows."""
    for task_id, _format, text in bpmn_model.scripts(process):
        for value in _assigned_statuses(text or ""):
            if value not in statuses:
                allowed = "、".join(f"{code}（{label}）" for code, label in statuses.items())
                result.add(task_id, "unknown_case_status", f"办件状态“{value}”不存在，可用的状态：{allowed}")


def check_documents(result, process: etree._Element, documents: dict[str, str]) -> None:
    """An 出具文书 step (a script task with the issueDocument property) names a document the platform
    draws."""
    allowed = "、".join(f"{code}（{label}）" for code, label in documents.items())
    for node in process.iter():
        if not isinstance(node.tag, str):
            continue
        for kind in bpmn_model.extension_properties(node, bpmn_model.ISSUE_DOCUMENT):
            if node.tag != bpmn_model.bpmn("scriptTask"):
                result.add(node.get("id"), "issue_document_element", "出具文书只能写在脚本任务上（使用“出具文书”构件）")
            elif kind not in documents:
                result.add(node.get("id"), "unknown_document_kind", f"文书“{kind or '未指定'}”不存在，可出具的文书：{allowed}")
