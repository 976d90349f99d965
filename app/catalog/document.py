"""The guide document: the one JSON shape guides are imported, exported, edited and linted in.

    {"item_code", "base_code", "level", "citywide", "halls": [hall codes],
     "guide": {...every element of the guide..., "materials": [...]}}

Types and vocabularies are checked here (a wrong type is a 422 at once); completeness and the
rules of art. 6–7 are the linter's job, so a half-written draft can still be saved.
"""
import base64
import binascii
import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from app.catalog.models import (
    HANDLING_CHANNELS,
    ITEM_TYPES,
    LEVELS,
    MATERIAL_CATEGORIES,
    MATERIAL_TYPES,
    MEDIA,
    REQUIREMENTS,
    SERVICE_OBJECTS,
    SOURCES,
    SPECIAL_PROCEDURE_KINDS,
)
from app.errors import ValidationFailed

_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.-]*$")
_SHA = re.compile(r"^[0-9a-f]{64}$")


def _choice(options) -> validate.OneOf:
    return validate.OneOf(list(options), error="必须是以下之一：" + "、".join(options))


def _text(max_len: int, **kw):
    return fields.String(allow_none=True, validate=validate.Length(max=max_len, error=f"不超过 {max_len} 个字符"), **kw)


class FileRef(fields.Field):
    """A stored file's SHA-256, or {"filename", "content_base64"} to store on import."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:
            return None
        if isinstance(value, str):
            if not _SHA.match(value):
                raise ValidationError("必须是已上传文件的 SHA-256（64 位小写十六进制）或内嵌文件对象")
            return value
        if isinstance(value, dict) and isinstance(value.get("content_base64"), str):
            try:
                content = base64.b64decode(value["content_base64"], validate=True)
            except (binascii.Error, ValueError):
                raise ValidationError("content_base64 不是有效的 Base64") from None
            return {"filename": str(value.get("filename") or "file"), "content": content}
        raise ValidationError("必须是文件的 SHA-256 或 {filename, content_base64}")


class Strict(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "未知字段", "type": "必须是 JSON 对象"}


class LegalBasisDoc(Strict):
    law = _text(200)
    article = _text(100)
    text = _text(4000)


class SpecialProcedureDoc(Strict):
    kind = fields.String(required=True, validate=_choice(SPECIAL_PROCEDURE_KINDS))
    name = _text(100)
    limit_days = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=365))
    counted_in_legal_limit = fields.Boolean(load_default=False)


class MaterialDoc(Strict):
    code = fields.String(required=True, validate=[validate.Length(min=1, max=64),
                                                  validate.Regexp(_CODE, error="只能包含字母、数字、点、横线、下划线")])
    name = _text(200)
    category = fields.String(load_default="document", validate=_choice(MATERIAL_CATEGORIES))
    material_type = fields.String(load_default="original", validate=_choice(MATERIAL_TYPES))
    copies = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=99))
    paper_spec = _text(64)
    medium = fields.String(load_default="paper", validate=_choice(MEDIA))
    requirement = fields.String(load_default="required", validate=_choice(REQUIREMENTS))
    condition = _text(1000)
    source = fields.String(load_default="applicant", validate=_choice(SOURCES))
    agency_category = _text(200)
    certificate_code = _text(64)
    legal_basis = _text(1000)
    blank_template = FileRef(allow_none=True, load_default=None)
    sample = FileRef(allow_none=True, load_default=None)
    tolerable = fields.Boolean(load_default=False)
    notes = _text(1000)


class GuideDoc(Strict):
    name = _text(200)
    item_type = fields.String(allow_none=True, validate=_choice(ITEM_TYPES))
    implementing_body = _text(200)
    legal_basis = fields.List(fields.Nested(LegalBasisDoc), load_default=list,
                              validate=validate.Length(max=50, error="设定依据不超过 50 项"))
    service_object = fields.String(allow_none=True, validate=_choice(SERVICE_OBJECTS))
    acceptance_conditions = _text(8000)
    legal_limit_days = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=365))
    promised_limit_days = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=365))
    fee_charged = fields.Boolean(load_default=False)
    fee_standard = _text(2000)
    fee_basis = _text(2000)
    handling_channels = fields.List(fields.String(validate=_choice(HANDLING_CHANNELS)), load_default=list,
                                    validate=validate.Length(max=len(HANDLING_CHANNELS)))
    location = _text(1000)
    hours = _text(500)
    result_name = _text(200)
    result_sample = FileRef(allow_none=True, load_default=None)
    consultation_contact = _text(500)
    complaint_contact = _text(500)
    process_description = _text(8000)
    special_procedures = fields.List(fields.Nested(SpecialProcedureDoc), load_default=list,
                                     validate=validate.Length(max=20, error="特别程序不超过 20 项"))
    process_key = _text(128)
    change_summary = _text(2000)
    legal_change = _text(2000)
    materials = fields.List(fields.Nested(MaterialDoc), load_default=list,
                            validate=validate.Length(max=200, error="材料不超过 200 项"))

    @validates_schema
    def _unique_codes(self, data, **kwargs):
        codes = [m["code"] for m in data.get("materials", [])]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValidationError(f"材料编码重复：{'、'.join(dupes)}", "materials")
        if len(set(data.get("handling_channels", []))) != len(data.get("handling_channels", [])):
            raise ValidationError("办理形式重复", "handling_channels")


class ItemDoc(Strict):
    item_code = fields.String(required=True, validate=[
        validate.Length(min=1, max=36, error="实施编码为 1–36 个字符"),
        validate.Regexp(_CODE, error="实施编码只能包含字母、数字、点、横线、下划线")])
    base_code = fields.String(required=True, validate=[
        validate.Length(min=1, max=12, error="基本编码为 1–12 个字符"),
        validate.Regexp(_CODE, error="基本编码只能包含字母、数字、点、横线、下划线")])
    level = fields.String(load_default="district", validate=_choice(LEVELS))
    # Absent on import: the item's halls stay as they are (a draft must not change the live item).
    citywide = fields.Boolean(load_default=None, allow_none=True)
    halls = fields.List(fields.String(validate=validate.Length(min=1, max=32)), load_default=None, allow_none=True,
                        validate=validate.Length(max=200, error="不超过 200 个大厅"))
    guide = fields.Nested(GuideDoc, required=True)
    # Written by export, ignored on import: the importing side numbers its own versions.
    version = fields.Raw(load_only=True, allow_none=True)
    status = fields.Raw(load_only=True, allow_none=True)
    effective_from = fields.Raw(load_only=True, allow_none=True)


def load(schema: Schema, data, prefix: str = "") -> dict:
    """Validate a document; errors become ValidationFailed with dotted field names."""
    try:
        return schema.load(data if data is not None else {})
    except ValidationError as exc:
        flat = _flatten(exc.messages, prefix)
        raise ValidationFailed("办事指南格式有误：" + "；".join(f"{k}: {v[0]}" for k, v in list(flat.items())[:5]),
                               flat) from None


def _flatten(messages, prefix: str) -> dict:
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}[{key}]" if isinstance(key, int) else (f"{prefix}.{key}" if prefix else str(key))
            if isinstance(value, dict):
                out.update(_flatten(value, name))
            else:
                out[name] = [str(v) for v in (value if isinstance(value, list) else [value])]
    return out
