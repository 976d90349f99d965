"""The scheduler: APScheduler holds one date job for the earliest time a registered job wants to
run (the next due timer), plus a periodic sweep as a safety net; each round runs every
registered job in turn.

It learns about new, earlier timers without polling: from PostgreSQL NOTIFY (other processes'
steps) and from this process's commits (app.timers.wakeup). After each round it asks the jobs
when they want to run next and sets the date job again. Any number of schedulers may run: the
jobs claim their work with FOR UPDATE SKIP LOCKED or conditional UPDATEs, so nothing runs twice.
`make run` embeds one in the web process; `flask scheduler run` runs one on its own.
"""
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.connections import postgresql_options
from app.extensions import db
from app.timers import wakeup

log = logging.getLogger(__name__)
# SpiffWorkflow fires a timer once its due time has passed; wake just after it.
_AFTER_DUE = timedelta(milliseconds=5)
_RETRY_FLOOR = timedelta(seconds=1)


@dataclass(frozen=True)
class PeriodicJob:
    """One thing the scheduler does on every round (or, with `every`, at most that often)."""

    name: str
    run: Callable[[Session], object]  # one round; what it returns is logged when it did something
    next_due: Callable[[Session], datetime | None] | None = None  # when it wants the next round
    every: timedelta | None = None  # an expensive job (walking the file store) runs this seldom
    at_start: bool = True  # with `every`: also on the first round (False: first after `every`)


def _did_something(result: object) -> bool:
    return bool(result) and (not isinstance(result, dict) or any(result.values()))


def _merged(before: object, now: object) -> object:
    """What a job did over the passes of one round: counts add up."""
    if isinstance(before, dict) and isinstance(now, dict):
        return {key: before.get(key, 0) + now.get(key, 0) for key in before.keys() | now.keys()}
    if isinstance(before, int) and isinstance(now, int):
        return before + now
    return now if now is not None else before


class Scheduler:
    def __init__(self, app: Flask, jobs: Sequence[PeriodicJob]):
        self.app, self.jobs = app, tuple(jobs)
        self.scheduler = BackgroundScheduler(timezone=UTC, daemon=True)
        self._lock = threading.Lock()
        # job name -> monotonic time of its last round (jobs with `every`; those not run at start count from now)
        self._last_run: dict[str, float] = {j.name: time.monotonic() for j in self.jobs
                                            if j.every is not None and not j.at_start}
        self._next: datetime | None = None
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None
        self._running = self._dirty = False

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> "Scheduler":
        seconds = self.app.config["SCHEDULER_SWEEP_SECONDS"]
        self.scheduler.add_job(self.fire, "interval", seconds=seconds, id="sweep",
                               max_instances=1, coalesce=True)
        self.scheduler.start()
        event.listen(Session, "after_commit", self._committed)
        if self.app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            self._listener = threading.Thread(target=self._listen_postgresql, name="timer-listen", daemon=True)
            self._listener.start()
        self.fire()  # whatever fell due while no scheduler ran
        log.info("scheduler started (sweep every %ss): %s", seconds, ", ".join(j.name for j in self.jobs))
        return self

    def stop(self) -> None:
        self._stop.set()
        if event.contains(Session, "after_commit", self._committed):
            event.remove(Session, "after_commit", self._committed)
        self.scheduler.shutdown(wait=True)

    def _committed(self, session: Session) -> None:
        if session.in_nested_transaction():  # a savepoint released: the real commit comes later
            return
        due = wakeup.announced(session)
        if due is not None:
            self.notify(due)

    # --- a round -------------------------------------------------------------------------

    def fire(self) -> dict:
        """Run every job once, then set the date job for the earliest next due time. One round
        at a time per scheduler: a call (or wake-up) meanwhile makes the running one go round
        again. Returns what each job did, by name."""
        with self._lock:
            if self._running:
                self._dirty = True
                return {}
            self._running = True
        results: dict[str, object] = {}
        earliest = None
        try:
            while True:
                with self._lock:
                    self._dirty = False
                with self.app.app_context():
                    try:
                        for job in self.jobs:
                            results[job.name] = _merged(results.get(job.name), self._run(job))
                        earliest = self._earliest()
                    finally:
                        db.session.remove()
                with self._lock:
                    if not self._dirty:
                        self._running = False
                        break
        except BaseException:
            with self._lock:
                self._running = False
            raise
        if earliest is not None:
            now = datetime.now(UTC)
            # what is due already was just tried: look again in a moment, not in a loop
            self.notify(earliest if earliest > now else now + _RETRY_FLOOR)
        return results

    def _run(self, job: PeriodicJob) -> object:
        """One job's round: a failure there is logged and must not stop the other jobs."""
        if job.every is not None:
            last = self._last_run.get(job.name)
            if last is not None and time.monotonic() - last < job.every.total_seconds():
                return None
            self._last_run[job.name] = time.monotonic()
        try:
            result = job.run(db.session())  # this app context's session, resolved
        except Exception:  # noqa: BLE001
            db.session.rollback()
            log.exception("%s failed", job.name)
            return None
        if _did_something(result):
            log.info("%s: %s", job.name, result)
        return result

    def _earliest(self) -> datetime | None:
        session = db.session()
        dues = [due for job in self.jobs if job.next_due is not None
                if (due := job.next_due(session)) is not None]
        return min(dues, default=None)

    def notify(self, due_at: datetime) -> None:
        """Something is due at `due_at`: make sure the date job runs no later than that."""
        if self._stop.is_set():
            return
        now = datetime.now(UTC)
        run_at = max(due_at + _AFTER_DUE, now)
        with self._lock:
            if self._running and run_at <= now:
                self._dirty = True  # a round is under way: it goes round once more
                return
            if self._next is not None and now < self._next <= run_at:
                return  # an earlier wake-up is already set (a past one has run already)
            self._next = run_at
            self.scheduler.add_job(self.fire, "date", run_date=run_at, id="next-due",
                                   replace_existing=True, misfire_grace_time=None)

    # --- PostgreSQL LISTEN ---------------------------------------------------------------

    def _listen_postgresql(self) -> None:
        with self.app.app_context():
            url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                # Autocommit: between notifications the session is idle, never idle in a
                # transaction, so idle_in_transaction_session_timeout cannot end it; it is set to
                # 0 here all the same, so a database-wide default cannot either.
                with psycopg.connect(url, autocommit=True, options=postgresql_options(idle_in_transaction_ms=0)) as conn:
                    conn.execute(f"LISTEN {wakeup.CHANNEL}")
                    self.fire()  # whatever was committed while we were not listening
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self.notify(datetime.fromisoformat(note.payload))
            except Exception:  # the database restarted: listen again, the sweep covers the gap
                log.exception("timer LISTEN connection lost; reconnecting")
                self._stop.wait(2)


def run_blocking(scheduler: Scheduler) -> None:
    scheduler.start()
    try:
        threading.Event().wait()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        scheduler.stop()
