"""The wiring room: the one place that knows every feature and puts them together.

`build_runtime(config)` makes the installation's runtime once per app: the settings object,
the seal's key file, the notification channels, the hooks features plug into the engine step,
the extras other features add to a guide's public record, and the periodic jobs the scheduler
runs. `create_app` stores it in `app.extensions["onewindow"]`; the faces hand it (or the part
they need) to the services. No feature registers itself anywhere: if it is not listed here,
it does not take part.
"""
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from flask import Flask

from app.appointments.reminders import remind_due
from app.audit import checks as audit
from app.cases import firing
from app.cases.cycle import StepHooks
from app.catalog.public import PublicExtra
from app.consultations.service import public_faq
from app.documents import delivery
from app.documents import service as documents
from app.documents.seal import KeyFile
from app.documents.service import Issuer
from app.files import service as files
from app.jobs.scheduler import PeriodicJob, Scheduler
from app.notify import channels as notify_channels
from app.notify import service as notify
from app.policies.service import related_policies
from app.policies.sweep import sweep as sweep_policies
from app.settings import Settings
from app.timers import leases

EXTENSION = "onewindow"
SCHEDULER_EXTENSION = "onewindow.scheduler"  # the scheduler `make run` embeds


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    key_file: KeyFile                  # the office's signing key, re-read when rotated
    channels: notify_channels.Channels  # where messages to people go
    sign_in_sms: notify_channels.SmsChannel  # where applicants' sign-in codes go (SMS_CHANNEL)
    hooks: StepHooks                   # what features do inside an engine step
    public_extras: tuple[PublicExtra, ...]  # what features add to a guide's public record
    jobs: tuple[PeriodicJob, ...] = ()  # what the scheduler runs on every round


def _jobs(runtime: Runtime) -> tuple[PeriodicJob, ...]:
    return (
        PeriodicJob("timers", lambda session: firing.run_due(session, runtime), next_due=leases.next_due),
        # documents the steps decided are drawn and sealed before the messages that cite them go out
        PeriodicJob("documents", lambda session: documents.draw_pending(
            session, runtime.key_file, runtime.settings.store, runtime.settings.document_base_url)),
        # art. 30 warnings and appointment reminders are queued before the outbox goes out
        PeriodicJob("policy sweep", lambda session: sweep_policies(session, runtime.settings)),
        PeriodicJob("appointment reminders", remind_due),
        PeriodicJob("notifications", lambda session: notify.dispatch_due(session, runtime.channels)),
        PeriodicJob("file sweep", lambda session: files.sweep(session, runtime.settings.store), every=timedelta(hours=1)),
        # reads check only each history's head; the whole chains are re-hashed once a day
        PeriodicJob("history verification", audit.nightly_verify, every=timedelta(days=1), at_start=False),
    )


def build_runtime(config: Mapping[str, Any]) -> Runtime:
    """Everything an app needs besides Flask, from its configuration. Notification settings are
    checked here: a mistake stops the app at start-up with one line, not a message later."""
    settings = Settings.from_config(config)
    key_file = KeyFile(settings.seal_key_path, settings.seal_office)
    key_file.current()  # made (or read) at start, so a key that cannot be read fails here, not in a step
    hooks = StepHooks(
        before_complete=(delivery.before_complete,),
        # decisions' documents first, then delivery (the pickup code), then the messages that cite them
        after_step=(Issuer(key_file).after_step, delivery.after_step, notify.after_step),
    )
    runtime = Runtime(settings, key_file, notify_channels.configured(config),
                      notify_channels.sms_channel(config["SMS_CHANNEL"]), hooks,
                      public_extras=(public_faq, related_policies))
    return replace(runtime, jobs=_jobs(runtime))  # the jobs' closures need the rest of it


def runtime_of(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions[EXTENSION]
    return runtime


def scheduler_for(app: Flask) -> Scheduler:
    """A scheduler running this app's periodic jobs (not started)."""
    return Scheduler(app, runtime_of(app).jobs)
