"""Task forms (form-js JSON): checking a form file, and validating what a clerk submits.

The browser renders the same JSON with @bpmn-io/form-js-viewer; the server never trusts it
and re-validates every submission here: unknown fields, types, required fields, allowed
values (static `values` or dynamic `valuesKey` options), patterns and lengths, and the
form-js `conditional.hide` rule (a hidden field must not carry a value). A component may
also declare `properties.required_if`, a FEEL condition under which it becomes required.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from app import clock
from app.errors import ValidationFailed
from app.taskforms import feel

KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")  # no leading "_": scripts cannot name those
STRING_TYPES = {"textfield", "textarea"}
CHOICE_TYPES = {"radio", "select"}
MULTI_TYPES = {"checklist", "taglist"}
VALUE_TYPES = STRING_TYPES | CHOICE_TYPES | MULTI_TYPES | {"number", "checkbox", "datetime"}
DISPLAY_TYPES = {"text", "html", "spacer", "separator", "image", "button", "default"}
CONTAINER_TYPES = {"group"}


@dataclass
class Field:
    key: str
    type: str
    label: str
    required: bool = False
    values: list | None = None
    values_key: str | None = None
    hide: tuple | None = None
    required_if: tuple | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: re.Pattern | None = None
    minimum: float | None = None
    maximum: float | None = None
    subtype: str | None = None          # datetime fields: date | time | datetime
    not_before_today: bool = False      # properties.not_before_today: a date field's lower bound


@dataclass
class FormSpec:
    fields: dict[str, Field] = field(default_factory=dict)

    def values_keys(self) -> set[str]:
        return {f.values_key for f in self.fields.values() if f.values_key}


def _components(components, problems, prefix=""):
    if not isinstance(components, list):
        problems.append(f"{prefix or ''}components 必须是数组")
        return
    for index, comp in enumerate(components):
        where = f"{prefix}components[{index}]"
        if not isinstance(comp, dict):
            problems.append(f"{where} 不是对象")
            continue
        ctype = comp.get("type")
        if isinstance(ctype, str) and ctype in CONTAINER_TYPES:
            yield from _components(comp.get("components"), problems, f"{where}.")
            continue
        yield where, comp


def _object(comp: dict, name: str, where: str, problems: list) -> dict:
    value = comp.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{where}：{name} 必须是对象")
        return {}
    return value


def _number(value, what: str, where: str, problems: list):
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    problems.append(f"{where}：{what} 必须是数字")
    return None


def _compile_field(where: str, comp: dict, problems: list) -> Field | None:
    ctype, key = comp.get("type"), comp.get("key")
    if not isinstance(ctype, str):
        problems.append(f"{where}：组件类型 type 必须是文本")
        return None
    if ctype in DISPLAY_TYPES:
        return None
    if ctype not in VALUE_TYPES:
        problems.append(f"{where}：不支持的组件类型 {ctype!r}")
        return None
    if not isinstance(key, str) or not KEY_RE.match(key):
        problems.append(f"{where}：字段 key {key!r} 不合法（以字母开头，只含字母、数字、下划线）")
        return None
    where = f"{where}（{key}）"
    validate = _object(comp, "validate", where, problems)
    spec = Field(key=key, type=ctype, label=str(comp.get("label") or key),
                 required=bool(validate.get("required")))
    if ctype in CHOICE_TYPES | MULTI_TYPES:
        spec.values, spec.values_key = comp.get("values"), comp.get("valuesKey")
        if spec.values is not None and not isinstance(spec.values, list):
            problems.append(f"{where}：values 必须是数组")
            spec.values = None
        if spec.values_key is not None and not (isinstance(spec.values_key, str) and KEY_RE.match(spec.values_key)):
            problems.append(f"{where}：valuesKey 必须是变量名")
            spec.values_key = None
        if spec.values is None and not spec.values_key:
            problems.append(f"{where}：选项字段需要 values 或 valuesKey")
    conditional, properties = _object(comp, "conditional", where, problems), _object(comp, "properties", where, problems)
    for attr, source in (("hide", conditional.get("hide")), ("required_if", properties.get("required_if"))):
        if source in (None, ""):
            continue
        if not isinstance(source, str):
            problems.append(f"{where}：条件表达式必须是文本")
            continue
        try:
            setattr(spec, attr, feel.compile_feel(source))
        except feel.FeelError as exc:
            problems.append(f"{where}：条件表达式 {source!r} 有误：{exc}")
    if ctype == "datetime":
        spec.subtype = comp.get("subtype") or "datetime"
        if spec.subtype not in ("date", "time", "datetime"):
            problems.append(f"{where}：subtype 只能是 date、time 或 datetime")
        spec.not_before_today = str(properties.get("not_before_today", "")).lower() == "true"
    spec.min_length = _number(validate.get("minLength"), "minLength", where, problems)
    spec.max_length = _number(validate.get("maxLength"), "maxLength", where, problems)
    spec.minimum = _number(validate.get("min"), "min", where, problems)
    spec.maximum = _number(validate.get("max"), "max", where, problems)
    pattern = validate.get("pattern")
    if pattern not in (None, ""):
        if not isinstance(pattern, str):
            problems.append(f"{where}：pattern 必须是文本")
        else:
            try:
                spec.pattern = re.compile(pattern)
            except re.error as exc:
                problems.append(f"{where}：正则表达式有误：{exc}")
    return spec


def compile_form(form: dict) -> tuple[FormSpec, list[str]]:
    """Compile a form-js schema; returns the spec and the problems found (empty if fine)."""
    problems: list[str] = []
    spec = FormSpec()
    if not isinstance(form, dict) or not isinstance(form.get("components"), list):
        return spec, ["表单必须是包含 components 数组的 form-js JSON"]
    for where, comp in _components(form["components"], problems):
        compiled = _compile_field(where, comp, problems)
        if compiled is None:
            continue
        if compiled.key in spec.fields:
            problems.append(f"{where}：字段 key {compiled.key!r} 重复")
        spec.fields[compiled.key] = compiled
    return spec, problems


# --- submissions ---------------------------------------------------------------------------

def _options(spec: Field, context: dict) -> list | None:
    raw = context.get(spec.values_key) if spec.values_key else spec.values
    if not isinstance(raw, list):
        return None
    return [o.get("value") if isinstance(o, dict) else o for o in raw]


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def _empty_default(spec: Field):
    return [] if spec.type in MULTI_TYPES else (False if spec.type == "checkbox" else None)


def _check_value(spec: Field, value, context: dict) -> tuple[object, str | None]:
    label = f"“{spec.label}”"
    if spec.type == "datetime":
        return _check_datetime(spec, value, label)
    if spec.type in STRING_TYPES:
        if not isinstance(value, str):
            return value, f"{label}必须是文本"
        value = value.strip()
        if spec.min_length is not None and len(value) < spec.min_length:
            return value, f"{label}至少 {spec.min_length} 个字符"
        if spec.max_length is not None and len(value) > spec.max_length:
            return value, f"{label}最多 {spec.max_length} 个字符"
        if spec.pattern is not None and not spec.pattern.fullmatch(value):
            return value, f"{label}格式不正确"
        return value, None
    if spec.type == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return value, f"{label}必须是数字"
        if spec.minimum is not None and value < spec.minimum:
            return value, f"{label}不能小于 {spec.minimum}"
        if spec.maximum is not None and value > spec.maximum:
            return value, f"{label}不能大于 {spec.maximum}"
        return value, None
    if spec.type == "checkbox":
        return value, None if isinstance(value, bool) else f"{label}必须是 true 或 false"
    options = _options(spec, context)
    if options is None:
        return value, f"{label}当前没有可选项（流程未提供 {spec.values_key}），请联系流程设计人员"
    if spec.type in CHOICE_TYPES:
        if not isinstance(value, str):
            return value, f"{label}必须是文本"
        if value not in options:
            return value, f"{label}的取值 {value!r} 不在可选范围内：{', '.join(map(str, options))}"
        return value, None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return value, f"{label}必须是文本数组"
    if len(set(value)) != len(value):
        return value, f"{label}包含重复项"
    unknown = [v for v in value if v not in options]
    if unknown:
        return value, f"{label}包含不在可选范围内的项：{', '.join(unknown)}"
    return value, None


def _check_datetime(spec: Field, value, label: str) -> tuple[object, str | None]:
    parsers = {"date": date.fromisoformat, "time": time.fromisoformat, "datetime": datetime.fromisoformat}
    parse = parsers[spec.subtype or "datetime"]
    if not isinstance(value, str):
        return value, f"{label}必须是文本"
    try:
        parsed = parse(value.strip())
    except ValueError:
        shape = {"date": "YYYY-MM-DD", "time": "HH:MM", "datetime": "YYYY-MM-DDTHH:MM"}[spec.subtype or "datetime"]
        return value, f"{label}格式应为 {shape}"
    if spec.not_before_today and spec.subtype == "date" and isinstance(parsed, date) and parsed < clock.today():
        return value, f"{label}不能早于今天"
    return value.strip(), None


def validate_submission(spec: FormSpec, submitted, context: dict) -> dict:
    """Clean `submitted` against the form or raise ValidationFailed naming each bad field.

    `context` holds the task's data (for valuesKey options and conditions). The result has
    every field of the form: hidden or empty ones set to an empty value, so a repeated task
    never inherits a stale answer from an earlier round."""
    if not isinstance(submitted, dict):
        raise ValidationFailed("表单数据必须是 JSON 对象", {"data": ["必须是 JSON 对象"]})
    errors: dict[str, list[str]] = {}
    for key in submitted:
        if key not in spec.fields:
            errors[key] = ["表单中没有这个字段"]
    scope = {**context, **submitted}
    cleaned = {}
    for key, fspec in spec.fields.items():
        value = submitted.get(key)
        hidden = fspec.hide is not None and bool(feel.evaluate(fspec.hide, scope))
        if hidden:
            if not _empty(value):
                errors.setdefault(key, []).append(f"“{fspec.label}”在当前选择下不适用，不应填写")
            cleaned[key] = _empty_default(fspec)
            continue
        required = fspec.required or (fspec.required_if is not None and bool(feel.evaluate(fspec.required_if, scope)))
        if _empty(value) and not (fspec.type == "checkbox" and value is False):
            if required:
                errors.setdefault(key, []).append(f"“{fspec.label}”为必填项")
            cleaned[key] = _empty_default(fspec)
            continue
        value, problem = _check_value(fspec, value, context)
        if problem:
            errors.setdefault(key, []).append(problem)
        cleaned[key] = value
    if errors:
        raise ValidationFailed("表单校验未通过：" + "；".join(f"{k}: {v[0]}" for k, v in errors.items()), errors)
    return cleaned


SECRET_FIELDS = {"pickup_code"}  # answers the history names but never shows


def describe(spec: FormSpec, cleaned: dict, context: dict) -> str:
    """A one-line Chinese summary of an answer, for the case history."""
    parts = []
    for key, fspec in spec.fields.items():
        value = cleaned.get(key)
        if _empty(value) or value is False:  # an unticked box says nothing worth a line
            continue
        if value is True:
            parts.append(f"{fspec.label}：是")
            continue
        if key in SECRET_FIELDS:  # the history is read by every clerk of the hall
            parts.append(f"{fspec.label}：已核验")
            continue
        raw = context.get(fspec.values_key) if fspec.values_key else fspec.values
        labels = {o.get("value"): o.get("label") for o in raw or [] if isinstance(o, dict)}
        shown = "、".join(str(labels.get(v, v)) for v in value) if isinstance(value, list) \
            else str(labels.get(value, value))
        parts.append(f"{fspec.label}：{shown}")
    return "；".join(parts)
