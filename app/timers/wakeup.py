"""Telling schedulers that a timer now falls due earlier than they thought.

Whenever a step writes a job, `announce` queues its due time on the session. PostgreSQL
carries it to every scheduler process with NOTIFY (delivered at commit, never for a rolled
back step); schedulers in this process are called after the commit. Nothing here polls.
"""
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

CHANNEL = "onewindow_timers"
_listeners: list[Callable[[datetime], None]] = []


def announce(session: Session, due_at: datetime) -> None:
    session.info.setdefault("timer_wakeups", []).append(due_at)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_notify(CHANNEL, due_at.isoformat())))


def listen(callback: Callable[[datetime], None]) -> None:
    _listeners.append(callback)


def unlisten(callback: Callable[[datetime], None]) -> None:
    if callback in _listeners:
        _listeners.remove(callback)


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    dues = session.info.pop("timer_wakeups", None)
    if dues:
        earliest = min(dues)
        for callback in list(_listeners):
            callback(earliest)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop("timer_wakeups", None)
