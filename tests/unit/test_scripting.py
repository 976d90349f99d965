"""The restricted Python that BPMN conditions, timers, due dates and scripts run in."""
from datetime import UTC, datetime, timedelta

import pytest

from app import clock
from app.engine import scripting
from app.engine.deadlines import workdays
from app.engine.scripting import RestrictedEnvironment, check_source


@pytest.fixture
def env():
    return RestrictedEnvironment()


def rules(source, mode="exec"):
    return [rule for rule, _ in check_source(source, mode)]


# --- static checks ------------------------------------------------------------------------------

@pytest.mark.parametrize("source, mode", [
    ('case_status = "submitted"\noutstanding_materials = []\n', "exec"),
    ("outcome in (\"accept\", \"tolerate\")", "eval"),
    ("not tolerated", "eval"),
    ("workdays(correction_limit_days)", "eval"),
    ('"2026-12-24T17:00:00+08:00"', "eval"),
    ("total = sum([x * 2 for x in range(3)])\nfor k, v in {'a': 1}.items():\n    total += v\n", "exec"),
])
def test_ordinary_code_has_no_problems(source, mode):
    assert check_source(source, mode) == []


@pytest.mark.parametrize("source", ["import os", "import os.path as p", "from os import path",
                                    "from . import x", "x = 1\nif x:\n    import subprocess\n"])
def test_imports_are_found(source):
    problems = check_source(source, "exec")
    assert problems and {rule for rule, _ in problems} == {"script_import"}
    assert all("import" in message for _, message in problems)


def test_each_import_is_reported_with_its_line():
    problems = check_source("import os\nx = 1\nimport sys\n", "exec")
    assert [rule for rule, _ in problems] == ["script_import", "script_import"]
    assert "第 1 行" in problems[0][1] and "第 3 行" in problems[1][1]


@pytest.mark.parametrize("source, name", [
    ("__import__('os')", "__import__"),
    ("_private", "_private"),
    ("().__class__", "__class__"),
    ("().__class__.__mro__", "__mro__"),
    ("x.__dict__", "__dict__"),
    ("workdays.__globals__", "__globals__"),
    ("[c for c in ().__class__.__base__.__subclasses__()]", "__subclasses__"),
    ("(lambda: 0).__code__", "__code__"),
    ("x._secret", "_secret"),
])
def test_underscore_names_and_attributes_are_found(source, name):
    problems = check_source(source, "eval")
    assert "script_dunder" in [rule for rule, _ in problems]
    assert any(name in message for _, message in problems), problems


def test_underscore_assignment_target_is_found():
    assert "script_dunder" in rules("__builtins__ = {}\n")
    assert "script_dunder" in rules("_ = 1\n")


@pytest.mark.parametrize("source, mode", [
    ("if x", "exec"), ("x = = 1", "exec"), ("decision ==", "eval"), ("x = 1", "eval"),
    ("workdays(", "eval"), ("def f(:\n    pass", "exec"), ("PT5M PT", "eval"),
])
def test_syntax_errors_are_found(source, mode):
    problems = check_source(source, mode)
    assert [rule for rule, _ in problems] == ["syntax"]
    assert "语法错误" in problems[0][1]


@pytest.mark.parametrize("source", ["", "   ", "\n\t\n", None])
def test_empty_code_is_a_problem(source):
    assert [rule for rule, _ in check_source(source, "eval")] == ["empty_expression"]


@pytest.mark.parametrize("source, mode", [
    ("exec('1')", "eval"), ("eval('1')", "eval"), ("async def f():\n    pass\n", "exec"),
    ("nonlocal x", "exec"), ("x: int = 1", "exec"),
])
def test_restricted_python_refusals_are_reported(source, mode):
    problems = check_source(source, mode)
    assert problems and all(rule == "restricted" for rule, _ in problems), problems


@pytest.mark.parametrize("source, mode", [
    ("return 1", "exec"), ("break", "exec"), ("continue", "exec"), ("x = yield", "exec"),
    ("(yield)", "eval"), ("yield from x", "exec"),
])
def test_code_that_parses_but_cannot_compile_is_a_problem_not_an_exception(source, mode):
    # ast.parse() accepts these; compile() does not. check_source promises "an empty list
    # means the code compiles" and is what deployment relies on to never crash.
    problems = check_source(source, mode)
    assert problems, source
    assert all(isinstance(rule, str) and message for rule, message in problems)


