"""Sending a stored file to its (already authorised) reader."""
from urllib.parse import quote

from flask import Response


def file_response(row, content: bytes) -> Response:
    """A case material's file as a download: never rendered inline, never cached."""
    return Response(content, mimetype=row.file.media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.file_name or 'file')}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


def document_response(document, store) -> Response:
    """A signed document: inline (a PDF viewer shows it), the exact bytes that were signed."""
    from app.files import service as files

    return Response(files.read(store, document.file), mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(document.title + document.document_no)}.pdf",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})
