"""Task forms: the FEEL subset of form-js conditions, compiling form files, and validating
what a clerk submits."""
import json
from pathlib import Path

import pytest

from app.errors import ValidationFailed
from app.taskforms import feel
from app.taskforms.schema import compile_form, validate_submission

ROOT = Path(__file__).resolve().parents[2]


def shipped(name: str) -> dict:
    return json.loads((ROOT / "forms" / f"{name}.form").read_text(encoding="utf-8"))


def check(text: str, **data):
    return feel.evaluate(feel.compile_feel(text), data)


# --- FEEL -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, data, expected", [
    ('=outcome != "reject"', {"outcome": "accept"}, True),
    ('=outcome != "reject"', {"outcome": "reject"}, False),
    ('outcome = "correct"', {"outcome": "correct"}, True),  # the leading '=' is optional
    ('=not(outcome = "correct" or outcome = "tolerate")', {"outcome": "tolerate"}, False),
    ('=not(outcome = "correct" or outcome = "tolerate")', {"outcome": "accept"}, True),
    ("=a and b or c", {"a": True, "b": False, "c": True}, True),
    ("=a and (b or c)", {"a": False, "b": True, "c": True}, False),
    ("=a or b and c", {"a": True, "b": False, "c": False}, True),  # and binds tighter
    ("=amount >= 10", {"amount": 10}, True),
    ("=amount < 10.5", {"amount": 10.4}, True),
    ("=amount > -1", {"amount": 0}, True),
    ("=amount <= 3", {"amount": 4}, False),
    ("=flag = true", {"flag": True}, True),
    ("=flag = false", {"flag": True}, False),
    ("=missing = null", {}, True),
    ("=missing", {}, None),
    ("=true", {}, True),
    ('=name = "a\\"b"', {"name": 'a"b'}, True),
    ('=label = "受理"', {"label": "受理"}, True),
    ("=amount > 3", {"amount": "text"}, False),  # incomparable is false, not an error
    ("=amount > 3", {}, False),
    ("  =  x = 1  ", {"x": 1}, True),
])
def test_feel_evaluates(text, data, expected):
    assert check(text, **data) == expected


def test_feel_string_with_escape_and_chinese_keeps_the_characters():
    assert feel.compile_feel('=x = "甲\\"乙"') == ("cmp", "=", ("name", "x"), ("lit", '甲"乙'))
    assert check('=x = "甲\\"乙"', x='甲"乙') is True


@pytest.mark.parametrize("text", [
    "=a + b",                 # arithmetic
    "=x in [1, 2]",           # lists
    "=not x",                 # not without parentheses
    "=count(x) > 1",          # function calls
    "=if a then b else c",    # if-then-else
    "=a = b = c",             # chained comparison
    "=a =",                   # incomplete
    "=(a = 1",                # unbalanced
    "=a = 1)",
    "=",                      # empty
    "",
    "=a.b = 1",               # paths
    "=x = 'single'",          # single quotes are not FEEL strings
    "=x = \"unterminated",
    "=a b",
    "=a and",
    "=x = \"\\x\"",           # a broken escape
])
def test_feel_refuses_unsupported_syntax(text):
    with pytest.raises(feel.FeelError) as caught:
        feel.compile_feel(text)
    assert str(caught.value)


def test_feel_error_is_a_value_error():
    assert issubclass(feel.FeelError, ValueError)


def test_feel_keywords_are_not_names():
    assert feel.compile_feel("=true") == ("lit", True)
    assert feel.compile_feel("=null") == ("lit", None)
    assert feel.compile_feel("=x") == ("name", "x")
    with pytest.raises(feel.FeelError):
        feel.compile_feel("=and")


# --- compiling forms ---------------------------------------------------------------------------

def form(*components) -> dict:
    return {"type": "default", "components": list(components)}


def text(key="note", **extra) -> dict:
    return {"type": "textfield", "key": key, "label": extra.pop("label", key), **extra}


@pytest.mark.parametrize("name", ["front_desk_acceptance", "back_office_review", "window_delivery"])
def test_shipped_forms_compile(name):
    spec, problems = compile_form(shipped(name))
    assert problems == []
    assert spec.fields


def test_compiled_fields_carry_their_rules():
    spec, problems = compile_form(shipped("front_desk_acceptance"))
    assert problems == []
    assert list(spec.fields) == ["outcome", "missing_materials", "reason", "refer_to"]  # display text is skipped
    outcome, missing, reason, refer_to = spec.fields.values()
    assert outcome.type == "radio" and outcome.required and outcome.values_key == "acceptance_outcomes"
    assert missing.hide is not None and missing.values_key == "item_materials"
    assert reason.required_if is not None and reason.max_length == 2000 and not reason.required
    assert refer_to.hide is not None and refer_to.max_length == 200
    assert spec.values_keys() == {"acceptance_outcomes", "item_materials"}


