"""The guide linter: the rules of art. 5–9 and 21 a guide must meet before it is published.

Pure: it reads a guide as a plain dict (the `guide` part of the import/export document) and a
`LintContext` the service fills from the database, and returns findings
`{"rule", "path", "message"}`; messages are Chinese and name the material they are about.
"""
import re
from dataclasses import dataclass, field

from app.auth.hallnames import PATTERNS, name_problem

# Art. 6: the elements every guide carries (field -> how a clerk calls it).
ELEMENTS = {
    "name": "事项名称", "item_type": "事项类型", "implementing_body": "实施主体",
    "legal_basis": "设定依据", "service_object": "服务对象", "acceptance_conditions": "受理条件",
    "legal_limit_days": "法定办结时限", "promised_limit_days": "承诺办结时限",
    "fee_standard": "收费标准", "handling_channels": "办理形式", "location": "办理地点",
    "hours": "办理时间", "result_name": "办理结果", "consultation_contact": "咨询方式",
    "complaint_contact": "监督投诉方式", "process_description": "办理流程",
    "process_key": "办理流程模型", "materials": "所需材料",
}
MATERIAL_ELEMENTS = {"name": "材料名称", "material_type": "材料类型", "copies": "材料份数",
                     "paper_spec": "纸质规格", "medium": "材料形式", "source": "来源渠道"}
# Art. 6 (2): elements identical across levels and regions for one base code.
BASIC_ELEMENTS = {
    "name": "事项名称", "item_type": "事项类型", "legal_basis": "设定依据",
    "acceptance_conditions": "受理条件", "service_object": "服务对象", "process_description": "办理流程",
    "materials": "所需材料", "legal_limit_days": "法定办结时限", "promised_limit_days": "承诺办结时限",
    "fee_basis": "收费依据", "result_name": "办理结果",
}
# Art. 7(1): catch-all wording. 等 counts only where it closes a list ("…证明等", "等材料").
# 其他组织 is the statutory "other organisations" (法人或者其他组织), not a catch-all.
_VAGUE = re.compile(r"其[他它](?!组织)|有关|相关材料"
                    r"|等(材料|资料|文件|证明|证件|手续)?\s*[。；;，,）)]*$|等(材料|资料|文件|证明|证件)")


@dataclass
class Peer:
    """The published guide of another item with the same base code."""
    item_code: str
    level: str
    guide: dict


@dataclass
class LintContext:
    version: int = 1
    retained_certificates: set = field(default_factory=set)
    deployed_processes: set = field(default_factory=set)
    # process key -> names of the latest version's tasks whose forms choose among the item's materials
    material_tasks: dict = field(default_factory=dict)
    peers: list = field(default_factory=list)
    halls: list = field(default_factory=list)  # [(code, name, level)]
    known_files: set = field(default_factory=set)  # sha256 of stored files


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _finding(rule: str, path: str, message: str) -> dict:
    return {"rule": rule, "path": path, "message": message}


def label(material: dict) -> str:
    return f"材料“{material.get('name') or '（未命名）'}”（{material.get('code')}）"


def lint(guide: dict, ctx: LintContext) -> list[dict]:
    findings = _elements(guide, ctx)
    findings += _limits_and_fee(guide)
    for index, material in enumerate(guide.get("materials") or []):
        findings += _material(index, material, ctx)
    findings += _consistency(guide, ctx)
    findings += _halls(ctx)
    return findings


def _elements(guide: dict, ctx: LintContext) -> list[dict]:
    out = [_finding("art6.missing_element", name, f"办事指南缺少要素：{label_}")
           for name, label_ in ELEMENTS.items() if _blank(guide.get(name))]
    for i, basis in enumerate(guide.get("legal_basis") or []):
        for part, what in (("law", "法律法规名称"), ("article", "条款"), ("text", "条文内容")):
            if _blank(basis.get(part)):
                out.append(_finding("art6.missing_element", f"legal_basis[{i}].{part}", f"设定依据第 {i + 1} 项缺少{what}"))
    key = guide.get("process_key")
    if key and key not in ctx.deployed_processes:
        out.append(_finding("process.not_deployed", "process_key", f"办理流程模型 {key} 尚未部署，事项无法办理"))
    elif key and ctx.material_tasks.get(key) and not (guide.get("materials") or []):
        tasks = "、".join(f"“{name}”" for name in ctx.material_tasks[key])
        out.append(_finding("process.needs_materials", "materials",
                            f"办理流程模型 {key} 的{tasks}要从事项的所需材料中勾选，请先填写所需材料"))
    if ctx.version > 1 and _blank(guide.get("legal_change")):
        out.append(_finding("art9.change_log", "legal_change",
                            "新版本须在变更记录中写明引起调整的法律、法规、规章或规范性文件的变化"))
    sample = guide.get("result_sample")
    if sample and sample not in ctx.known_files:
        out.append(_finding("file.missing", "result_sample", "办理结果样本文件不存在"))
    for i, proc in enumerate(guide.get("special_procedures") or []):
        if _blank(proc.get("name")) or not proc.get("limit_days"):
            out.append(_finding("art6.missing_element", f"special_procedures[{i}]",
                                f"特别程序第 {i + 1} 项须写明名称和时限"))
    return out


