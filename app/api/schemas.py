"""Shared marshmallow pieces: Chinese messages, strict input (text without control or spoofing
characters, bounded integers), paging, common outputs, the error body."""
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from app.http.requests import text_problem

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


INT32 = (-2147483648, 2147483647)


class Text(fields.String):
    """Text a person typed: no control characters, nor the format characters that disguise how
    text reads (bidirectional overrides and isolates; in a single line also invisible marks and
    zero-width characters). A multi-line text may hold tabs and line breaks."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.multiline = multiline

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = text_problem(text, multiline=self.multiline, spoofing=True)
        if problem:
            raise ValidationError(problem)
        return text


def _single_line(value) -> None:
    problem = text_problem(value, multiline=False, spoofing=True) if isinstance(value, str) else None
    if problem:
        raise ValidationError(problem)


class StrictSchema(Schema):
    """Input: unknown fields refused; every plain string field is checked as single-line Text and
    every integer without a range of its own is bounded to a database integer (so no value can
    reach PostgreSQL that it refuses)."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "未知字段", "type": "必须是 JSON 对象"}

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        for field in (field_obj, getattr(field_obj, "inner", None)):
            if isinstance(field, fields.String) and not isinstance(field, Text):
                field.validators = [*field.validators, _single_line]
            if isinstance(field, fields.Integer) and not any(isinstance(v, validate.Range) for v in field.validators):
                field.validators = [*field.validators, validate.Range(
                    min=INT32[0], max=INT32[1], error=f"必须在 {INT32[0]}–{INT32[1]} 之间")]


def one_of(choices):
    return validate.OneOf(choices, error="必须是以下之一：" + "、".join(choices))


class PageArgs(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000, error="必须在 1–100000 之间"))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100, error="必须在 1–100 之间"))


class Problem(Schema):
    element_id = fields.String(allow_none=True)
    rule = fields.String()
    message = fields.String()


class Finding(Schema):
    rule = fields.String()
    path = fields.String()
    message = fields.String()


class ErrorSchema(Schema):
    """Every error the API answers (app.api.errors): the status, a message for people, the
    problems by field; some errors add what the client needs to act on them."""
    code = fields.Integer(required=True, metadata={"description": "HTTP 状态码"})
    status = fields.String(required=True, metadata={"description": "HTTP 状态名"})
    message = fields.String(required=True, metadata={"description": "给人看的说明（中文）"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True,
                         metadata={"description": "按字段列出的问题：{\"applicant.name\": [\"必填项\"]}"})
    # What particular errors add:
    problems = fields.List(fields.Nested(Problem), metadata={"description": "流程部署：每个问题"})
    findings = fields.List(fields.Nested(Finding), metadata={"description": "办事指南：检查发现的问题"})
    retry_after = fields.Integer(metadata={"description": "429：多少秒后再试"})
    attempts_left = fields.Integer(metadata={"description": "验证码还可尝试的次数"})
    revision = fields.Integer(metadata={"description": "409：办件当前的 revision"})
    task_state = fields.String()
    outstanding_materials = fields.List(fields.String())
    first_responder = fields.String(metadata={"description": "咨询的首问负责人"})
    deadline = fields.String(metadata={"format": "date-time", "description": "已届满的期限"})
    draft_version = fields.Integer(metadata={"description": "已有草稿的版本号"})
    items = fields.List(fields.String(), metadata={"description": "仍在使用该证明事项的事项编码"})
    review_note = fields.String(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    pickup_suspended = fields.Boolean()
    element_id = fields.String(allow_none=True, metadata={"description": "出错的流程元素"})


def page_of(items, total, page, per_page, *, total_capped: bool = False, next_cursor: str | None = None) -> dict:
    return {"items": items, "total": total, "page": page, "per_page": per_page, "total_capped": total_capped,
            "next_cursor": next_cursor}


class CursorArgs(PageArgs):
    cursor = fields.String(validate=validate.Length(max=200, error="最多 200 个字符"),
                           metadata={"description": "上一页返回的 next_cursor：从该处接着列出（翻到第几页都一样快）"})


def text(max_length: int, *, multiline: bool = False, **kwargs) -> Text:
    """A Text field with a length limit (the column's), named in Chinese when exceeded; single-line
    unless `multiline` (notes, reasons, questions, answers, letters)."""
    return Text(multiline=multiline, validate=validate.Length(max=max_length, error=f"最多 {max_length} 个字符"),
                **kwargs)
