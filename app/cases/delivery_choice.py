"""How the applicant wants the result (art. 16): chosen when applying — at the window or online —
and carried out by the pickup window, which may change it with a reason. Mail needs a recipient,
a phone and a full address down to the street (checked by the endings Chinese place names have;
the hall's own district is what the page offers first)."""
import re

from app.errors import ValidationFailed
from app.parties.service import PHONE, normalise_phone

METHODS = {"window_pickup": "窗口领取", "mail": "邮寄", "e_delivery": "网上送达"}
CARRIERS = {"ems": "中国邮政EMS", "sf": "顺丰速运", "jd": "京东物流", "other": "其他"}
LOCAL = {"province": "陕西省", "city": "西安市", "district": "鄠邑区"}  # what the pages offer first

# (label, pattern) per address part; each must end the way such a place name ends.
ADDRESS_PARTS = {
    "province": ("省（自治区、直辖市）", re.compile(r"^\S{1,12}(省|市|自治区|特别行政区)$")),
    "city": ("市（地区、州、盟）", re.compile(r"^\S{1,15}(市|地区|州|盟|市辖区)$")),
    "district": ("区（县、县级市、旗）", re.compile(r"^\S{1,15}(区|县|市|旗)$")),
    "street": ("街道（乡镇）", re.compile(r"^\S{1,20}(街道|镇|乡|苏木)$")),
}
DETAIL_MAX, NAME_MAX = 100, 50


def check(data: dict | None, applicant: dict | None = None, prefix: str = "delivery") -> tuple[str | None, dict | None]:
    """(method, mailing address) from what was given, or (None, None) when nothing was chosen
    (the pickup window asks then). The recipient defaults to the applicant; errors name
    `delivery.<field>` / `delivery.address.<part>`."""
    if not data or not data.get("method"):
        return None, None
    method = data["method"]
    if method not in METHODS:
        raise ValidationFailed("送达方式不正确", {f"{prefix}.method": ["必须是：" + "、".join(METHODS.values())]})
    if method != "mail":
        return method, None
    given = data.get("address") or {}
    if not isinstance(given, dict):
        raise ValidationFailed("邮寄地址不正确", {f"{prefix}.address": ["必须是对象"]})
    errors: dict[str, list[str]] = {}
    at = f"{prefix}.address"
    address = {key: str(given.get(key) or "").strip() for key in (*ADDRESS_PARTS, "detail", "recipient", "phone")}
    for key, (label, pattern) in ADDRESS_PARTS.items():
        if not address[key]:
            errors[f"{at}.{key}"] = [f"请填写{label}"]
        elif not pattern.match(address[key]):
            errors[f"{at}.{key}"] = [f"“{address[key]}”不像{label}的名称"]
    if not address["detail"]:
        errors[f"{at}.detail"] = ["请填写详细地址（路、门牌号）"]
    elif len(address["detail"]) > DETAIL_MAX:
        errors[f"{at}.detail"] = [f"详细地址不能超过 {DETAIL_MAX} 个字"]
    address["recipient"] = address["recipient"] or (applicant or {}).get("name") or ""
    if not address["recipient"] or len(address["recipient"]) > NAME_MAX:
        errors[f"{at}.recipient"] = [f"请填写收件人（不超过 {NAME_MAX} 个字）"]
    address["phone"] = normalise_phone(address["phone"] or (applicant or {}).get("phone")) or ""
    if not PHONE.match(address["phone"]):
        errors[f"{at}.phone"] = ["请填写收件人的手机号或带区号的固定电话"]
    if errors:
        raise ValidationFailed("邮寄地址有误：" + "；".join(v[0] for v in errors.values()), errors)
    return method, address


def place(address: dict) -> str:
    """The address on one line, as an envelope shows it (or as the pickup window wrote it)."""
    if "as_given" in address:
        return address["as_given"]
    return "".join(address.get(k, "") for k in (*ADDRESS_PARTS, "detail"))


def describe(method: str | None, address: dict | None) -> str:
    if method is None:
        return "未选择（到综合窗口时确定）"
    if method == "mail" and address:
        if "as_given" in address:
            return f"邮寄至 {address['as_given']}"
        return f"邮寄至 {place(address)}（{address['recipient']} {address['phone']}）"
    return METHODS.get(method, "其他方式")
