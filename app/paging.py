"""Lists that stay fast however long the table grows: keyset paging (a cursor holding the last
row's sort key, so page 50 costs what page 1 does) and counts capped at CAP (shown as "1,000+")
instead of counting every match."""
import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from app.errors import ValidationFailed

CAP = 1000


@dataclass(frozen=True)
class Page:
    rows: list
    total: int            # the matches, counted up to CAP
    total_capped: bool    # more than CAP match
    next_cursor: str | None  # where the next page starts (None: this is the last)


def encode(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str, kinds: Sequence[type], field: str = "cursor") -> tuple:
    """The sort key a cursor holds, checked against the list's key types."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        if not isinstance(raw, list) or len(raw) != len(kinds):
            raise ValueError
        return tuple(datetime.fromisoformat(v) if kind is datetime else kind(v) for v, kind in zip(raw, kinds, strict=True))
    except (ValueError, TypeError, UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationFailed("翻页标记无效，请从第一页重新查看", {field: ["无效的翻页标记"]}) from None


def capped_count(session: Session, stmt: Select, cap: int | None = None) -> tuple[int, bool]:
    """How many rows `stmt` matches, reading at most cap + 1 of them (CAP by default)."""
    cap = CAP if cap is None else cap
    found = session.scalar(select(func.count()).select_from(stmt.order_by(None).limit(cap + 1).subquery())) or 0
    return min(found, cap), found > cap


def keyset_page(session: Session, stmt: Select, keys: Sequence, *, descending: bool, cursor: str | None,
                per_page: int, kinds: Sequence[type], field: str = "cursor") -> Page:
    """One page of `stmt` ordered by `keys` (all ascending or all descending; the last must be
    unique), starting after `cursor`."""
    total, capped = capped_count(session, stmt)
    if cursor:
        after = decode(cursor, kinds, field)
        key = tuple_(*keys)
        stmt = stmt.where(key < tuple_(*after) if descending else key > tuple_(*after))
    order = [k.desc() for k in keys] if descending else list(keys)
    rows = list(session.scalars(stmt.order_by(*order).limit(per_page + 1)))
    more = len(rows) > per_page
    rows = rows[:per_page]
    next_cursor = encode([_key_value(rows[-1], k) for k in keys]) if more and rows else None
    return Page(rows, total, capped, next_cursor)


def _key_value(row, column):
    return getattr(row, column.key)