def test_groups_are_flattened():
    spec, problems = compile_form(form({"type": "group", "components": [text("a"), {"type": "number", "key": "n"}]},
                                       text("b")))
    assert problems == [] and list(spec.fields) == ["a", "n", "b"]


@pytest.mark.parametrize("bad", [None, [], "form", {"components": "none"}, {"type": "default"}])
def test_not_a_form(bad):
    _, problems = compile_form(bad)
    assert problems and "components" in problems[0]


@pytest.mark.parametrize("component, fragment", [
    ({"type": "signature", "key": "s"}, "signature"),
    (text("1bad"), "1bad"),
    (text("has space"), "has space"),
    ({"type": "textfield", "label": "no key"}, "key"),
    ({"type": "select", "key": "s", "label": "S"}, "values"),
    ({"type": "checklist", "key": "c", "label": "C"}, "values"),
    (text("a", conditional={"hide": "=a + 1"}), "a + 1"),
    (text("a", properties={"required_if": "=if x then y"}), "if x then y"),
    (text("a", validate={"pattern": "[unclosed"}), "正则"),
    ("not an object", "不是对象"),
])
def test_form_problems_are_reported(component, fragment):
    _, problems = compile_form(form(component))
    assert len(problems) == 1, problems
    assert fragment in problems[0]


def test_duplicate_keys_are_reported():
    _, problems = compile_form(form(text("a"), text("a")))
    assert len(problems) == 1 and "重复" in problems[0]


@pytest.mark.parametrize("component", [
    text("a", validate="required"),                        # validate must be an object
    text("a", conditional="=x = 1"),                       # conditional must be an object
    text("a", properties=["required_if"]),                 # properties must be an object
    text("a", validate={"pattern": 5}),                    # a pattern must be a string
    {"type": ["textfield"], "key": "a"},                   # a type must be a string
    text("a", properties={"required_if": '=x = "\\x"'}),  # a broken escape in a FEEL string
])
def test_malformed_components_are_problems_not_exceptions(component):
    # compile_form checks uploaded files: it must return problems for anything, never raise.
    _, problems = compile_form(form(component))
    assert problems


# --- validating submissions --------------------------------------------------------------------

def validate(form_json, submitted, context=None):
    spec, problems = compile_form(form_json)
    assert problems == []
    return validate_submission(spec, submitted, context or {})


def errors_of(form_json, submitted, context=None) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        validate(form_json, submitted, context)
    assert caught.value.message
    return caught.value.errors


ACCEPTANCE_CONTEXT = {
    "acceptance_outcomes": [{"label": "受理", "value": "accept"}, {"label": "补齐补正", "value": "correct"},
                            {"label": "容缺受理", "value": "tolerate"}, {"label": "不予受理", "value": "reject"}],
    "item_materials": [{"label": "申请书", "value": "SQS"}, {"label": "营业执照", "value": "YYZZ"},
                       {"label": "平面图", "value": "PMT"}],
}


def test_a_good_submission_is_cleaned_to_every_field():
    cleaned = validate(shipped("front_desk_acceptance"), {"outcome": "accept"}, ACCEPTANCE_CONTEXT)
    assert cleaned == {"outcome": "accept", "missing_materials": [], "reason": None, "refer_to": None}


def test_unknown_field_is_refused_by_name():
    errors = errors_of(shipped("window_delivery"), {"delivery_method": "window_pickup", "pickup_code": "123456",
                                                    "surprise": 1})
    assert list(errors) == ["surprise"]


def test_display_components_are_not_fields():
    errors = errors_of(shipped("front_desk_acceptance"), {"outcome": "accept", "intro": "x"}, ACCEPTANCE_CONTEXT)
    assert list(errors) == ["intro"]


def test_submission_must_be_an_object():
    spec, _ = compile_form(shipped("window_delivery"))
    for bad in (None, [], "x", 1):
        with pytest.raises(ValidationFailed) as caught:
            validate_submission(spec, bad, {})
        assert "data" in caught.value.errors