# --- what the environment refuses at run time ---------------------------------------------

@pytest.mark.parametrize("expression", [
    "__import__('os')",
    "().__class__.__mro__",
    "x.__class__",
    "workdays.__globals__",
])
def test_evaluate_refuses_underscore_access_before_running(env, expression):
    with pytest.raises(ValueError):
        env.evaluate(expression, {"x": 1})


@pytest.mark.parametrize("expression", [
    "open('/etc/passwd')",
    "getattr(x, '__class__')",
    "type(x)",
    "globals()",
    "vars(x)",
    "dir(x)",
    "compile('1', 'x', 'eval')",
    "breakpoint()",
    "input()",
    "setattr(x, 'a', 1)",
])
def test_evaluate_has_no_dangerous_builtins(env, expression):
    # NameError at run time, or ValueError where RestrictedPython already refuses the name
    with pytest.raises((NameError, ValueError)):
        env.evaluate(expression, {"x": 1})


def test_eval_and_exec_are_not_available(env):
    for code in ("eval('1')", "exec('x = 1')"):
        with pytest.raises((NameError, ValueError, SyntaxError)):
            env.evaluate(code, {})


@pytest.mark.parametrize("expression", [
    '"{0.__class__}".format(x)',
    '"{a.__class__.__mro__}".format_map({"a": x})',
    'str.format("{0.__class__.__mro__}", x)',
    'str.format("{0.__globals__}", workdays)',
])
def test_str_format_cannot_reach_underscore_attributes(env, expression):
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do; pytest.fail (no Exception) fails on a result
        result = env.evaluate(expression, {"x": 1})
        pytest.fail(f"{expression} gave {result!r}")


def test_builtins_are_a_short_safe_list():
    builtins = scripting.base_globals()["__builtins__"]
    for name in ("open", "eval", "exec", "compile", "__import__", "getattr", "setattr", "delattr",
                 "globals", "locals", "vars", "type", "input", "breakpoint", "memoryview", "object"):
        assert name not in builtins, name
    for name in ("len", "sorted", "min", "max", "sum", "any", "all", "dict", "list", "str", "int"):
        assert name in builtins, name


def test_scripts_cannot_write_attributes_of_objects(env):
    class Thing:
        pass

    thing = Thing()
    with pytest.raises(TypeError):
        env.execute("thing.flag = True\n", {"thing": thing})
    assert not hasattr(thing, "flag")
    with pytest.raises(TypeError):
        env.execute("workdays.flag = True\n", {})
    assert not hasattr(workdays, "flag")
    with pytest.raises(TypeError):
        env.execute("del thing.anything\n", {"thing": thing})


def test_scripts_cannot_write_attributes_of_modules_they_are_given(env):
    import types

    module = types.ModuleType("fake")
    with pytest.raises(TypeError):
        env.execute("mod.x = 1\n", {"mod": module})
    assert not hasattr(module, "x")


def test_scripts_cannot_import_at_run_time(env):
    with pytest.raises(ValueError):
        env.execute("import os\n", {})
    with pytest.raises(ValueError):
        env.execute("from os import system\n", {})


def test_task_data_may_not_shadow_helpers(env):
    with pytest.raises(ValueError):
        env.execute("x = 1\n", {"workdays": 5})
    with pytest.raises(ValueError):
        env.execute("x = 1\n", {"_getattr_": getattr})


# --- what scripts may do ---------------------------------------------------------------------

def test_scripts_mutate_task_data(env):
    data = {"items": [1, 2], "counts": {"a": 1}, "n": 1, "text": "a", "gone": "x"}
    env.execute(
        "items.append(3)\n"
        "counts['b'] = 2\n"
        "counts['a'] = counts['a'] + 10\n"
        "n += 2\n"
        "n *= 3\n"
        "text += 'b'\n"
        "items += [4]\n"
        "squares = [i * i for i in range(4)]\n"
        "evens = {i for i in range(6) if i % 2 == 0}\n"
        "pairs = {k: v for k, v in counts.items()}\n"
        "first, second = items[0], items[1]\n"
        "total = 0\n"
        "for key, value in sorted(counts.items()):\n"
        "    total += value\n"
        "del gone\n"
        "label = 'round ' + str(n) if n > 5 else 'small'\n",
        data)
    assert data["items"] == [1, 2, 3, 4]
    assert data["counts"] == {"a": 11, "b": 2}
    assert data["n"] == 9
    assert data["text"] == "ab"
    assert data["squares"] == [0, 1, 4, 9]
    assert data["evens"] == {0, 2, 4}
    assert data["pairs"] == {"a": 11, "b": 2}
    assert (data["first"], data["second"]) == (1, 2)
    assert data["total"] == 13
    assert "gone" not in data
    assert data["label"] == "round 9"


