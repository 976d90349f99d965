"""The OpenAPI document tells the truth (issue 14): schemathesis generates requests for every
operation of /api/v1/openapi.json from the document itself (its examples, the boundary and
negative values of each parameter and body, then random ones) and sends them to the app on a
seeded PostgreSQL database, as an administrator, as a front-desk clerk, as an online applicant
and, for the public operations, without a token. Every answer must be no 5xx, a status the
operation declares, with the content type and the body schema the document gives for it.

Path parameters point at rows made here first (a case with a receipt, a material, a contact and
an open task; a consultation, a complaint, a booking, a policy; the applicant's own case), so
the answers exercised are the real ones and not only 404s (each test asserts how many operations
answered 2xx). Nothing is excluded: requests that change the calendar (recomputation), publish,
delete or deploy are part of the run; every test starts from the seeded baseline (the `pg`
fixture). Only the applicant's sign-out is sent with another applicant's token, since it ends
the sessions of its account (everywhere=true) and the rest of the run needs the first one.

schemathesis runs through its engine (what `st run` runs: examples, coverage, fuzzing phases),
not its pytest plugin, which does not work with pytest 9. `pytest tests/contract -q` prints the
totals (operations, requests, 5xx, schema violations) at the end of the module.
"""
import io
import time
from collections import Counter

import schemathesis
from schemathesis import engine
from schemathesis.engine import events

from tests.applicant_flows import PDF, Applicant
from tests.conftest import Api
from tests.flows import COMPANY_ID, HALL, ITEM, complete, open_task, start

MAX_EXAMPLES = 5  # per operation and phase: the whole module runs in about two minutes
SEED = 20261130
# not_a_server_error, the document's statuses, content types and bodies, and a 405 with `Allow`
# for the methods an operation does not have.
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "unsupported_method")
APPLICANT_API = r"^/api/v1/applicant/"
TOTALS: dict[str, dict] = {}  # who -> the totals of their run, printed at the end of the module


def _made(response, status=201) -> dict:
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


def _world(app, codes) -> dict:
    """Rows for the path parameters to point at, made through the API as staff would."""
    admin, frontdesk = Api(app, "admin"), Api(app, "frontdesk")
    case = complete(frontdesk, start(frontdesk), "front_desk_acceptance", {"outcome": "accept"})
    upload = frontdesk.post(f"/api/v1/cases/{case['id']}/materials", content_type="multipart/form-data",
                            data={"material_code": "SQS", "file": (io.BytesIO(PDF), "scan.pdf")})
    material = _made(upload)["items"][-1]
    document = frontdesk.get(f"/api/v1/cases/{case['id']}/documents").get_json()["items"][0]
    contact = _made(frontdesk.post(f"/api/v1/cases/{case['id']}/contacts",
                                   json={"mode": "phone", "summary": "电话告知受理"}))
    consultation = _made(frontdesk.post("/api/v1/consultations", json={
        "channel": "phone", "question": "食品经营许可需要哪些材料？", "hall": HALL, "item_code": ITEM}))
    complaint = _made(frontdesk.post("/api/v1/complaints", json={
        "channel": "window", "name": "张三", "phone": "13800000001", "content": "排队太久"}))
    slots = _made(admin.post("/api/v1/appointments/slots", json={
        "hall": HALL, "item_code": ITEM, "date_from": "2026-12-01", "date_to": "2026-12-04",
        "times": ["09:00-10:00"], "capacity": 5}))
    assert slots["created"] > 0
    slot = admin.get(f"/api/v1/appointments/slots?item_code={ITEM}&hall={HALL}").get_json()["items"][0]
    booking = _made(frontdesk.post("/api/v1/appointments", json={
        "slot_id": slot["id"], "item_code": ITEM, "channel": "phone",
        "applicant": {"name": "李四", "id_type": "uscc", "id_number": COMPANY_ID, "phone": "13800000000"}}))
    policy = _made(admin.post("/api/v1/policies", json={
        "title": "关于优化食品经营许可办理的通知", "issuing_body": "鄠邑区市场监督管理局", "made_on": "2026-11-27",
        "full_text": "全文", "item_codes": [ITEM]}))
    published = admin.get("/api/v1/public/policies").get_json()["items"][0]  # one of the demo's
    applicant = Applicant(app, codes).register()
    own = applicant.apply()
    # Signing out ends sessions (with everywhere=true, all of the account's): another applicant's.
    leaving = Applicant(app, codes, phone="13912340000", address="203.0.113.10")
    return {
        "staff": {"path.case_id": case["id"], "path.task_id": open_task(case, "back_office_review")["id"],
                  "path.material_id": material["id"], "path.document_id": document["id"],
                  "path.contact_id": contact["id"], "path.consultation_id": consultation["id"],
                  "path.complaint_id": complaint["id"], "path.slot_id": slot["id"],
                  "path.appointment_id": booking["id"], "path.policy_id": policy["id"],
                  "path.id_number": COMPANY_ID, "path.key": "standard_licence", "path.version": 1,
                  "path.form_key": "front_desk_acceptance", "path.number": 1, "path.day": "2026-12-08"},
        "catalog": {"path.code": ITEM},
        "halls": {"path.code": HALL},
        "public": {"path.policy_id": published["id"]},
        "applicant": {"path.case_id": own["id"], "path.material_id": own["materials"][0]["id"],
                      "path.item_code": ITEM, "path.appointment_id": booking["id"]},
        "tokens": {"admin": f"Bearer {admin.token()}", "frontdesk": f"Bearer {frontdesk.token()}",
                   "applicant": applicant.headers["Authorization"], "leaving": leaving.headers["Authorization"]},
    }


