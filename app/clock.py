"""The only source of time. Production reads the system clock; tests freeze and move it.

Everything that asks "what time is it" (deadlines, timers, audit rows, the engine's timer
checks) goes through `now()`, so a test can jump days ahead and see timers fall due.
"""
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

_lock = threading.Lock()
_frozen: datetime | None = None
_offset = timedelta(0)
# A sandbox's own time (the modeler's test runs): set only inside `sandbox()`, for this thread or
# task alone, so a test run moves its clock without moving anybody else's.
_sandbox: ContextVar[datetime | None] = ContextVar("onewindow_sandbox_now", default=None)


def now() -> datetime:
    """The current instant, aware, in UTC."""
    moment = _sandbox.get()
    if moment is not None:
        return moment
    with _lock:
        if _frozen is not None:
            return _frozen
        return datetime.now(UTC) + _offset


def local_now() -> datetime:
    return now().astimezone(LOCAL_TZ)


def today() -> date:
    """Today's date in the service centre's time zone."""
    return local_now().date()


def freeze(at: datetime) -> None:
    """Stop the clock at `at` (aware)."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    with _lock:
        _frozen = at.astimezone(UTC)


def advance(delta: timedelta) -> datetime:
    """Move the clock forward (frozen or running) and return the new now."""
    global _frozen, _offset
    with _lock:
        if _frozen is not None:
            _frozen = _frozen + delta
        else:
            _offset = _offset + delta
    return now()


@contextmanager
def sandbox(at: datetime) -> Iterator[None]:
    """Inside the block, `now()` is `at` for this context only (a test run of a draft process)."""
    if at.tzinfo is None:
        raise ValueError("sandbox() needs an aware datetime")
    token = _sandbox.set(at.astimezone(UTC))
    try:
        yield
    finally:
        _sandbox.reset(token)


def reset() -> None:
    """Back to the system clock."""
    global _frozen, _offset
    with _lock:
        _frozen = None
        _offset = timedelta(0)


def chinese_date(moment: datetime | None, empty: str = "") -> str:
    """A moment's local date as written in documents and messages: 2026年12月07日."""
    return f"{moment.astimezone(LOCAL_TZ):%Y年%m月%d日}" if moment else empty
