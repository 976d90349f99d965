"""Sending a stored file to its (already authorised) reader: materials, documents."""
from urllib.parse import quote

from flask import Response

from app.documents.models import Document
from app.files import service as files
from app.files.models import StoredFile
from app.files.service import FileStore


def file_response(row, content: bytes) -> Response:
    """A case material's file as a download: never rendered inline, never cached."""
    return Response(content, mimetype=row.file.media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.file_name or 'file')}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


def document_response(document: Document, store: FileStore) -> Response:
    """A signed document: inline (a PDF viewer shows it), the exact bytes that were signed."""
    return Response(files.read(store, document.file), mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(document.title + (document.document_no or ''))}.pdf",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


def stored_file_response(stored: StoredFile, store: FileStore, cache: str) -> Response:
    """A public file (a guide's blank form or sample, a policy's graphic): inline, cached as `cache` says."""
    return Response(files.read(store, stored), mimetype=stored.media_type, headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(stored.original_name)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": cache})