@pytest.mark.parametrize("component, value", [
    (text("a"), 5),
    (text("a"), ["x"]),
    ({"type": "textarea", "key": "a"}, {"x": 1}),
    ({"type": "number", "key": "a"}, "5"),
    ({"type": "number", "key": "a"}, True),
    ({"type": "checkbox", "key": "a"}, "yes"),
    ({"type": "checkbox", "key": "a"}, 1),
    ({"type": "radio", "key": "a", "values": [{"label": "X", "value": "x"}]}, 1),
    ({"type": "checklist", "key": "a", "values": [{"label": "X", "value": "x"}]}, "x"),
    ({"type": "checklist", "key": "a", "values": [{"label": "X", "value": "x"}]}, [1]),
    ({"type": "datetime", "key": "a"}, 20261130),
])
def test_wrong_type_is_refused(component, value):
    assert list(errors_of(form(component), {"a": value})) == ["a"]


def test_numbers_within_bounds():
    number = {"type": "number", "key": "n", "validate": {"min": 1, "max": 10}}
    assert validate(form(number), {"n": 1}) == {"n": 1}
    assert validate(form(number), {"n": 9.5}) == {"n": 9.5}
    assert list(errors_of(form(number), {"n": 0})) == ["n"]
    assert list(errors_of(form(number), {"n": 11})) == ["n"]


def test_lengths_are_checked_after_trimming():
    field = text("t", validate={"minLength": 2, "maxLength": 4})
    assert validate(form(field), {"t": "  ab  "}) == {"t": "ab"}
    assert list(errors_of(form(field), {"t": "a"})) == ["t"]
    assert list(errors_of(form(field), {"t": "abcde"})) == ["t"]


def test_required_fields():
    delivery = shipped("window_delivery")
    for missing in ({}, {"delivery_method": None}, {"delivery_method": ""}, {"delivery_method": "   "}):
        errors = errors_of(delivery, missing)
        assert list(errors) == ["delivery_method"]
        assert "必填" in errors["delivery_method"][0]


def test_required_checklist_needs_an_item():
    checklist = {"type": "checklist", "key": "c", "values": ["a", "b"], "validate": {"required": True}}
    assert list(errors_of(form(checklist), {"c": []})) == ["c"]
    assert validate(form(checklist), {"c": ["b"]}) == {"c": ["b"]}


def test_optional_empty_fields_get_empty_values():
    components = [text("t"), {"type": "number", "key": "n"}, {"type": "checkbox", "key": "b"},
                  {"type": "taglist", "key": "tags", "values": ["x"]}, {"type": "select", "key": "s", "values": ["x"]}]
    assert validate(form(*components), {}) == {"t": None, "n": None, "b": False, "tags": [], "s": None}
    assert validate(form(*components), {"b": False})["b"] is False
    assert validate(form(*components), {"b": True})["b"] is True


# What the pickup window's form cleans an unfilled optional part to (carrier only for mail, the
# collector only for window pickup, the reason only when the method changes).
DELIVERY_REST = {"carrier": None, "mail_to": None, "collector_is_proxy": False, "collector_name": None,
                 "collector_id_number": None, "authorisation_checked": False, "delivery_change_reason": None}


def test_static_values_are_the_options():
    delivery = shipped("window_delivery")
    assert validate(delivery, {"delivery_method": "e_delivery"}) == {"delivery_method": "e_delivery", "pickup_code": None,
                                                                    "tracking_no": None, **DELIVERY_REST}
    errors = errors_of(delivery, {"delivery_method": "drone"})
    assert list(errors) == ["delivery_method"]
    assert "drone" in errors["delivery_method"][0]


def test_plain_string_values_are_options_too():
    select = {"type": "select", "key": "s", "values": ["a", "b"]}
    assert validate(form(select), {"s": "a"}) == {"s": "a"}
    assert list(errors_of(form(select), {"s": "c"})) == ["s"]


def test_values_key_options_come_from_the_task_data():
    acceptance = shipped("front_desk_acceptance")
    no_correction = {**ACCEPTANCE_CONTEXT, "acceptance_outcomes": [
        o for o in ACCEPTANCE_CONTEXT["acceptance_outcomes"] if o["value"] != "correct"]}
    assert validate(acceptance, {"outcome": "correct", "missing_materials": ["PMT"]}, ACCEPTANCE_CONTEXT)["outcome"] == "correct"
    errors = errors_of(acceptance, {"outcome": "correct", "missing_materials": ["PMT"]}, no_correction)
    assert list(errors) == ["outcome"]
    errors = errors_of(acceptance, {"outcome": "tolerate", "missing_materials": ["PMT", "NOPE"]}, ACCEPTANCE_CONTEXT)
    assert list(errors) == ["missing_materials"] and "NOPE" in errors["missing_materials"][0]


