"""The timer scheduler: APScheduler holds one date job for the earliest due time, plus a
periodic sweep as a safety net.

It learns about new, earlier timers without polling: from PostgreSQL NOTIFY (other
processes' steps) and from this process's commits (app.timers.wakeup). After each firing it
looks up the next due time and sets the date job again. Any number of schedulers may run:
jobs are leased with FOR UPDATE SKIP LOCKED, so none fires twice. `make run` embeds one in
the web process; `flask scheduler run` runs one on its own.
"""
import logging
import threading
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import case, func, select

from app.notify import channels
from app.notify import service as notify
from app.timers import service, wakeup
from app.timers.models import PENDING, Job

log = logging.getLogger(__name__)
# SpiffWorkflow fires a timer once its due time has passed; wake just after it.
_AFTER_DUE = timedelta(milliseconds=5)
_RETRY_FLOOR = timedelta(seconds=1)


class TimerScheduler:
    def __init__(self, app):
        self.app = app
        self.scheduler = BackgroundScheduler(timezone=timezone.utc, daemon=True)
        self._lock = threading.Lock()
        self._next: datetime | None = None
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None
        self._running = self._dirty = False

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> "TimerScheduler":
        seconds = self.app.config["SCHEDULER_SWEEP_SECONDS"]
        self.scheduler.add_job(self.fire, "interval", seconds=seconds, id="sweep",
                               max_instances=1, coalesce=True)
        self.scheduler.start()
        wakeup.listen(self.notify)
        if self._database_is_postgresql():
            self._listener = threading.Thread(target=self._listen_postgresql, name="timer-listen", daemon=True)
            self._listener.start()
        self.fire()  # whatever fell due while no scheduler ran
        log.info("timer scheduler started (sweep every %ss)", seconds)
        return self

    def stop(self) -> None:
        self._stop.set()
        wakeup.unlisten(self.notify)
        self.scheduler.shutdown(wait=True)

    # --- firing --------------------------------------------------------------------------

    def fire(self) -> dict:
        """Fire everything due, then set the date job for the next due time. One firing at a
        time per scheduler: a call (or wake-up) meanwhile makes the running one go round again."""
        from app.extensions import db

        with self._lock:
            if self._running:
                self._dirty = True
                return {}
            self._running = True
        counts: dict = {}
        earliest = None
        try:
            while True:
                with self._lock:
                    self._dirty = False
                with self.app.app_context():
                    try:
                        for state, n in service.run_due(db.session, self.app.config["TIMER_MAX_ATTEMPTS"]).items():
                            counts[state] = counts.get(state, 0) + n
                        _sweep_policies(db.session)  # art. 30 warnings, queued before the outbox goes out
                        _remind_appointments(db.session)
                        # the notification outbox goes out on the same rounds (and the sweep)
                        notify.dispatch_due(db.session, channels.configured(self.app.config))
                        # a job leased by another scheduler is its business until the lease ends
                        wake_at = case((Job.locked_until > Job.due_at, Job.locked_until), else_=Job.due_at)
                        earliest = db.session.scalar(select(func.min(wake_at)).where(Job.state == PENDING))
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
        if counts:
            log.info("timers fired: %s", counts)
        if earliest is not None:
            now = datetime.now(timezone.utc)
            # what is due already was just tried: look again in a moment, not in a loop
            self.notify(earliest if earliest > now else now + _RETRY_FLOOR)
        return counts

    def notify(self, due_at: datetime) -> None:
        """A timer is due at `due_at`: make sure the date job runs no later than that."""
        if self._stop.is_set():
            return
        now = datetime.now(timezone.utc)
        run_at = max(due_at + _AFTER_DUE, now)
        with self._lock:
            if self._running and run_at <= now:
                self._dirty = True  # a firing is under way: it goes round once more
                return
            if self._next is not None and now < self._next <= run_at:
                return  # an earlier wake-up is already set (a past one has run already)
            self._next = run_at
            self.scheduler.add_job(self.fire, "date", run_date=run_at, id="next-due",
                                   replace_existing=True, misfire_grace_time=None)

    # --- PostgreSQL LISTEN ---------------------------------------------------------------

    def _database_is_postgresql(self) -> bool:
        return self.app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")

    def _listen_postgresql(self) -> None:
        import psycopg

        from app.extensions import db

        with self.app.app_context():
            url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {wakeup.CHANNEL}")
                    self.fire()  # whatever was committed while we were not listening
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self.notify(datetime.fromisoformat(note.payload))
            except Exception:  # the database restarted: listen again, the sweep covers the gap
                log.exception("timer LISTEN connection lost; reconnecting")
                self._stop.wait(2)


def _sweep(session, label: str, run) -> None:
    """A periodic sweep riding on the timer rounds (policy deadlines, appointment reminders): a
    failure there is logged and must not stop timers or the outbox."""
    try:
        result = run(session)
    except Exception:  # noqa: BLE001
        session.rollback()
        log.exception("%s failed", label)
        return
    if result and (not isinstance(result, dict) or any(result.values())):
        log.info("%s: %s", label, result)


def _sweep_policies(session) -> None:
    from app.policies.sweep import sweep

    _sweep(session, "policy sweep", sweep)


def _remind_appointments(session) -> None:
    from app.appointments.reminders import remind_due

    _sweep(session, "appointment reminders", remind_due)


_embedded: TimerScheduler | None = None


def start_embedded(app) -> TimerScheduler | None:
    global _embedded
    if _embedded is None:
        _embedded = TimerScheduler(app).start()
    return _embedded


def run_blocking(app) -> None:
    scheduler = TimerScheduler(app).start()
    try:
        threading.Event().wait()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        scheduler.stop()
