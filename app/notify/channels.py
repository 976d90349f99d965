"""How messages leave the platform: an HTTP SMS gateway and an SMTP server, or (development,
tests) the log. `configured(config)` picks them from the configuration at start-up."""
import json
import logging
import smtplib
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from types import MappingProxyType
from typing import Protocol

log = logging.getLogger("onewindow.notify")


class SmsChannel(Protocol):
    def send_sms(self, phone: str, template: str, params: dict) -> None: ...


class MailChannel(Protocol):
    def send_mail(self, to: str, subject: str, body: str) -> None: ...


class LogSms:
    """Development and tests: the message goes to the `onewindow.notify` log."""

    def send_sms(self, phone: str, template: str, params: dict) -> None:
        log.info("SMS to %s [%s] %s", phone, template, params)


class LogMail:
    """Development: e-mail goes to the `onewindow.notify` log."""

    def send_mail(self, to: str, subject: str, body: str) -> None:
        log.info("MAIL to %s: %s", to, subject)


# The sign-in code channels SMS_CHANNEL may name (read-only: nothing registers itself here).
CHANNELS: Mapping[str, type[LogSms]] = MappingProxyType({"log": LogSms})


def sms_channel(name: str) -> SmsChannel:
    try:
        return CHANNELS[name]()
    except KeyError:
        raise RuntimeError(f"SMS_CHANNEL: unknown channel {name!r}; known: {', '.join(CHANNELS)}") from None


class ChannelDown(Exception):
    """The channel could not take the message now; it will be tried again."""


class Undeliverable(Exception):
    """The channel refused this recipient or message for good (a 4xx, a refused address)."""


class SmsGateway:
    """An HTTP SMS gateway: POST {"phone", "template_id", "params"} as JSON to `url`; 2xx is
    accepted. Template ids per message kind come from configuration (SMS_TEMPLATES)."""

    def __init__(self, url: str, templates: dict[str, str], token: str | None = None, timeout: float = 5):
        self.url, self.templates, self.token, self.timeout = url, templates, token, timeout

    def send_sms(self, phone: str, template: str, params: dict) -> None:

        body = json.dumps({"phone": phone, "template_id": self.templates.get(template, template), "params": params},
                          ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json", **({"Authorization": f"Bearer {self.token}"} if self.token else {})})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                if not 200 <= response.status < 300:
                    raise ChannelDown(f"SMS gateway answered {response.status}")
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500 and exc.code != 429:
                raise Undeliverable(f"SMS gateway refused the message: {exc.code}") from exc
            raise ChannelDown(f"SMS gateway answered {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ChannelDown(f"SMS gateway unreachable: {exc}") from exc


class SmtpMail:
    """E-mail through an SMTP server (STARTTLS and login when configured)."""

    def __init__(self, host: str, port: int, sender: str, user: str | None = None, password: str | None = None,
                 starttls: bool = False, timeout: float = 10):
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.starttls, self.timeout = user, password, starttls, timeout

    def send_mail(self, to: str, subject: str, body: str) -> None:

        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise Undeliverable(f"SMTP refused: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelDown(f"SMTP {self.host}:{self.port}: {exc}") from exc


@dataclass
class Channels:
    sms: SmsChannel | None = None
    email: MailChannel | None = None


def configured(config) -> Channels:
    """The channels this installation sends notifications through (see README, Notifications)."""
    # Unconfigured channels write to the log only where that is the point (development, tests);
    # in production a message with no channel is marked failed, never "sent" to nobody.
    to_log = bool(config.get("NOTIFY_TO_LOG", True))
    try:
        templates = json.loads(config.get("SMS_TEMPLATES") or "{}")
    except ValueError:
        raise RuntimeError("SMS_TEMPLATES must be a JSON object: message kind -> gateway template id") from None
    if not isinstance(templates, dict):
        raise RuntimeError("SMS_TEMPLATES must be a JSON object: message kind -> gateway template id")
    sms = (SmsGateway(config["SMS_GATEWAY_URL"], templates, config.get("SMS_GATEWAY_TOKEN"))
           if config.get("SMS_GATEWAY_URL") else
           (LogSms() if to_log else None))
    mail = (SmtpMail(config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25), config.get("MAIL_FROM") or "noreply@localhost",
                     config.get("SMTP_USER"), config.get("SMTP_PASSWORD"), bool(config.get("SMTP_STARTTLS")))
            if config.get("SMTP_HOST") else (LogMail() if to_log else None))
    return Channels(sms=sms, email=mail)