def _limits_and_fee(guide: dict) -> list[dict]:
    out = []
    legal, promised = guide.get("legal_limit_days"), guide.get("promised_limit_days")
    if isinstance(legal, int) and isinstance(promised, int) and promised > legal:
        out.append(_finding("limits.promised_above_legal", "promised_limit_days",
                            f"承诺办结时限（{promised} 个工作日）不得超过法定办结时限（{legal} 个工作日）"))
    if guide.get("fee_charged") and _blank(guide.get("fee_basis")):
        out.append(_finding("fee.basis_missing", "fee_basis", "收费事项须写明收费依据"))
    return out


def _material(i: int, m: dict, ctx: LintContext) -> list[dict]:
    path, who = f"materials[{i}]", label(m)
    out = [_finding("art7.missing_element", f"{path}.{name}", f"{who}缺少{what}")
           for name, what in MATERIAL_ELEMENTS.items() if _blank(m.get(name))]
    if _blank(m.get("legal_basis")):
        out.append(_finding("art7.1.legal_basis", f"{path}.legal_basis", f"{who}没有设定依据（法律法规、规章或规范性文件）"))
    for part in ("name", "condition"):
        text = m.get(part) or ""
        hit = _VAGUE.search(text)
        if hit:
            out.append(_finding("art7.1.vague_wording", f"{path}.{part}",
                                f"{who}含有模糊性兜底表述“{hit.group(0).strip()}”"))
    if m.get("requirement") == "conditional" and _blank(m.get("condition")):
        out.append(_finding("art7.missing_element", f"{path}.condition", f"{who}按情形提交，须写明提交情形"))
    if m.get("category") == "certificate" and m.get("certificate_code") not in ctx.retained_certificates:
        code = m.get("certificate_code") or "未填写"
        out.append(_finding("art7.2.retained_certificate", f"{path}.certificate_code",
                            f"{who}是证明材料，但不在保留证明事项目录内（证明编码：{code}）"))
    for part, what in (("blank_template", "空表"), ("sample", "样表")):
        if _blank(m.get(part)):
            if m.get("category") == "form":
                out.append(_finding("art7.3.blank_and_sample", f"{path}.{part}", f"{who}是表格类材料，须提供{what}"))
        elif m[part] not in ctx.known_files:
            out.append(_finding("file.missing", f"{path}.{part}", f"{who}的{what}文件不存在"))
    if m.get("source") == "intermediary" and _blank(m.get("agency_category")):
        out.append(_finding("art7.4.agency_category", f"{path}.agency_category",
                            f"{who}由中介机构出具，须注明机构类别或资质要求"))
    if m.get("source") == "sharing" and m.get("requirement") != "exempt":
        out.append(_finding("art7.5.shared_material_required", f"{path}.requirement",
                            f"{who}可通过共享获取，不得要求申请人提交（应标为免提交）"))
    return out


def _comparable(name: str, guide: dict):
    value = guide.get(name)
    if name == "materials":
        return sorted((m.get("name") or "") for m in (value or []) if m.get("requirement") != "exempt")
    if name == "legal_basis":
        return sorted(((b.get("law") or "").strip(), (b.get("article") or "").strip()) for b in (value or []))
    if isinstance(value, str):
        return value.strip() or None
    return value


def _consistency(guide: dict, ctx: LintContext) -> list[dict]:
    out = []
    for peer in ctx.peers:
        for name, what in BASIC_ELEMENTS.items():
            mine, theirs = _comparable(name, guide), _comparable(name, peer.guide)
            if mine != theirs:
                shown = f"（本指南：{mine}，对方：{theirs}）" if isinstance(mine, int) or isinstance(theirs, int) else ""
                out.append(_finding("art6.consistency", name,
                                    f"{what}与同一基本编码的事项 {peer.item_code}（{peer.level}）的办事指南不一致{shown}"))
    return out


def _halls(ctx: LintContext) -> list[dict]:
    out = []
    for code, name, level in ctx.halls:
        problem = name_problem(level, name) if level in PATTERNS else None
        if problem:
            out.append(_finding("art21.hall_name", f"halls.{code}", f"办理大厅{problem}"))
    return out
