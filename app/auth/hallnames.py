"""Art. 21: halls carry the district's uniform names. Pure: used by the hall admin and the linter."""
import re

LEVELS = {"district": "区政务服务中心", "street": "街道便民服务中心", "community": "社区（村）便民服务站"}
PATTERNS = {
    "district": (re.compile(r"^\S+区政务服务中心$"), "××区政务服务中心"),
    "street": (re.compile(r"^\S+街道便民服务中心$"), "××街道便民服务中心"),
    "community": (re.compile(r"^\S+(社区|村)便民服务站$"), "××社区（村）便民服务站"),
}
# A street centre sits under the district centre, a community station under a street centre.
PARENT_LEVEL = {"district": None, "street": "district", "community": "street"}


def name_problem(level: str, name: str) -> str | None:
    pattern, shape = PATTERNS[level]
    if not pattern.match(name or ""):
        return f"名称“{name}”不符合统一规范，应为“{shape}”（第二十一条）"
    return None
