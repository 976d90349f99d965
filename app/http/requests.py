"""Request-side helpers shared by the pages and the API: the public address, uploads, bounded
numbers from query strings and forms, redirects that stay on this site."""
import re
from urllib.parse import urlparse

from flask import request

from app.applicants.online import Upload
from app.errors import BadRequest, ValidationFailed
from app.files.service import FileStore
from app.http.runtime import settings


def file_store() -> FileStore:
    return settings().store


def base_url() -> str:
    """Where the public pages live, for absolute links and QR codes. Production sets
    PUBLIC_BASE_URL (required there): the Host header is the client's to choose."""
    return settings().public_base_url or request.url_root


def allow_application_body() -> None:
    """An application carries every material at once: allow more than one file's worth.
    Must run before anything reads the form."""
    request.max_content_length = settings().max_application_bytes


def uploads(prefix: str = "files.") -> dict[str, Upload]:
    """The files of a multipart request, one per material code (`files.<code>`)."""
    if request.content_length and not request.form and not request.files:
        raise BadRequest("无法读取上传内容：请使用 UTF-8 编码的 multipart/form-data")
    limit = settings().store.max_bytes
    out = {}
    for key, items in request.files.lists():
        if not key.startswith(prefix) or len(key) == len(prefix):
            raise ValidationFailed("文件字段名应为 files.<材料编码>", {key: ["未知的文件字段"]})
        chosen = [item for item in items if item.filename]
        if len(chosen) > 1:
            raise ValidationFailed("每项材料只能上传一个文件", {key: ["每项材料只能上传一个文件"]})
        if chosen:  # an empty file input of a page form sends a part without a name
            out[key[len(prefix):]] = Upload(chosen[0].filename, chosen[0].read(limit + 1))
    return out


def int_arg(name: str, default: int, lo: int = 1, hi: int = 100000) -> int:
    """A bounded integer from the query string; anything else is the default."""
    value = request.args.get(name) or ""
    return min(max(int(value), lo), hi) if re.fullmatch(r"[0-9]{1,9}", value) else default


def form_int(value: str | None) -> int:
    """A whole number typed into a form; anything else is 0 (which the service refuses by name)."""
    value = value or ""
    return int(value) if re.fullmatch(r"[0-9]{1,9}", value) else 0


def safe_next(target: str | None, fallback: str) -> str:
    """Only paths on this site: a form or link must not send the user elsewhere."""
    target = target or ""
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith(("//", "/\\")) \
            or any(c in target for c in "\t\r\n\\"):
        return fallback
    return target


def query_without(*drop: str) -> dict:
    """The query string for pager links, minus `drop` and anything url_for would take as an option."""
    return {k: v for k, v in request.args.items() if k not in drop and not k.startswith("_")}
