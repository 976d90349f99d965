"""Request-side helpers shared by the pages, the API and the CLI."""
from flask import current_app, request

from app.files.service import FileStore


def file_store() -> FileStore:
    return FileStore.of(current_app.config)


def base_url() -> str:
    """Where the public pages live, for absolute links and QR codes. Production sets
    PUBLIC_BASE_URL (required there): the Host header is the client's to choose."""
    return current_app.config.get("PUBLIC_BASE_URL") or request.url_root
