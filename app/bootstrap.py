"""The wiring room: the one place that knows every feature and puts them together.

`build_runtime(config)` makes the installation's runtime once per app: the settings object,
the seal's key file, the notification channels, the hooks features plug into the engine step,
the extras other features add to a guide's public record, and the periodic jobs the scheduler
runs. `create_app` stores it in `app.extensions["onewindow"]`; the faces hand it (or the part
they need) to the services. No feature registers itself anywhere: if it is not listed here,
it does not take part.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.appointments.reminders import remind_due
from app.cases import firing
from app.cases.cycle import StepHooks
from app.catalog.public import PublicExtra
from app.consultations.service import public_faq
from app.documents import delivery
from app.documents.seal import KeyFile
from app.documents.service import Issuer
from app.jobs.scheduler import PeriodicJob, Scheduler
from app.notify import channels as notify_channels
from app.notify import service as notify
from app.policies.service import related_policies
from app.policies.sweep import sweep as sweep_policies
from app.settings import Settings
from app.timers.models import PENDING, Job

EXTENSION = "onewindow"


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    seal: KeyFile                      # the office's signing key, re-read when rotated
    channels: notify_channels.Channels  # where messages to people go
    sign_in_sms: notify_channels.SmsChannel  # where applicants' sign-in codes go (SMS_CHANNEL)
    hooks: StepHooks                   # what features do inside an engine step
    public_extras: tuple[PublicExtra, ...]  # what features add to a guide's public record
    jobs: tuple[PeriodicJob, ...] = field(init=False)  # what the scheduler runs on every round

    def __post_init__(self) -> None:
        object.__setattr__(self, "jobs", _jobs(self))


def _next_timer(session: Session) -> datetime | None:
    """When the next timer is due; a job leased by another scheduler is its business until
    the lease ends."""
    wake_at = case((Job.locked_until > Job.due_at, Job.locked_until), else_=Job.due_at)
    return session.scalar(select(func.min(wake_at)).where(Job.state == PENDING))


def _jobs(runtime: Runtime) -> tuple[PeriodicJob, ...]:
    return (
        PeriodicJob("timers", lambda session: firing.run_due(session, runtime), next_due=_next_timer),
        # art. 30 warnings and appointment reminders are queued before the outbox goes out
        PeriodicJob("policy sweep", lambda session: sweep_policies(session, runtime.settings)),
        PeriodicJob("appointment reminders", remind_due),
        PeriodicJob("notifications", lambda session: notify.dispatch_due(session, runtime.channels)),
    )


def build_runtime(config) -> Runtime:
    settings = Settings.from_config(config)
    seal = KeyFile(settings.seal_key_path, settings.seal_office)
    seal.current()  # made (or read) at start, so a key that cannot be read fails here, not in a step
    channels = notify_channels.configured(config)
    hooks = StepHooks(
        before_complete=(delivery.before_complete,),
        # decisions' documents first, then delivery (the pickup code), then the messages that cite them
        after_step=(Issuer(seal).after_step, delivery.after_step, notify.after_step),
    )
    return Runtime(settings, seal, channels, notify_channels.sms_channel(config["SMS_CHANNEL"]), hooks,
                   public_extras=(public_faq, related_policies))


def runtime_of(app) -> Runtime:
    return app.extensions[EXTENSION]


def scheduler_for(app) -> Scheduler:
    """A scheduler running this app's periodic jobs (not started)."""
    return Scheduler(app, runtime_of(app).jobs)