def _run(app, world: dict, who: str, token: str | None, skip: dict) -> dict:
    """Run schemathesis's engine (what `st run` runs) over the operations `skip` does not match;
    the totals and every failure, each with the request that shows it."""
    config = schemathesis.Config.from_dict({
        "seed": SEED,
        "suppress-health-check": ["all"],
        "headers": {"Authorization": token} if token else {},
        "workers": 1,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True},
                   "stateful": {"enabled": False}},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        "parameters": world["staff"],
        "operations": [
            {**skip, "enabled": False},
            {"include-path-regex": r"^/api/v1/catalog/", "parameters": world["catalog"]},
            {"include-path-regex": r"^/api/v1/halls/", "parameters": world["halls"]},
            {"include-path-regex": r"^/api/v1/public/", "parameters": world["public"]},
            {"include-name": "POST /api/v1/applicant/sign-out", "headers": {"Authorization": world["tokens"]["leaving"]}},
            {"include-path-regex": APPLICANT_API, "parameters": world["applicant"]},
        ],
    })
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    totals: Counter = Counter()
    statuses: Counter = Counter()  # (operation, status) -> responses
    operations: set[str] = set()
    failures: list[str] = []
    started = time.monotonic()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            operations.add(event.recorder.label)
            for interaction in event.recorder.interactions.values():
                status = interaction.response.status_code if interaction.response is not None else 0
                totals["requests"] += 1
                totals["5xx"] += status >= 500
                if interaction.request.method.upper() == event.recorder.label.split(" ")[0]:  # not a method probe
                    statuses[(event.recorder.label, status)] += 1
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        totals["violations"] += check.name != "not_a_server_error"
                        failures.append(f"{event.recorder.label}: {check.failure_info.failure.title}: "
                                        f"{check.failure_info.failure.message}\n{check.failure_info.code_sample}")
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            failures.append(f"{getattr(event, 'label', '')}: {getattr(event, 'info', event)}")
    answered = {label for (label, status), _ in statuses.items() if 200 <= status < 300}
    TOTALS[who] = {"operations": len(operations), "answered 2xx": len(answered), "requests": totals["requests"],
                   "5xx": totals["5xx"], "violations": totals["violations"], "seconds": time.monotonic() - started}
    return {"operations": operations, "answered": answered, "requests": totals["requests"], "failures": failures}


STAFF = {"include-path-regex": APPLICANT_API}  # operations skipped: the applicant's (staff tokens never work there)
APPLICANT = {"exclude-path-regex": APPLICANT_API}


def _public(app) -> dict:
    """Every operation but those the document says need no token."""
    paths = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    return {"exclude-name": [f"{method.upper()} {path}" for path, operations in paths.items()
                             for method, operation in operations.items()
                             if isinstance(operation, dict) and operation.get("security") == []]}


def _passes(result: dict, operations: int, answered: int) -> None:
    """No failure; every operation meant was run, and at least `answered` of them answered 2xx
    (the rows made first are found: the run is not only 404s and 422s)."""
    assert not result["failures"], f"{len(result['failures'])} failures:\n" + "\n\n".join(result["failures"][:20])
    assert len(result["operations"]) >= operations and result["requests"] > 10 * operations
    assert len(result["answered"]) >= answered, sorted(result["operations"] - result["answered"])


def test_as_an_administrator(pg, codes):
    world = _world(pg, codes)
    _passes(_run(pg, world, "an administrator", world["tokens"]["admin"], STAFF), 90, 50)


def test_as_a_front_desk_clerk(pg, codes):
    world = _world(pg, codes)
    _passes(_run(pg, world, "a front-desk clerk", world["tokens"]["frontdesk"], STAFF), 90, 30)


def test_as_an_online_applicant(pg, codes):
    world = _world(pg, codes)
    _passes(_run(pg, world, "an online applicant", world["tokens"]["applicant"], APPLICANT), 17, 5)


def test_public_operations_without_a_token(pg, codes):
    world = _world(pg, codes)
    _passes(_run(pg, world, "no one (public operations)", None, _public(pg)), 8, 4)


def summary() -> list[str]:
    """One line per identity and their sum (tests/contract/conftest.py prints them after the run)."""
    if not TOTALS:
        return []
    everyone = {key: sum(t[key] for t in TOTALS.values()) for key in next(iter(TOTALS.values()))}
    return [f"schemathesis as {who}: {t['operations']} operations ({t['answered 2xx']} answered 2xx), "
            f"{t['requests']} requests, 5xx = {t['5xx']}, schema violations = {t['violations']}, {t['seconds']:.0f} s"
            for who, t in [*TOTALS.items(), ("all", everyone)]]