def test_augmented_assignment_to_an_item_is_refused_at_deployment_and_run_time(env):
    # RestrictedPython cannot guard `d[k] += 1`; the deployment check and the engine agree.
    assert rules("counts['a'] += 1\n") == ["restricted"]
    with pytest.raises(ValueError):
        env.execute("counts['a'] += 1\n", {"counts": {"a": 1}})


def test_scripts_do_not_leak_functions_helpers_or_private_names(env):
    data = {}
    env.execute("def double(x):\n    return x * 2\n"
                "result = double(21)\nf = lambda y: y\nhelper = workdays\n", data)
    assert data == {"result": 42}


def test_scripts_see_external_context_without_storing_it(env):
    data = {"a": 1}
    env.execute("b = a + limit\n", data, {"limit": 10})
    assert data == {"a": 1, "b": 11}


def test_script_errors_surface(env):
    with pytest.raises(ZeroDivisionError):
        env.execute("x = 1 / 0\n", {})
    with pytest.raises(NameError):
        env.execute("x = undefined_name\n", {})


def test_unsupported_augmented_operator_is_refused(env):
    with pytest.raises(SyntaxError):
        env.execute("x <<= 1\n", {"x": 1})


def test_conditions_evaluate_against_task_data(env):
    assert env.evaluate('outcome in ("accept", "tolerate")', {"outcome": "tolerate"}) is True
    assert env.evaluate('decision == "deny"', {"decision": "approve"}) is False
    assert env.evaluate("not tolerated", {"tolerated": False}) is True
    assert env.evaluate("len(materials) >= 2 and max(materials) == 'YYZZ'", {"materials": ["SQS", "YYZZ"]})
    assert env.evaluate("  1 + 1  ", {}) == 2  # surrounding whitespace from the XML is fine
    assert env.evaluate("[m for m in materials if m != 'SQS']", {"materials": ["SQS", "PMT"]}) == ["PMT"]


# --- workdays (weekends-only fallback outside a step) -------------------------------------

def _aware(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None
    return parsed


def test_workdays_is_the_end_of_the_nth_day_in_the_hall(env):
    value = env.evaluate("workdays(3)", {})
    due = _aware(value)
    assert due.utcoffset() == timedelta(hours=8)
    assert (due.hour, due.minute, due.second) == (23, 59, 59)
    assert due.date() == clock.today() + timedelta(days=3)  # Monday + 3 working days
    assert value == "2026-12-03T23:59:59+08:00"  # the frozen clock is Monday 2026-11-30 09:00


def test_workdays_with_a_variable_and_a_string_count(env):
    # outside an engine step only weekends are days off: ten working days from Monday 30 Nov
    assert env.evaluate("workdays(n)", {"n": 10}) == "2026-12-14T23:59:59+08:00"
    assert workdays("1") == "2026-12-01T23:59:59+08:00"
    assert workdays(0) == "2026-11-30T23:59:59+08:00"


def test_workdays_counts_from_the_local_date_not_utc():
    # 2026-11-30 17:30 UTC is already 2026-12-01 01:30 in Asia/Shanghai
    clock.freeze(datetime(2026, 11, 30, 17, 30, tzinfo=UTC))
    assert workdays(0) == "2026-12-01T23:59:59+08:00"
    assert workdays(1) == "2026-12-02T23:59:59+08:00"


def test_workdays_follows_the_clock():
    before = workdays(1)
    clock.advance(timedelta(days=2))
    after = workdays(1)
    assert _aware(after) - _aware(before) == timedelta(days=2)


def test_workdays_refuses_non_numbers():
    with pytest.raises((TypeError, ValueError)):
        workdays("three")


def test_script_engine_uses_the_restricted_environment():
    engine = scripting.make_script_engine()
    assert isinstance(engine.environment, RestrictedEnvironment)
