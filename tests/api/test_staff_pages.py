"""The staff pages through HTTP (no browser): sign-in and sign-out, odd query strings, redirects
that stay on the site, and the page session on the API."""
from datetime import timedelta

import lxml.html
import pytest

from app import clock
from tests.flows import start


def token_of(response) -> str:
    return lxml.html.fromstring(response.get_data(as_text=True)).cssselect('input[name="csrf_token"]')[0].get("value")


def signed_in(app, username="frontdesk"):
    client = app.test_client()
    form = client.get("/login")
    done = client.post("/login", data={"csrf_token": token_of(form), "username": username,
                                       "password": "onewindow-demo"})
    assert done.status_code == 302
    return client


@pytest.mark.parametrize("path", ["/inbox?page=²", "/inbox?page=99999999999999999999", "/inbox?_method=x&page=2",
                                  "/cases?page=abc", "/cases/99999999999999999999", "/cases/999999",
                                  "/tasks/nope", "/modeler?version=²", "/admin/calendar?year=99999"])
def test_odd_addresses_never_fail_with_500(app, path):
    client = signed_in(app, "admin" if path.startswith(("/admin", "/modeler")) else "frontdesk")
    response = client.get(path)
    assert response.status_code in (200, 403, 404), (path, response.status_code)
    assert response.mimetype == "text/html"


def test_redirects_stay_on_the_site(app, as_user):
    client = signed_in(app)
    case = start(as_user("frontdesk"))
    page = client.get(f"/cases/{case['id']}")
    moved = client.post(f"/cases/{case['id']}/comments", data={"csrf_token": token_of(page), "text": "x",
                                                              "back": "https://evil.example/x"})
    assert moved.status_code == 302 and moved.headers["Location"] == f"/cases/{case['id']}"
    form = app.test_client().get("/login")
    outside = app.test_client()
    outside_form = outside.get("/login")
    went = outside.post("/login", data={"csrf_token": token_of(outside_form), "username": "frontdesk",
                                        "password": "onewindow-demo", "next": "//evil.example"})
    assert went.headers["Location"] == "/"
    assert form.status_code == 200


def test_signing_out_ends_every_session_of_the_user(app):
    client = signed_in(app)
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/inbox").status_code == 200
    inbox = client.get("/inbox")
    assert client.post("/logout", data={"csrf_token": token_of(inbox)}).status_code == 302
    assert copy.get("/inbox").status_code == 302  # back to the login page
    assert copy.get("/api/v1/tasks").status_code == 401


def test_idle_sessions_expire(app):
    client = signed_in(app)
    assert client.get("/inbox").status_code == 200
    clock.advance(timedelta(hours=2, minutes=1))
    assert client.get("/inbox").status_code == 302


def test_the_page_session_opens_the_api_only_from_our_own_pages(app):
    client = signed_in(app)
    assert client.get("/api/v1/tasks").status_code == 200
    assert client.get("/api/v1/tasks", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 401
    without_token = client.post("/api/v1/cases", json={})
    assert without_token.status_code == 400  # a write needs the page's CSRF token
