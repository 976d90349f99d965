"""Request headers the API understands beyond authentication."""
from flask import request

from app.errors import ValidationFailed


def expected_revision() -> int | None:
    """Optional optimistic lock: `If-Match: <revision>` refuses to act on a case that has
    changed since the client read it (409)."""
    value = (request.headers.get("If-Match") or "").strip().strip('"')
    if not value:
        return None
    if not value.isdigit():
        raise ValidationFailed("If-Match 必须是办件的 revision（整数）", {"If-Match": ["必须是整数"]})
    return int(value)
