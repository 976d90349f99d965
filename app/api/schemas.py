"""Shared marshmallow pieces: Chinese messages, strict input, paging, common outputs."""
from marshmallow import RAISE, Schema, fields, validate

# Messages a clerk may read at a form field: say them in Chinese.
fields.Field.default_error_messages.update(
    {"required": "必填项", "null": "不能为空", "validator_failed": "取值无效"}
)
fields.String.default_error_messages.update({"invalid": "必须是文本"})
fields.Integer.default_error_messages.update({"invalid": "必须是整数"})
fields.Boolean.default_error_messages.update({"invalid": "必须是 true 或 false"})
fields.List.default_error_messages.update({"invalid": "必须是数组"})
fields.Dict.default_error_messages.update({"invalid": "必须是对象"})
fields.Nested.default_error_messages.update({"type": "必须是对象"})


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "未知字段", "type": "必须是 JSON 对象"}


def one_of(choices):
    return validate.OneOf(choices, error="必须是以下之一：" + "、".join(choices))


class PageArgs(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000, error="必须在 1–100000 之间"))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100, error="必须在 1–100 之间"))


class CodeName(Schema):
    code = fields.String()
    name = fields.String()


class ErrorSchema(Schema):
    code = fields.Integer()
    status = fields.String()
    message = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


def page_of(items, total, page, per_page) -> dict:
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def text(max_length: int, **kwargs):
    """A string field with a length limit (the column's), named in Chinese when exceeded."""
    return fields.String(validate=validate.Length(max=max_length, error=f"最多 {max_length} 个字符"), **kwargs)
