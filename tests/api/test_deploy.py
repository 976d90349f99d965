"""Deploying process versions through POST /api/v1/processes: every check rule, versioning,
forms uploaded with a deployment, size limits, XML safety, and reading versions back.

Test files are the shipped standard flow changed in one place (string or lxml edits below)
and the small files in tests/data/.
"""
import io
import json
import os
import re
from pathlib import Path

import pytest
from lxml import etree

from tests.flows import complete, start

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
STANDARD = (ROOT / "processes" / "standard_licence.bpmn").read_bytes()
SHIPPED_FORMS = {p.stem: p.read_bytes() for p in (ROOT / "forms").glob("*.form")}
CUSTOM = (DATA / "custom_form.bpmn").read_bytes()
MY_FORM = (DATA / "my_form.form").read_bytes()

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
KNOWN_RULES = {
    "xml_syntax", "xml_doctype", "file_size", "bpmn_root", "bpmn_schema", "executable_process",
    "single_executable_process", "lane_role", "user_task_lane", "form_key", "form_missing",
    "form_schema", "form_json", "form_file", "due_date_expression", "unsupported_element",
    "condition_expression", "timer_expression", "script", "script_import", "script_dunder",
    "script_format", "bpmn_semantics", "bpmn_unsupported", "applicant_contact_kind",
    "unknown_message", "unknown_case_status", "unknown_document_kind", "issue_document_element", "timer_cycle",
}
ANY = object()


# --- helpers ----------------------------------------------------------------------------------

def deploy(api, bpmn: bytes, forms=(), filename: str = "process.bpmn", **kw):
    """POST a BPMN file (and (filename, bytes) forms) as multipart; never a 500."""
    data = {"file": (io.BytesIO(bpmn), filename)}
    if forms:
        data["forms"] = [(io.BytesIO(content), name) for name, content in forms]
    response = api.post("/api/v1/processes", data=data, content_type="multipart/form-data", **kw)
    assert response.status_code != 500, response.get_data(as_text=True)
    return response

NAME = "标准许可事项办理流程"  # the process's own name, shown to people


def listing(api) -> list:
    response = api.get("/api/v1/processes")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def replace(source: bytes, old: str, new: str, count: int = 1) -> bytes:
    """Replace `count` occurrences of `old` (which must be there) in a UTF-8 document."""
    old_b, new_b = old.encode("utf-8"), new.encode("utf-8")
    assert source.count(old_b) >= count, f"{old!r} not found {count} time(s)"
    return source.replace(old_b, new_b, count)


def edit(source: bytes, change) -> bytes:
    """Apply `change(root)` to a parsed copy and serialise it back with its declaration."""
    root = etree.fromstring(source)
    change(root)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def by_id(root, element_id):
    found = root.xpath("//*[@id=$id]", id=element_id)
    assert len(found) == 1, element_id
    return found[0]


def retag(element_id: str, tag: str):
    """Turn a script task into another task type (drop what only script tasks may carry)."""
    def change(root):
        el = by_id(root, element_id)
        el.tag = f"{{{BPMN_NS}}}{tag}"
        el.attrib.pop("scriptFormat", None)
        for script in el.findall(f"{{{BPMN_NS}}}script"):
            el.remove(script)
    return change


def set_script(element_id: str, text: str):
    def change(root):
        by_id(root, element_id).find(f"{{{BPMN_NS}}}script").text = text
    return change


def chinese(text) -> bool:
    return isinstance(text, str) and bool(text.strip()) and bool(CHINESE.search(text))


def assert_rejected(response, rule, element_id=ANY) -> list[dict]:
    """A 422 in the documented shape, listing a problem of `rule` (a name or a tuple of
    acceptable names) on `element_id`."""
    rules = (rule,) if isinstance(rule, str) else tuple(rule)
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == 422
    assert body["status"] == "Unprocessable Entity"
    assert chinese(body["message"]), body["message"]
    problems = body["problems"]
    assert problems, body
    for problem in problems:
        assert set(problem) == {"element_id", "rule", "message"}, problem
        assert problem["rule"] in KNOWN_RULES, problem
        assert chinese(problem["message"]), problem
        assert problem["element_id"] is None or isinstance(problem["element_id"], str)
    assert body["errors"]["file"] == [p["message"] for p in problems]
    matching = [p for p in problems if p["rule"] in rules]
    assert matching, f"no {rules} problem in {problems}"
    if element_id is not ANY:
        assert element_id in [p["element_id"] for p in matching], matching
    return matching


