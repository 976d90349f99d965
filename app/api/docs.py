"""What the OpenAPI document says beyond each view's own decorators, so that it tells the truth:
every error response carries the ErrorSchema, each operation lists the errors it can answer
(`@blp.errors(403, 404)` for its own, the rest below for every operation alike), and there is
no catch-all `default` response hiding a status the document never mentions.

Every operation may answer 422 (a control character in any query or path parameter is refused
before the view runs) and 503 (the database unavailable); every one that needs a token 401; every
one that takes a body 400 (unreadable JSON or form, nesting too deep) and 413 (over the size limit).
"""
from http import HTTPStatus

import flask_smorest

from app.api.schemas import ErrorSchema

DESCRIPTIONS = {
    400: "请求格式不正确（JSON 或表单无法读取、嵌套过深）",
    401: "需要登录：缺少令牌、令牌无效或已过期",
    403: "没有权限（角色或大厅不符）",
    404: "资源不存在（或对你不可见）",
    409: "与当前状态冲突（已办结、已被他人处理、版本已更新…）",
    413: "请求内容或文件过大",
    422: "数据校验未通过：errors 按字段列出每个问题",
    429: "请求过于频繁：Retry-After 头给出等待秒数",
    503: "服务暂时不可用（数据库无法连接）",
    507: "文件存储空间不足",
}
BODY_METHODS = ("post", "put", "patch", "delete")
UPLOAD = {"type": "string", "format": "binary", "description": "PDF、JPEG 或 PNG（按内容识别）"}
MEDIA_TYPES = ("application/pdf", "image/jpeg", "image/png")


def error_response(code: int) -> dict:
    return {"description": DESCRIPTIONS.get(code, HTTPStatus(code).phrase),
            "content": {"application/json": {"schema": ErrorSchema}}}


def use_error_schema(api: flask_smorest.Api) -> None:
    """flask-smorest's own error schema and `default` response out, ours in. The spec made by
    `api.init_app` is made again, before any blueprint is documented in it."""
    api.ERROR_SCHEMA = ErrorSchema
    api.DEFAULT_ERROR_RESPONSE_NAME = None
    api._init_spec()


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint documenting the errors of each operation (module docstring)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_errors_doc)

    def returns(self, status_code: int, schema=None, **kwargs):
        """Document what a view returns as it is (a view answering a dict it made itself): unlike
        `response`, nothing is dumped through `schema`, so the contract test sees the truth."""
        return self.alt_response(status_code, schema=schema, success=True, **kwargs)

    def file(self, description: str, *media_types: str):
        """Document a download: the file's bytes in one of `media_types`."""
        binary = {"schema": {"type": "string", "format": "binary"}}
        return self.doc(responses={"200": {"description": description,
                                           "content": {media: binary for media in media_types}}})

    def multipart(self, required: list[str], **properties: dict):
        """Document a multipart/form-data body read by the view itself (files and form fields)."""
        return self.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": required, "properties": properties}}}})

    @staticmethod
    def errors(*codes: int):
        """Document the errors a view answers besides those every operation may (module docstring)."""
        def decorator(func):
            func._apidoc = {**getattr(func, "_apidoc", {})}
            func._apidoc["errors"] = sorted({*func._apidoc.get("errors", ()), *codes})
            return func
        return decorator

    @staticmethod
    def _prepare_errors_doc(doc, doc_info, *, method, **kwargs):
        codes = {422, 503, *doc_info.get("errors", ())}
        if doc_info.get("manual_doc", {}).get("security") != []:
            codes.add(401)
        if method in BODY_METHODS:
            codes |= {400, 413}
        responses = doc.setdefault("responses", {})
        for code in sorted(codes):
            responses[str(code)] = error_response(code)  # replaces flask-smorest's reference for 422
        return doc
