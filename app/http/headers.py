"""Security headers on every response (pages, API, errors, static files): a strict
Content-Security-Policy, no framing, no MIME sniffing, a referrer policy, and HSTS in production.

Scripts and styles come only from our own origin: the esbuild bundles and library stylesheets in
static/build and the hand-written files in static/. No inline <script>, no on…= attributes, no
style="" attributes in the templates (a select that acts on change says so with data-submit or
data-reload: static/select-navigation.js). A response that sets its own Content-Security-Policy
keeps it (the BPMN download: `default-src 'none'; sandbox`).
"""
import base64
import hashlib
import re

from flask import Flask, Response, current_app, request


def _sha256(text: bytes) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text).digest()).decode()}'"


# No 'unsafe-inline' for styles either: bpmn-js, form-js and the Swagger UI set their dynamic
# styles through the CSSOM, which a policy does not govern. Only the properties panel builds its
# two containers from markup with style="" attributes: exactly these two values are allowed
# ('unsafe-hashes'), and staff.css repeats them for browsers that do not know that keyword.
PROPERTIES_PANEL_STYLES = (b"height: 100%", b"flex: none; height: auto")

# The policy of every page, one directive per entry.
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": " ".join(["'self'", "'unsafe-hashes'", *map(_sha256, PROPERTIES_PANEL_STYLES)]),
    "img-src": "'self' data:",  # QR codes, bpmn-js's and the Swagger UI's icons are data: URIs
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# A PDF shown inline (a signed document, a guide's blank form) is drawn by the browser's own
# viewer, whose wrapper page older Chrome versions subjected to the PDF's own policy (crbug.com/271452:
# its inline styles and the plugin refused, the document not shown). A PDF runs no script of ours:
# it only may not be framed.
PDF_POLICY = "frame-ancestors 'none'"

# flask-smorest renders the Swagger UI page (/api/docs) with one inline initialiser (the spec's
# URL and OPENAPI_SWAGGER_UI_CONFIG, nothing from the request): that page alone allows exactly
# that script, by its hash.
SWAGGER_UI_ENDPOINT = "api-docs.openapi_swagger_ui"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors 'none' for browsers without CSP 2
    # Case and task addresses never leave for another site; our own form posts keep their Referer,
    # which Flask-WTF's CSRF check requires over HTTPS (so not no-referrer).
    "Referrer-Policy": "same-origin",
}


def policy(**extra: str) -> str:
    """The page policy with `extra` sources added to some directives (script_src for script-src)."""
    directives = dict(POLICY)
    for name, sources in extra.items():
        directive = name.replace("_", "-")
        directives[directive] = f"{directives[directive]} {sources}"
    return "; ".join(f"{name} {sources}" for name, sources in directives.items())


PAGE_POLICY = policy()


def content_security_policy(response: Response) -> str:
    if response.mimetype == "application/pdf":
        return PDF_POLICY
    if request.endpoint == SWAGGER_UI_ENDPOINT and response.status_code == 200:
        scripts = _INLINE_SCRIPT.findall(response.get_data())
        if scripts:
            return policy(script_src=" ".join(_sha256(script) for script in scripts))
    return PAGE_POLICY


def secure_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = content_security_policy(response)
    hsts = current_app.config.get("STRICT_TRANSPORT_SECURITY")  # set by the production configuration only
    if hsts:
        response.headers.setdefault("Strict-Transport-Security", hsts)
    return response


def register(app: Flask) -> None:
    app.after_request(secure_headers)