@pytest.fixture
def designer(as_user):
    return as_user("designer")


@pytest.fixture
def config_override(app, reconfigure):
    """Set app.config values for one test; the old values come back afterwards."""
    return lambda **values: reconfigure(app, **values)


# --- every rule ------------------------------------------------------------------------------

def _second_process(root):
    process = etree.SubElement(root, f"{{{BPMN_NS}}}process", id="second_process", isExecutable="true")
    etree.SubElement(process, f"{{{BPMN_NS}}}startEvent", id="second_start")


def _drop_lane_ref(root):
    for ref in root.iter(f"{{{BPMN_NS}}}flowNodeRef"):
        if ref.text == "window_delivery":
            ref.getparent().remove(ref)


def _drop_form_key(root):
    del by_id(root, "window_delivery").attrib[f"{{{CAMUNDA_NS}}}formKey"]


def _empty_timer(root):
    definition = by_id(root, "correction_deadline_def")
    for child in list(definition):
        definition.remove(child)


def _unparseable_bounds(root):
    # "1e" is an xs:double to libxml2's XSD validator but not to Python's float(), which
    # SpiffWorkflow uses for diagram positions: the parser fails with a ValueError.
    bounds = root.find(".//{http://www.omg.org/spec/DD/20100524/DC}Bounds")
    bounds.set("x", "1e")


