"""Security headers on every kind of response (issue 14, part 7): the strict Content-Security-
Policy, no framing, nosniff and Referrer-Policy everywhere; HSTS only in production. Responses
with a policy of their own keep it (the BPMN download, the Swagger UI page's initialiser)."""
import base64
import hashlib
import re
import secrets
from pathlib import Path

import lxml.html
import pytest

from app import create_app
from app.http.headers import PAGE_POLICY, PDF_POLICY
from tests.api.test_applicant_pages import sign_in
from tests.api.test_staff_pages import signed_in

ITEM = "610118-SCJG-0001"
STRICT = {"default-src": "'self'", "script-src": "'self'", "img-src": "'self' data:", "connect-src": "'self'",
          "frame-ancestors": "'none'", "base-uri": "'self'", "form-action": "'self'", "object-src": "'none'",
          "font-src": "'self'"}


def directives(policy: str) -> dict:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


def assert_secured(response, policy: str = PAGE_POLICY):
    headers = response.headers
    assert headers["Content-Security-Policy"] == policy, (response.request.path, headers.get("Content-Security-Policy"))
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # not in development or testing


def test_the_page_policy_is_strict():
    policy = directives(PAGE_POLICY)
    for name, sources in STRICT.items():
        assert policy[name] == sources, name
    # Styles: our stylesheets, and two style="" values of the properties panel by their hashes: never 'unsafe-inline'.
    style = policy["style-src"].split()
    assert style[:2] == ["'self'", "'unsafe-hashes'"] and len(style) == 4
    assert all(source.startswith("'sha256-") for source in style[2:])
    assert "unsafe-inline" not in PAGE_POLICY and "unsafe-eval" not in PAGE_POLICY


TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "web" / "templates"
INLINE = [(re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
          (re.compile(r"<[^>]*\son[a-z]+\s*=", re.I), "an on…= handler"),
          (re.compile(r"<[^>]*\sstyle\s*=", re.I), "a style attribute"),
          (re.compile(r"<style\b", re.I), "a <style> element"),
          (re.compile(r"javascript:", re.I), "a javascript: address")]


def test_templates_hold_nothing_inline():
    """What the policy would refuse in a browser is refused here, on every template."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for pattern, what in INLINE:  # a tag may span lines: search the whole text
            found += [f"{path.relative_to(TEMPLATES)}:{text.count(chr(10), 0, m.start()) + 1}: {what}"
                      for m in pattern.finditer(text)]
    assert not found, "\n".join(found)


def test_public_pages(app):
    client = app.test_client()
    for path in ("/guides", f"/guides/{ITEM}", "/policies", "/progress", f"/guides/{ITEM}/qr.png"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_secured(response)


def test_staff_pages(app):
    frontdesk = signed_in(app, "frontdesk")
    for path in ("/inbox", "/cases"):
        assert_secured(frontdesk.get(path))
    designer = signed_in(app, "designer")
    modeler = designer.get("/modeler?key=standard_licence")
    assert modeler.status_code == 200
    assert_secured(modeler)
    assert_secured(signed_in(app, "admin").get("/admin/calendar?year=2026"))
    assert_secured(app.test_client().get("/login"))


def test_applicant_pages(app, codes):
    client = app.test_client()
    assert_secured(client.get("/my/login"))
    assert sign_in(client, codes).status_code == 302
    home = client.get("/my")
    assert home.status_code == 200
    assert_secured(home)


def test_api_responses(app, as_user):
    ok = as_user("frontdesk").get("/api/v1/cases")
    assert ok.status_code == 200 and ok.is_json
    assert_secured(ok)
    refused = as_user().get("/api/v1/cases")
    assert refused.status_code == 401 and refused.is_json
    assert_secured(refused)
    assert_secured(as_user().get("/api/v1/openapi.json"))
    assert_secured(as_user().get("/healthz"))


def test_error_pages(app, as_user):
    client = app.test_client()
    missing = client.get("/guides/no-such-item")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert_secured(missing)
    assert_secured(client.get("/no/such/page"))
    assert_secured(signed_in(app, "frontdesk").get("/cases/999999"))
    not_allowed = as_user("frontdesk").delete("/api/v1/cases")
    assert not_allowed.status_code == 405
    assert_secured(not_allowed)


def test_a_server_error(app, tmp_path):
    """An unexpected exception answered by the app's last-resort handler (500) carries them too."""
    fresh = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "INSTANCE_PATH": tmp_path})

    @fresh.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = fresh.test_client().get("/boom")
    assert response.status_code == 500
    assert_secured(response)


def test_static_files(app):
    client = app.test_client()
    for path in ("/guides/static/staff.css", "/guides/static/select-navigation.js", "/guides/static/build/modeler.js",
                 "/api/docs/assets/swagger-ui-bundle.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_secured(response)
        response.close()


def test_an_inline_pdf_may_not_be_framed_and_is_shown(as_user):
    """A guide's blank form: the browser's PDF viewer is not held to the page policy."""
    guide = as_user().get(f"/api/v1/catalog/items/{ITEM}").get_json()
    form = next(m for m in guide["materials"] if m["category"] == "form")
    response = as_user().get(form["blank_template"].replace("http://localhost", ""))
    assert response.mimetype == "application/pdf"
    assert_secured(response, PDF_POLICY)


def test_the_bpmn_download_keeps_its_own_policy(as_user):
    response = as_user("designer").get("/api/v1/processes/standard_licence/versions/1/xml")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["X-Frame-Options"] == "DENY"


def test_swagger_ui_allows_exactly_its_own_initialiser(app):
    response = app.test_client().get("/api/docs")
    assert response.status_code == 200
    page = response.get_data()
    inline = re.findall(rb"<script>(.*?)</script>", page, re.DOTALL)
    assert len(inline) == 1 and b"SwaggerUIBundle" in inline[0]
    digest = base64.b64encode(hashlib.sha256(inline[0]).digest()).decode()
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert {k: v for k, v in policy.items() if k != "script-src"} == \
        {k: v for k, v in directives(PAGE_POLICY).items() if k != "script-src"}
    assert b'"validatorUrl": null' in page  # no badge image from validator.swagger.io
    scripts = lxml.html.fromstring(page).cssselect("script[src]")
    assert [s.get("src") for s in scripts] == ["/api/docs/assets/swagger-ui-standalone-preset.js",
                                               "/api/docs/assets/swagger-ui-bundle.js"]


@pytest.fixture
def production(app, tmp_path, monkeypatch):
    """The same database served with ONEWINDOW_ENV=production."""
    monkeypatch.setenv("ONEWINDOW_ENV", "production")
    return create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "SECRET_KEY": secrets.token_hex(32), "PUBLIC_BASE_URL": "https://zwfw.example.cn",
                       "INSTANCE_PATH": tmp_path, "SCHEDULER_ENABLED": False})


def test_hsts_in_production_only(production, app):
    client = production.test_client()
    for path in ("/guides", "/api/v1/openapi.json", "/guides/static/guides.css", "/guides/no-such-item", "/login"):
        response = client.get(path)
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains", path
        assert response.headers["Content-Security-Policy"] == PAGE_POLICY
        assert response.headers["X-Frame-Options"] == "DENY"
        response.close()
    assert "Strict-Transport-Security" not in app.test_client().get("/guides").headers
