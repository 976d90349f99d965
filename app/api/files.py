"""Sending a stored file to its (already authorised) reader."""
from urllib.parse import quote

from flask import Response


def file_response(row, content: bytes) -> Response:
    """A case material's file as a download: never rendered inline, never cached."""
    return Response(content, mimetype=row.file.media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.file_name or 'file')}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})