RULE_CASES = [
    # (test id, bpmn bytes, uploaded forms, rule, element id)
    ("xml_syntax_truncated", STANDARD[: len(STANDARD) // 2], (), "xml_syntax", None),
    ("xml_syntax_empty", b"", (), "xml_syntax", None),
    ("xml_syntax_not_xml", "这不是 XML 文件".encode(), (), "xml_syntax", None),
    ("xml_syntax_unknown_encoding", b'<?xml version="1.0" encoding="X-NOPE"?><a/>', (), "xml_syntax", None),
    ("xml_doctype_plain", replace(STANDARD, "?>\n", "?>\n<!DOCTYPE bpmn:definitions>\n"), (), "xml_doctype", None),
    ("bpmn_root", b'<?xml version="1.0"?>\n<process xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
                  b'id="just_a_process" isExecutable="true"/>', (), "bpmn_root", "just_a_process"),
    ("bpmn_schema", replace(STANDARD, '<bpmn:userTask id="window_delivery"',
                            '<bpmn:userTask id="window_delivery" startQuantity="many"'),
     (), "bpmn_schema", "window_delivery"),
    ("executable_process", replace(STANDARD, 'isExecutable="true"', 'isExecutable="false"'),
     (), "executable_process", "standard_licence"),
    ("single_executable_process", edit(STANDARD, _second_process), (), "single_executable_process",
     "second_process"),
    ("lane_role", replace(STANDARD, 'name="pickup_window"', 'name="出件窗口"'), (), "lane_role",
     "lane_pickup_window"),
    ("user_task_lane", edit(STANDARD, _drop_lane_ref), (), "user_task_lane", "window_delivery"),
    ("form_key", edit(STANDARD, _drop_form_key), (), "form_key", "window_delivery"),
    ("form_missing", replace(STANDARD, 'camunda:formKey="window_delivery"', 'camunda:formKey="no_such_form"'),
     (), "form_missing", "window_delivery"),
    ("due_date_expression", replace(STANDARD, 'camunda:dueDate="workdays(1)"', 'camunda:dueDate="workdays("'),
     (), "due_date_expression", "front_desk_acceptance"),
    ("due_date_expression_dunder", replace(STANDARD, 'camunda:dueDate="workdays(promised_limit_days)"',
                                           'camunda:dueDate="__import__(\'os\').getcwd()"'),
     (), "due_date_expression", "back_office_review"),
    ("applicant_contact_kind_unknown", replace(STANDARD, 'name="applicantContact" value="window_delivery"',
                                               'name="applicantContact" value="counter"'),
     (), "applicant_contact_kind", "window_delivery"),
    ("applicant_contact_kind_twice", replace(STANDARD, '<camunda:property name="applicantContact" value="acceptance" />',
                                             '<camunda:property name="applicantContact" value="acceptance" />'
                                             '<camunda:property name="applicantContact" value="exam" />'),
     (), "applicant_contact_kind", "front_desk_acceptance"),
    ("unsupported_service_task", edit(STANDARD, retag("record_decision", "serviceTask")), (),
     "unsupported_element", "record_decision"),
    ("unsupported_business_rule_task", edit(STANDARD, retag("record_decision", "businessRuleTask")), (),
     "unsupported_element", "record_decision"),
    ("unsupported_conditional_event", replace(
        STANDARD, '<bpmn:timerEventDefinition id="correction_deadline_def"><bpmn:timeDate xsi:type="bpmn:tFormalExpression">'
                  'workdays(correction_limit_days)</bpmn:timeDate></bpmn:timerEventDefinition>',
        '<bpmn:conditionalEventDefinition id="correction_deadline_def"><bpmn:condition xsi:type="bpmn:tFormalExpression">'
        'correction_round &gt; 3</bpmn:condition></bpmn:conditionalEventDefinition>'), (),
     "unsupported_element", "correction_deadline"),
    ("unsupported_compensation", replace(
        STANDARD, '<bpmn:timerEventDefinition id="correction_deadline_def"><bpmn:timeDate xsi:type="bpmn:tFormalExpression">'
                  'workdays(correction_limit_days)</bpmn:timeDate></bpmn:timerEventDefinition>',
        '<bpmn:compensateEventDefinition id="correction_deadline_def" />'), (),
     "unsupported_element", "correction_deadline"),
    ("condition_syntax", replace(STANDARD, 'decision == "deny"</bpmn', 'decision ==</bpmn'), (),
     "condition_expression", "decision_deny"),
    ("condition_dunder", replace(STANDARD, 'decision == "approve"</bpmn',
                                 'decision == "approve" and ().__class__</bpmn'),
     (), "condition_expression", "decision_approve"),
    ("condition_empty", replace(STANDARD, 'not tolerated</bpmn', '</bpmn'), (), "condition_expression",
     "not_tolerated"),
    ("condition_juel", replace(STANDARD, 'decision == "deny"</bpmn', '${decision == "deny"}</bpmn'), (),
     "condition_expression", "decision_deny"),
    ("timer_cycle", replace(STANDARD, '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">workdays(1)</bpmn:timeDate>',
                            '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">"R2/PT20S"</bpmn:timeCycle>'),
     (), "timer_cycle", "acceptance_overdue"),
    ("timer_syntax", replace(STANDARD, "workdays(tolerance_limit_days)", "workdays(tolerance_limit_days"),
     (), "timer_expression", "tolerance_deadline"),
    ("timer_unquoted_duration", replace(STANDARD, "workdays(correction_limit_days)", "PT5M"), (),
     "timer_expression", "correction_deadline"),
    ("timer_unquoted_date", replace(STANDARD, "workdays(correction_limit_days)", "2026-12-24"), (),
     "timer_expression", "correction_deadline"),
    ("script_syntax", edit(STANDARD, set_script("record_decision", 'case_status = = "awaiting_delivery"\n')), (),
     "script", "record_decision"),
    ("script_empty", edit(STANDARD, set_script("record_decision", "")), (), "script", "record_decision"),
    ("script_import", edit(STANDARD, set_script("close_completed", 'import os\ncase_status = "completed"\n')), (),
     "script_import", "close_completed"),
    ("script_import_from", edit(STANDARD, set_script("close_completed", "from subprocess import run\n")), (),
     "script_import", "close_completed"),
    ("script_dunder_attribute", edit(STANDARD, set_script("close_denied", "bases = ().__class__.__mro__\n")), (),
     "script_dunder", "close_denied"),
    ("script_dunder_name", edit(STANDARD, set_script("close_denied", 'os = __import__("os")\n')), (),
     "script_dunder", "close_denied"),
    ("script_format", replace(STANDARD, '<bpmn:scriptTask id="expire_correction" name="逾期未补正" scriptFormat="python"',
                              '<bpmn:scriptTask id="expire_correction" name="逾期未补正" scriptFormat="javascript"'),
     (), "script_format", "expire_correction"),
    ("bpmn_semantics_timer", edit(STANDARD, _empty_timer), (), "bpmn_semantics", "correction_deadline"),
    ("bpmn_semantics_subprocess", edit(CUSTOM, retag("prepare", "subProcess")), (("my_form.form", MY_FORM),),
     "bpmn_semantics", "prepare"),  # an embedded sub-process without a start event
    ("bpmn_unsupported", edit(STANDARD, _unparseable_bounds), (), "bpmn_unsupported", "standard_licence"),
    ("form_schema", CUSTOM, (("my_form.form", (DATA / "bad_feel.form").read_bytes()),), "form_schema",
     "fill_my_form"),
    ("form_json", CUSTOM, (("my_form.form", (DATA / "not_json.form").read_bytes()),), "form_json", "my_form"),
    ("form_json_not_utf8", CUSTOM, (("my_form.form", MY_FORM.decode("utf-8").encode("utf-16")),), "form_json",
     "my_form"),
    ("form_file_extension", CUSTOM, (("my_form.form", MY_FORM), ("my_form.json", MY_FORM)), "form_file",
     "my_form.json"),
    ("form_file_name", CUSTOM, (("my_form.form", MY_FORM), ("my form.form", MY_FORM)), "form_file",
     "my form.form"),
]


@pytest.mark.parametrize("bpmn, forms, rule, element_id",
                         [case[1:] for case in RULE_CASES], ids=[case[0] for case in RULE_CASES])
def test_each_rule_is_reported_and_nothing_is_stored(designer, bpmn, forms, rule, element_id):
    before = listing(designer)
    response = deploy(designer, bpmn, forms)
    assert_rejected(response, rule, element_id)
    assert listing(designer) == before


def test_bpmn_schema_problem_names_the_element_and_line_of_the_error(designer):
    # custom_form.bpmn has one element per line; the user task is on line 21
    lines = CUSTOM.decode("utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if 'id="fill_my_form"' in text)
    bad = replace(CUSTOM, '<bpmn:userTask id="fill_my_form"', '<bpmn:userTask id="fill_my_form" completionQuantity="x"')
    [problem] = assert_rejected(deploy(designer, bad, [("my_form.form", MY_FORM)]), "bpmn_schema")
    assert problem["element_id"] == "fill_my_form"
    assert f"第 {line} 行" in problem["message"]


def test_unquoted_timer_literal_comes_with_a_hint_to_quote_it(designer):
    bad = replace(STANDARD, "workdays(correction_limit_days)", "PT5M")
    [problem] = assert_rejected(deploy(designer, bad), "timer_expression", "correction_deadline")
    assert '"PT5M"' in problem["message"]
    assert "引号" in problem["message"]


def test_unquoted_due_date_literal_is_refused_like_a_timer(designer):
    # `P5D` is a valid Python name, so it compiles, but it can never evaluate to a due date:
    # the task would silently get no deadline. Timers refuse this with a hint; due dates must too.
    bad = replace(STANDARD, 'camunda:dueDate="workdays(1)"', 'camunda:dueDate="P5D"')
    assert_rejected(deploy(designer, bad), "due_date_expression", "front_desk_acceptance")


def test_all_problems_are_reported_at_once(designer):
    bad = replace(STANDARD, 'name="pickup_window"', 'name="窗口"')
    bad = replace(bad, 'decision == "deny"</bpmn', 'decision ==</bpmn')
    bad = replace(bad, 'camunda:formKey="back_office_review"', "")
    bad = edit(bad, set_script("close_completed", "import os\n"))
    bad = edit(bad, set_script("close_denied", "x = ().__class__\n"))
    response = deploy(designer, bad)
    found = {(p["rule"], p["element_id"]) for p in response.get_json()["problems"]}
    assert {("lane_role", "lane_pickup_window"), ("condition_expression", "decision_deny"),
            ("form_key", "back_office_review"), ("script_import", "close_completed"),
            ("script_dunder", "close_denied")} <= found
    assert_rejected(response, "lane_role")


# Python accepts these in ast.parse() but not in compile(): the checks must report them, not crash.
@pytest.mark.parametrize("where, change, rule, element_id", [
    ("script_return", lambda s: edit(s, set_script("close_completed", "return 1\n")), "script", "close_completed"),
    ("script_break", lambda s: edit(s, set_script("close_completed", "break\n")), "script", "close_completed"),
    ("script_yield", lambda s: edit(s, set_script("close_completed", "x = yield\n")), "script", "close_completed"),
    ("condition_yield", lambda s: replace(s, 'decision == "approve"</bpmn', "(yield)</bpmn"),
     "condition_expression", "decision_approve"),
    ("due_date_yield", lambda s: replace(s, 'camunda:dueDate="workdays(1)"', 'camunda:dueDate="(yield)"'),
     "due_date_expression", "front_desk_acceptance"),
    ("timer_yield", lambda s: replace(s, "workdays(correction_limit_days)", "(yield)"),
     "timer_expression", "correction_deadline"),
])
def test_code_that_parses_but_does_not_compile_is_refused(designer, where, change, rule, element_id):
    assert_rejected(deploy(designer, change(STANDARD)), rule, element_id)


# --- XML safety --------------------------------------------------------------------------------

def _passwd_markers() -> list[bytes]:
    markers = [b"root:x:0:0", b"/bin/bash", b"/usr/sbin/nologin", b"daemon:"]
    try:
        first = Path("/etc/passwd").read_bytes().splitlines()[0]
        if first:
            markers.append(first)
    except (OSError, IndexError):
        pass
    return markers


@pytest.mark.parametrize("name", ["xxe_external_entity.bpmn", "xxe_parameter_entity.bpmn", "billion_laughs.bpmn"])
def test_entity_tricks_are_refused_without_being_expanded(designer, name):
    before = listing(designer)
    response = deploy(designer, (DATA / name).read_bytes(), [("my_form.form", MY_FORM)])
    assert_rejected(response, "xml_doctype", None)
    for marker in _passwd_markers():
        assert marker not in response.data
    assert b"lollollol" not in response.data
    assert listing(designer) == before
    # nothing of it was stored under the process id the file names either
    assert designer.get("/api/v1/processes/deploy_test").status_code == 404


def test_xxe_inside_the_standard_flow_is_refused(designer):
    doc = "前台综合受理：一个工作日内作出受理、补齐补正、容缺受理或不予受理的决定。"
    bad = replace(STANDARD, "?>\n", '?>\n<!DOCTYPE bpmn:definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n')
    bad = replace(bad, doc, "&xxe;")
    response = deploy(designer, bad)
    assert_rejected(response, "xml_doctype", None)
    for marker in _passwd_markers():
        assert marker not in response.data
    versions = designer.get("/api/v1/processes/standard_licence").get_json()["versions"]
    assert [v["version"] for v in versions] == [1]


# --- form keys stay inside the forms directory ----------------------------------------------

def test_form_key_cannot_reach_a_form_file_outside_the_forms_directory(app, designer):
    # tests/data/my_form.form is a valid form, but not one the platform ships or was given
    outside = os.path.relpath(DATA / "my_form", app.config["FORMS_DIR"])
    assert outside.startswith("..")
    bad = replace(STANDARD, 'camunda:formKey="window_delivery"', f'camunda:formKey="{outside}"')
    before = listing(designer)
    response = deploy(designer, bad)
    assert_rejected(response, ("form_key", "form_missing"), "window_delivery")
    assert listing(designer) == before


def test_form_key_naming_an_absolute_path_is_refused_not_a_server_error(designer):
    target = str(DATA / "not_json")  # tests/data/not_json.form exists and is not JSON
    bad = replace(STANDARD, 'camunda:formKey="window_delivery"', f'camunda:formKey="{target}"')
    assert_rejected(deploy(designer, bad), ("form_key", "form_missing"), "window_delivery")


# --- what only the whole file shows ------------------------------------------------------------

def test_called_process_is_checked_like_the_main_process(designer):
    # The helper process holds `import os` and a user task without lane or form. Whatever the
    # platform decides about call activities, such a file must not be deployed.
    before = listing(designer)
    response = deploy(designer, (DATA / "called_process.bpmn").read_bytes(), [("my_form.form", MY_FORM)])
    assert response.status_code == 422, response.get_json()
    problems = response.get_json()["problems"]
    assert {"helper_script", "helper_task", "call_helper", "helper"} & {p["element_id"] for p in problems}
    assert listing(designer) == before


def test_a_user_task_in_a_parent_lane_needs_a_role_name_too(designer):
    # fill_my_form sits in the parent lane "Company" (its child lane front_desk holds the
    # events): nobody works tasks of a "Company" lane.
    response = deploy(designer, (DATA / "nested_lanes.bpmn").read_bytes(), [("my_form.form", MY_FORM)])
    assert response.status_code == 422, response.get_json()
    problems = response.get_json()["problems"]
    assert any((p["rule"], p["element_id"]) in {("lane_role", "lane_company"), ("user_task_lane", "fill_my_form")}
               for p in problems), problems


def test_nested_lanes_with_the_task_in_a_role_lane_are_accepted(designer):
    good = replace((DATA / "nested_lanes.bpmn").read_bytes(),
                   "<bpmn:flowNodeRef>fill_my_form</bpmn:flowNodeRef>\n        <bpmn:childLaneSet",
                   "<bpmn:childLaneSet")
    good = replace(good, "<bpmn:flowNodeRef>finished</bpmn:flowNodeRef>",
                   "<bpmn:flowNodeRef>finished</bpmn:flowNodeRef><bpmn:flowNodeRef>fill_my_form</bpmn:flowNodeRef>")
    response = deploy(designer, good, [("my_form.form", MY_FORM)])
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["user_tasks"]["fill_my_form"]["role"] == "front_desk"


# --- who may deploy ---------------------------------------------------------------------------

def test_deploy_needs_a_token(as_user):
    anonymous = as_user()
    response = deploy(anonymous, CUSTOM, [("my_form.form", MY_FORM)])
    assert response.status_code == 401
    body = response.get_json()
    assert body["code"] == 401 and chinese(body["message"])
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    forged = deploy(anonymous, CUSTOM, [("my_form.form", MY_FORM)],
                    headers={"Authorization": "Bearer not-a-real-token"})
    assert forged.status_code == 401
    assert anonymous.get("/api/v1/processes").status_code == 401
    assert anonymous.get("/api/v1/processes/standard_licence/versions/1/xml").status_code == 401


@pytest.mark.parametrize("username", ["frontdesk", "backoffice", "pickup", "supervisor"])
def test_clerks_may_not_deploy(as_user, username):
    clerk = as_user(username)
    before = listing(clerk)  # but they may read the list
    response = deploy(clerk, CUSTOM, [("my_form.form", MY_FORM)])
    assert response.status_code == 403
    body = response.get_json()
    assert body["code"] == 403 and chinese(body["message"])
    assert listing(clerk) == before


def test_admin_may_deploy(as_user):
    response = deploy(as_user("admin"), CUSTOM, [("my_form.form", MY_FORM)])
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["deployed_by"] == "admin"


def test_missing_file_field_is_a_validation_error(designer):
    response = designer.post("/api/v1/processes", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "file" in response.get_json()["errors"]
    # the BPMN as a JSON string is not an upload
    response = designer.post("/api/v1/processes", json={"file": STANDARD.decode("utf-8")})
    assert response.status_code == 422
    body = response.get_json()
    assert "file" in body["errors"] and chinese(body["message"])


# --- versions -----------------------------------------------------------------------------------

def test_identical_content_returns_the_existing_version(designer):
    before = listing(designer)
    response = deploy(designer, STANDARD)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["key"], body["version"]) == ("standard_licence", 1)
    assert body["forms"] == ["back_office_review", "front_desk_acceptance", "supervisor_escalation", "window_delivery"]
    # uploading the shipped forms themselves is the same content too
    again = deploy(designer, STANDARD, [(f"{k}.form", v) for k, v in SHIPPED_FORMS.items()])
    assert again.status_code == 200
    assert again.get_json()["version"] == 1 and again.get_json()["sha256"] == body["sha256"]
    assert listing(designer) == before


def test_new_process_is_version_one_then_identical_upload_is_200(designer):
    first = deploy(designer, CUSTOM, [("my_form.form", MY_FORM)])
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["key"] == "deploy_test" and body["version"] == 1
    assert body["name"] == "部署测试流程"
    assert body["deployed_by"] == "designer"
    assert body["forms"] == ["my_form"]
    assert body["running_cases"] == 0
    assert body["user_tasks"]["fill_my_form"] == {
        "id": "fill_my_form", "name": "填写自定义表单", "role": "front_desk", "form_key": "my_form",
        "due_expression": "workdays(2)", "documentation": "部署测试：使用随部署上传的表单 my_form。",
        "applicant_contact": None}
    again = deploy(designer, CUSTOM, [("my_form.form", MY_FORM)])
    assert again.status_code == 200
    assert again.get_json()["version"] == 1
    assert again.get_json()["sha256"] == body["sha256"]
    # the same form re-formatted is the same form
    reformatted = json.dumps(json.loads(MY_FORM), indent=4, ensure_ascii=True).encode()
    assert deploy(designer, CUSTOM, [("my_form.form", reformatted)]).status_code == 200
    versions = designer.get("/api/v1/processes/deploy_test").get_json()["versions"]
    assert [v["version"] for v in versions] == [1]


def test_custom_form_is_stored_with_the_version(designer):
    assert deploy(designer, CUSTOM, [("my_form.form", MY_FORM)]).status_code == 201
    response = designer.get("/api/v1/processes/deploy_test/versions/1/forms/my_form")
    assert response.status_code == 200
    assert response.get_json() == json.loads(MY_FORM)
    missing = designer.get("/api/v1/processes/deploy_test/versions/1/forms/window_delivery")
    assert missing.status_code == 404
    assert chinese(missing.get_json()["message"])


def test_changed_form_makes_a_new_version(designer):
    form = json.loads(SHIPPED_FORMS["window_delivery"])
    form["components"][0]["label"] = "送达方式（新）"
    response = deploy(designer, STANDARD, [("window_delivery.form", json.dumps(form, ensure_ascii=False).encode())])
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["version"] == 2
    v2 = designer.get("/api/v1/processes/standard_licence/versions/2/forms/window_delivery").get_json()
    v1 = designer.get("/api/v1/processes/standard_licence/versions/1/forms/window_delivery").get_json()
    assert v2["components"][0]["label"] == "送达方式（新）"
    assert v1 == json.loads(SHIPPED_FORMS["window_delivery"])


def test_changed_content_is_version_two_and_running_cases_stay_on_version_one(as_user):
    frontdesk, backoffice, pickup, designer = (as_user("frontdesk"), as_user("backoffice"),
                                               as_user("pickup"), as_user("designer"))
    case = start(frontdesk)
    assert case["process"] == {"key": "standard_licence", "version": 1, "name": NAME}

    old_doc = "综合窗口送达办理结果：窗口领取、网上送达或邮寄（须填写运单号）。"
    changed = replace(STANDARD, old_doc, "综合窗口送达办理结果（第二版说明）。")
    response = deploy(designer, changed)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["key"], body["version"]) == ("standard_licence", 2)
    assert body["user_tasks"]["window_delivery"]["documentation"] == "综合窗口送达办理结果（第二版说明）。"
    assert body["sha256"] != designer.get("/api/v1/processes/standard_licence/versions/1").get_json()["sha256"]

    process = designer.get("/api/v1/processes/standard_licence").get_json()
    assert process["latest_version"] == 2
    assert [(v["version"], v["running_cases"]) for v in process["versions"]] == [(1, 1), (2, 0)]
    assert designer.get("/api/v1/processes/standard_licence/versions/1").get_json()["running_cases"] == 1
    [entry] = [p for p in listing(designer) if p["key"] == "standard_licence"]
    assert entry == process

    # the running case goes on, and ends, on version 1
    case = complete(frontdesk, case, "front_desk_acceptance", {"outcome": "accept"})
    assert case["process"] == {"key": "standard_licence", "version": 1, "name": NAME}
    case = complete(backoffice, case, "back_office_review", {"decision": "approve"})
    case = complete(pickup, case, "window_delivery", {"delivery_method": "window_pickup"})
    assert case["status"] == "completed"
    assert case["process"] == {"key": "standard_licence", "version": 1, "name": NAME}
    fetched = frontdesk.get(f"/api/v1/cases/{case['id']}").get_json()
    assert fetched["process"] == {"key": "standard_licence", "version": 1, "name": NAME}

    # a new case starts on the latest version
    assert start(frontdesk)["process"] == {"key": "standard_licence", "version": 2, "name": NAME}
    versions = designer.get("/api/v1/processes/standard_licence").get_json()["versions"]
    assert [(v["version"], v["running_cases"]) for v in versions] == [(1, 0), (2, 1)]


def test_third_version_counts_on(designer):
    v2 = replace(STANDARD, 'name="标准许可事项办理流程"', 'name="标准许可事项办理流程（二）"')
    v3 = replace(STANDARD, 'name="标准许可事项办理流程"', 'name="标准许可事项办理流程（三）"')
    assert deploy(designer, v2).get_json()["version"] == 2
    third = deploy(designer, v3)
    assert third.status_code == 201 and third.get_json()["version"] == 3
    assert third.get_json()["name"] == "标准许可事项办理流程（三）"
    process = designer.get("/api/v1/processes/standard_licence").get_json()
    assert process["latest_version"] == 3 and process["name"] == "标准许可事项办理流程（三）"
    # re-uploading version 2's content answers with version 2
    again = deploy(designer, v2)
    assert again.status_code == 200 and again.get_json()["version"] == 2


# --- reading versions back -------------------------------------------------------------------

def test_xml_endpoint_returns_the_deployed_bytes(designer):
    v1 = designer.get("/api/v1/processes/standard_licence/versions/1/xml")
    assert v1.status_code == 200
    assert v1.mimetype == "application/xml"
    assert v1.data == STANDARD

    # bytes, not a re-serialisation: odd whitespace, a comment and CRLF line ends survive
    odd = replace(CUSTOM, "<bpmn:process ", "<!-- 注释 -->\n  <bpmn:process   ").replace(b"\n", b"\r\n")
    response = deploy(designer, odd, [("my_form.form", MY_FORM)])
    assert response.status_code == 201, response.get_json()
    xml = designer.get(f"/api/v1/processes/deploy_test/versions/{response.get_json()['version']}/xml")
    assert xml.status_code == 200
    assert xml.data == odd
    assert 'filename="deploy_test.v1.bpmn"' in xml.headers["Content-Disposition"]


def test_unknown_process_and_version_are_404(designer):
    for path in ("/api/v1/processes/no_such_process", "/api/v1/processes/standard_licence/versions/99",
                 "/api/v1/processes/standard_licence/versions/99/xml",
                 "/api/v1/processes/no_such_process/versions/1/xml",
                 "/api/v1/processes/standard_licence/versions/1/forms/no_such_form"):
        response = designer.get(path)
        assert response.status_code == 404, path
        body = response.get_json()
        assert body["code"] == 404 and chinese(body["message"]), body


def test_listing_shows_each_key_with_its_versions(as_user):
    frontdesk = as_user("frontdesk")
    start(frontdesk)
    [entry] = [p for p in listing(frontdesk) if p["key"] == "standard_licence"]
    assert entry["latest_version"] == 1 and entry["name"] == "标准许可事项办理流程"
    [version] = entry["versions"]
    assert version["running_cases"] == 1
    assert version["forms"] == ["back_office_review", "front_desk_acceptance", "supervisor_escalation", "window_delivery"]
    detail = frontdesk.get("/api/v1/processes/standard_licence/versions/1").get_json()
    assert detail["user_tasks"]["window_delivery"]["role"] == "pickup_window"
    assert detail["user_tasks"]["back_office_review"]["role"] == "back_office"  # via its sub-process


# --- sizes --------------------------------------------------------------------------------------

def test_bpmn_over_the_size_limit_is_413(designer, config_override):
    before = listing(designer)
    config_override(MAX_BPMN_BYTES=len(STANDARD) - 1)
    response = deploy(designer, STANDARD)
    assert response.status_code == 413
    body = response.get_json()
    assert body["code"] == 413
    assert chinese(body["message"])
    assert body["errors"]["file"] and chinese(body["errors"]["file"][0])
    assert listing(designer) == before


def test_bpmn_exactly_at_the_size_limit_is_accepted(designer, config_override):
    config_override(MAX_BPMN_BYTES=len(STANDARD))
    assert deploy(designer, STANDARD).status_code == 200


def test_default_limit_is_two_megabytes(app, designer):
    assert app.config["MAX_BPMN_BYTES"] == 2 * 1024 * 1024
    padding = "<!-- " + "x" * (2 * 1024 * 1024) + " -->\n"
    big = replace(STANDARD, "<bpmn:definitions ", padding + "<bpmn:definitions ")
    response = deploy(designer, big)
    assert response.status_code == 413


def test_request_over_the_content_length_limit_is_413(designer, config_override):
    config_override(MAX_CONTENT_LENGTH=len(STANDARD) // 2)
    response = deploy(designer, STANDARD)
    assert response.status_code == 413
    assert response.get_json()["code"] == 413


def test_form_over_the_size_limit_is_refused(designer, config_override):
    config_override(MAX_FORM_BYTES=len(MY_FORM) - 1)
    before = listing(designer)
    response = deploy(designer, CUSTOM, [("my_form.form", MY_FORM)])
    assert_rejected(response, "file_size", "my_form")
    assert listing(designer) == before


# --- forms that cannot be compiled never crash the deployment --------------------------------

@pytest.mark.parametrize("component_change", [
    {"validate": "required"},
    {"conditional": "=colour = \"red\""},
    {"properties": ["required_if"]},
    {"validate": {"pattern": 5}},
    {"type": ["textfield"]},
    {"properties": {"required_if": '=colour = "\\x"'}},  # a broken escape in a FEEL string
])
def test_malformed_form_is_a_form_schema_problem(designer, component_change):
    form = json.loads(MY_FORM)
    form["components"][2].update(component_change)
    response = deploy(designer, CUSTOM, [("my_form.form", json.dumps(form, ensure_ascii=False).encode())])
    assert_rejected(response, "form_schema", "fill_my_form")


def test_form_that_is_json_but_not_a_form_is_a_form_schema_problem(designer):
    for content in (b"[]", b'{"components": "none"}', b'"text"'):
        response = deploy(designer, CUSTOM, [("my_form.form", content)])
        assert_rejected(response, "form_schema", "fill_my_form")
