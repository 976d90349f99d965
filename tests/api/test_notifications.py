"""Notifications (art. 15) through a real SMTP server and a real HTTP SMS gateway on loopback:
delivered, and when both are down nothing is lost — the messages go out once they are back."""
import email
import email.policy
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from app import clock
from tests.flows import complete, start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.mails, self.texts = [], []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append((envelope.rcpt_tos, message["Subject"] + "\n" + message.get_content()))
        return "250 OK"


class Gateway:
    """A tiny SMS gateway: records what it is posted."""

    def __init__(self, port: int, inbox: Inbox):
        inbox_ = inbox

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                inbox_.texts.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def channels(app, reconfigure):
    smtp_port, http_port = free_port(), free_port()
    reconfigure(app, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port, SMS_GATEWAY_URL=f"http://127.0.0.1:{http_port}/send",
                SMS_TEMPLATES=json.dumps({"submitted": "SMS_0001", "correction": "SMS_0003"}))
    inbox = Inbox()
    state = {}

    def up():
        state["smtp"] = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
        state["smtp"].start()
        state["http"] = Gateway(http_port, inbox)

    def down():
        state.pop("smtp").stop()
        state.pop("http").stop()

    up()
    yield inbox, up, down
    if state:
        down()


def send(app) -> dict:
    result = app.test_cli_runner().invoke(args=["notify", "send"])
    assert result.exit_code == 0, result.output
    return eval(result.output.strip().splitlines()[-1])  # noqa: S307 (the command prints a dict)


def sent_states(api, case_id):
    return [(n["kind"], n["channel"], n["state"]) for n in api.get(f"/api/v1/cases/{case_id}/notifications").get_json()["items"]]


def test_messages_reach_smtp_and_the_sms_gateway(app, as_user, channels):
    inbox, _, _ = channels
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)  # the demo applicant gives a phone and an e-mail address
    assert sent_states(frontdesk, case["id"]) == [("submitted", "sms", "pending"), ("submitted", "email", "pending")]
    assert send(app)["sent"] == 2
    assert [t["template_id"] for t in inbox.texts] == ["SMS_0001"] and inbox.texts[0]["phone"] == "13800000000"
    assert inbox.mails[0][0] == ["owner@example.cn"] and case["case_no"] in inbox.mails[0][1]
    complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    assert send(app)["sent"] == 2
    assert sent_states(frontdesk, case["id"])[-2:] == [("accepted", "sms", "sent"), ("accepted", "email", "sent")]


def test_a_channel_that_is_down_loses_nothing_and_catches_up(app, as_user, channels):
    inbox, up, down = channels
    frontdesk = as_user("frontdesk")
    case = start(frontdesk)
    down()
    complete(frontdesk, case, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    assert send(app) == {"sent": 0, "pending": 4, "failed": 0}
    waiting = as_user("frontdesk").get(f"/api/v1/cases/{case['id']}/notifications").get_json()["items"]
    assert all(n["state"] == "pending" and n["attempts"] == 1 and n["last_error"] for n in waiting)
    assert send(app) == {"sent": 0, "pending": 0, "failed": 0}  # backing off: not tried again at once
    clock.advance(timedelta(seconds=31))
    assert send(app)["pending"] == 4  # still down
    up()
    clock.advance(timedelta(minutes=2))
    assert send(app) == {"sent": 4, "pending": 0, "failed": 0}
    kinds = sorted(t["template_id"] for t in inbox.texts)
    assert kinds == ["SMS_0001", "SMS_0003"] and len(inbox.mails) == 2
    assert any("2026年12月07日" in body for _, body in inbox.mails)  # the correction deadline


def test_the_pickup_code_goes_to_the_applicant_only(app, as_user, channels):
    from tests.flows import pickup_code

    inbox, _, _ = channels
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    case = complete(frontdesk, start(frontdesk), "front_desk_acceptance", {"outcome": "accept"})
    case = complete(backoffice, case, "back_office_review", {"decision": "approve"})
    send(app)
    code = pickup_code(app, case)
    texts = [t for t in inbox.texts if t["template_id"] == "ready_for_pickup"]
    assert texts and texts[0]["params"]["pickup_code"] == code
    assert any(code in body for _, body in inbox.mails)
    staff_view = str(as_user("pickup").get(f"/api/v1/cases/{case['id']}/notifications").get_json())
    assert code not in staff_view and "******" in staff_view