def test_values_key_options_cannot_be_supplied_by_the_submission():
    # the options come from the task's data; a submission naming the options key is unknown
    acceptance = shipped("front_desk_acceptance")
    errors = errors_of(acceptance, {"outcome": "approve_all",
                                    "acceptance_outcomes": [{"label": "x", "value": "approve_all"}]},
                       ACCEPTANCE_CONTEXT)
    assert set(errors) == {"outcome", "acceptance_outcomes"}


def test_hidden_field_with_a_value_is_refused():
    delivery = shipped("window_delivery")
    errors = errors_of(delivery, {"delivery_method": "window_pickup", "pickup_code": "123456",
                                  "tracking_no": "SF1234567890"})
    assert list(errors) == ["tracking_no"]
    assert "不应填写" in errors["tracking_no"][0]


def test_hidden_field_left_empty_is_dropped_to_an_empty_value():
    delivery = shipped("window_delivery")
    for empty in ({}, {"tracking_no": ""}, {"tracking_no": None}, {"tracking_no": "  "}):
        cleaned = validate(delivery, {"delivery_method": "window_pickup", "pickup_code": "123456", **empty})
        assert cleaned == {"delivery_method": "window_pickup", "pickup_code": "123456", "tracking_no": None,
                           **DELIVERY_REST}
    acceptance = shipped("front_desk_acceptance")
    cleaned = validate(acceptance, {"outcome": "accept", "missing_materials": []}, ACCEPTANCE_CONTEXT)
    assert cleaned["missing_materials"] == []


def test_hidden_required_field_is_not_required():
    # tracking_no is required, but only where it is shown (mail)
    delivery = shipped("window_delivery")
    assert validate(delivery, {"delivery_method": "e_delivery"})["tracking_no"] is None
    errors = errors_of(delivery, {"delivery_method": "mail"})
    assert sorted(errors) == ["carrier", "tracking_no"]
    proxy = errors_of(delivery, {"delivery_method": "window_pickup", "pickup_code": "123456", "collector_is_proxy": True})
    assert sorted(proxy) == ["collector_id_number", "collector_name"]  # shown and required once 代领 is ticked


def test_hide_condition_sees_the_task_data_too():
    field = text("extra", conditional={"hide": "=stage != \"review\""})
    assert list(errors_of(form(field), {"extra": "x"}, {"stage": "intake"})) == ["extra"]
    assert validate(form(field), {"extra": "x"}, {"stage": "review"}) == {"extra": "x"}


def test_required_if():
    acceptance = shipped("front_desk_acceptance")
    errors = errors_of(acceptance, {"outcome": "reject"}, ACCEPTANCE_CONTEXT)
    assert list(errors) == ["reason"]
    assert "必填" in errors["reason"][0]
    cleaned = validate(acceptance, {"outcome": "reject", "reason": "  不属于本机关职权范围 "}, ACCEPTANCE_CONTEXT)
    assert cleaned["reason"] == "不属于本机关职权范围"
    assert validate(acceptance, {"outcome": "accept"}, ACCEPTANCE_CONTEXT)["reason"] is None


def test_pattern_must_match_the_whole_value():
    delivery = shipped("window_delivery")
    mailed = {"delivery_method": "mail", "carrier": "sf"}
    assert validate(delivery, {**mailed, "tracking_no": "SF1234567890"})["tracking_no"] == "SF1234567890"
    for bad in ("SF12", "SF 1234567890", "SF1234567890!", "运单SF1234567890"):
        errors = errors_of(delivery, {**mailed, "tracking_no": bad})
        assert list(errors) == ["tracking_no"], bad
    field = text("code", validate={"pattern": "[A-Z]{3}"})
    assert list(errors_of(form(field), {"code": "ABCD"})) == ["code"]  # fullmatch, not search


def test_checklist_duplicates_are_refused():
    acceptance = shipped("front_desk_acceptance")
    errors = errors_of(acceptance, {"outcome": "correct", "missing_materials": ["PMT", "PMT"]}, ACCEPTANCE_CONTEXT)
    assert list(errors) == ["missing_materials"]
    assert "重复" in errors["missing_materials"][0]


def test_every_bad_field_is_reported_at_once():
    acceptance = shipped("front_desk_acceptance")
    errors = errors_of(acceptance, {"outcome": "reject", "missing_materials": ["PMT"], "bogus": 1}, ACCEPTANCE_CONTEXT)
    assert set(errors) == {"reason", "missing_materials", "bogus"}
    for messages in errors.values():
        assert messages and all(isinstance(m, str) and m for m in messages)
