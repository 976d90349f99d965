"""APScheduler wiring: a periodic sweep that fires due timers from the job table.

`make run` embeds one in the web process; `flask scheduler run` runs one on its own. Any
number may run: jobs are leased with SKIP LOCKED, so none fires twice.
"""
import logging
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from app.timers import service

log = logging.getLogger(__name__)
_started = threading.Event()


def _sweep(app) -> None:
    from app.extensions import db

    with app.app_context():
        try:
            counts = service.run_due(db.session, app.config["TIMER_MAX_ATTEMPTS"])
            if counts:
                log.info("timers fired: %s", counts)
        finally:
            db.session.remove()


def _configure(scheduler, app) -> None:
    scheduler.add_job(_sweep, "interval", seconds=app.config["SCHEDULER_SWEEP_SECONDS"], args=[app],
                      id="sweep", max_instances=1, coalesce=True)
    scheduler.add_job(_sweep, "date", args=[app], id="sweep-at-start")


def start_embedded(app) -> BackgroundScheduler | None:
    if _started.is_set():
        return None
    _started.set()
    scheduler = BackgroundScheduler(daemon=True)
    _configure(scheduler, app)
    scheduler.start()
    log.info("embedded timer scheduler started (sweep every %ss)", app.config["SCHEDULER_SWEEP_SECONDS"])
    return scheduler


def run_blocking(app) -> None:
    scheduler = BlockingScheduler()
    _configure(scheduler, app)
    log.info("timer scheduler running (sweep every %ss)", app.config["SCHEDULER_SWEEP_SECONDS"])
    scheduler.start()
