"""Request-side helpers shared by the pages, the API and the CLI."""
from flask import current_app, request

from app.applicants.online import Upload
from app.errors import BadRequest, ValidationFailed
from app.files.service import FileStore


def file_store() -> FileStore:
    return FileStore.of(current_app.config)


def base_url() -> str:
    """Where the public pages live, for absolute links and QR codes. Production sets
    PUBLIC_BASE_URL (required there): the Host header is the client's to choose."""
    return current_app.config.get("PUBLIC_BASE_URL") or request.url_root


def allow_application_body() -> None:
    """An application carries every material at once: allow more than one file's worth.
    Must run before anything reads the form."""
    request.max_content_length = current_app.config["MAX_APPLICATION_BYTES"]


def uploads(prefix: str = "files.") -> dict[str, Upload]:
    """The files of a multipart request, one per material code (`files.<code>`)."""
    if request.content_length and not request.form and not request.files:
        raise BadRequest("无法读取上传内容：请使用 UTF-8 编码的 multipart/form-data")
    limit = current_app.config["MAX_UPLOAD_BYTES"]
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
