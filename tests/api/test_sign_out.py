"""Signing out ends the session on the server (art. 17 on a shared hall terminal): a cookie or
token copied before no longer opens anything, and "sign out everywhere" ends every device."""
from datetime import timedelta

from app import clock
from tests.api.test_applicant_pages import sign_in, token
from tests.applicant_flows import PHONE, Applicant


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_copied_cookie_stops_working_when_its_session_signs_out(app, codes):
    terminal = app.test_client()
    sign_in(terminal, codes)
    copied = _cookie(terminal)  # what someone takes from the hall's shared terminal
    home = terminal.get("/my")
    assert home.status_code == 200 and PHONE in home.get_data(as_text=True)
    assert terminal.post("/my/logout", data={"csrf_token": token(home)}).status_code == 302

    replay = app.test_client()
    replay.set_cookie("session", copied)
    gate = replay.get("/my")
    assert gate.status_code == 302 and "/my/login" in gate.headers["Location"]
    assert PHONE not in replay.get("/my/login").get_data(as_text=True)


def test_signing_out_everywhere_ends_every_session_and_token(app, codes):
    phone_app = Applicant(app, codes)  # a token on the applicant's phone
    clock.advance(timedelta(seconds=61))
    terminal = app.test_client()
    sign_in(terminal, codes)  # and a page session at the hall
    other = app.test_client()
    other.set_cookie("session", _cookie(terminal))
    home = terminal.get("/my")
    assert phone_app.get("/api/v1/applicant/me").status_code == 200
    terminal.post("/my/logout", data={"csrf_token": token(home), "everywhere": "1"})
    assert phone_app.get("/api/v1/applicant/me").status_code == 401
    assert other.get("/my").status_code == 302


def test_an_api_token_signs_out_alone(app, codes):
    first = Applicant(app, codes)
    clock.advance(timedelta(seconds=61))
    second = Applicant(app, codes)
    assert first.post("/api/v1/applicant/sign-out", json={}).status_code == 204
    refused = first.get("/api/v1/applicant/me")
    assert refused.status_code == 401 and refused.get_json()["message"] == "登录已失效，请重新登录"
    assert second.get("/api/v1/applicant/me").status_code == 200  # the other session goes on
    assert second.post("/api/v1/applicant/sign-out", json={"everywhere": True}).status_code == 204
    assert second.get("/api/v1/applicant/me").status_code == 401
