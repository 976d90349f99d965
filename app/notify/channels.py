"""How messages leave the platform. This issue needs one: the sign-in code by SMS. The
development channel writes the message to the log (the SMS gateway adapter comes with the
notification issue and plugs in behind the same interface)."""
import logging
from typing import Protocol

log = logging.getLogger("onewindow.notify")


class SmsChannel(Protocol):
    def send_sms(self, phone: str, template: str, params: dict) -> None: ...


class LogSms:
    """Development and tests: the message goes to the `onewindow.notify` log."""

    def send_sms(self, phone: str, template: str, params: dict) -> None:
        log.info("SMS to %s [%s] %s", phone, template, params)


CHANNELS = {"log": LogSms}


def sms_channel(name: str) -> SmsChannel:
    try:
        return CHANNELS[name]()
    except KeyError:
        raise RuntimeError(f"unknown SMS channel {name!r}; known: {', '.join(CHANNELS)}") from None
