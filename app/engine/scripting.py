"""The restricted environment BPMN expressions and scripts run in.

Conditions, timer expressions, due dates and script tasks are Python, compiled with
RestrictedPython (no underscore names, guarded attribute access, no `__import__`) and
checked for imports and dunder names before that. They see the task's data, a short list
of safe builtins and our helpers (`workdays`, `workdays_from`), nothing else.
"""
import ast
import operator
import sys
import threading
from contextlib import contextmanager
from types import ModuleType

from RestrictedPython import PrintCollector, compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from app.engine.deadlines import HELPERS, asking_task

_ALLOWED_BUILTINS = {
    name: safe_builtins[name]
    for name in (
        "None", "True", "False", "abs", "bool", "chr", "divmod", "float", "int", "isinstance",
        "len", "ord", "repr", "round", "str", "ArithmeticError", "Exception",
        "KeyError", "IndexError", "TypeError", "ValueError", "ZeroDivisionError",
    )
}
_ALLOWED_BUILTINS.update(
    {
        "list": list, "tuple": tuple, "dict": dict, "set": set, "frozenset": frozenset,
        "min": min, "max": max, "sum": sum, "any": any, "all": all, "sorted": sorted,
        "enumerate": enumerate, "zip": zip, "reversed": reversed,
    }
)


def _inplace(op: str, x, y):
    ops = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
           "//=": operator.ifloordiv, "%=": operator.imod, "|=": operator.ior, "&=": operator.iand}
    if op not in ops:
        raise SyntaxError(f"operator {op} is not allowed in process scripts")
    return ops[op](x, y)



_GUARDS = {
    "_getattr_": safer_getattr,
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_write_": full_write_guard,
    "_inplacevar_": _inplace,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_print_": PrintCollector,  # print() output is collected and dropped, never written anywhere
}


def base_globals() -> dict:
    return {"__builtins__": dict(_ALLOWED_BUILTINS), **_GUARDS, **HELPERS}


# --- static checks -----------------------------------------------------------------------

def check_source(source: str, mode: str) -> list[tuple[str, str]]:
    """Problems with an expression (`mode="eval"`) or script (`mode="exec"`), as (rule, message).

    An empty list means the code compiles in the restricted environment."""
    if source is None or not source.strip():
        return [("empty_expression", "表达式为空")]
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        return [("syntax", f"语法错误（第 {exc.lineno} 行）：{exc.msg}")]
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            problems.append(("script_import", f"第 {node.lineno} 行：流程脚本不允许 import"))
        elif isinstance(node, ast.Name) and node.id.startswith("_"):
            problems.append(("script_dunder", f"第 {node.lineno} 行：不允许使用以下划线开头的名称 {node.id}"))
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            problems.append(("script_dunder", f"第 {node.lineno} 行：不允许访问以下划线开头的属性 {node.attr}"))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and not (
                isinstance(node.right, ast.Constant) and isinstance(node.right.value, int) and 0 <= node.right.value <= 64):
            problems.append(("restricted", f"第 {node.lineno} 行：乘方的指数只能是 0–64 的整数常量"))
    if problems:
        return problems
    try:
        result = (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(source)
    except SyntaxError as exc:  # parses, but cannot compile (return/yield/break outside a function or loop)
        return [("syntax", f"语法错误（第 {exc.lineno} 行）：{exc.msg}")]
    return [("restricted", msg) for msg in result.errors]


_cache: dict[tuple[str, str], object] = {}
_cache_lock = threading.Lock()


def _compiled(source: str, mode: str):
    key = (mode, source)
    code = _cache.get(key)
    if code is None:
        problems = check_source(source, mode)
        if problems:
            raise ValueError("; ".join(message for _, message in problems))
        result = (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(source, filename=SCRIPT_FILE)
        code = result.code
        with _cache_lock:
            if len(_cache) > 4096:
                _cache.clear()
            _cache[key] = code
    return code


SCRIPT_FILE = "<bpmn script>"
MAX_LINES = 100_000   # lines a single expression or script may execute
MAX_RANGE = 100_000   # elements range() may produce


class ScriptBudgetExceeded(RuntimeError):
    pass


def _bounded_range(*args):
    values = range(*args)
    if len(values) > MAX_RANGE:
        raise ScriptBudgetExceeded(f"range() 最多 {MAX_RANGE} 个元素")
    return values


_ALLOWED_BUILTINS["range"] = _bounded_range


@contextmanager
def _budget():
    """Stop a script that runs away (an endless loop would hold its case's lock forever)."""
    executed = 0

    def local(frame, event, arg):
        nonlocal executed
        if event == "line":
            executed += 1
            if executed > MAX_LINES:
                raise ScriptBudgetExceeded(f"脚本执行超过 {MAX_LINES} 行，已中止（是否有死循环？）")
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code.co_filename == SCRIPT_FILE else None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(previous)


def _is_data(key: str, value) -> bool:
    return not key.startswith("_") and not callable(value) and not isinstance(value, ModuleType)


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment backed by RestrictedPython."""

    def evaluate(self, expression, context, external_context=None):
        # Data first, guards and helpers last: task data can never shadow them.
        scope = dict(context)
        scope.update(external_context or {})
        scope.update(base_globals())
        code = _compiled(expression.strip(), "eval")
        with _budget():
            return eval(code, scope)  # noqa: S307 - restricted code

    def execute(self, script, context, external_context=None):
        names = set(base_globals())
        clash = names.intersection(context)
        if clash:
            raise ValueError(f"task data overwrites helper names: {sorted(clash)}")
        scope = base_globals()
        scope.update(external_context or {})
        scope.update(context)
        code = _compiled(script, "exec")
        with _budget():
            exec(code, scope)  # noqa: S102 - restricted code
        for key in [k for k in context if k not in scope]:
            del context[key]
        for key, value in scope.items():
            if key in names or (external_context and key in external_context):
                continue
            if _is_data(key, value):
                context[key] = value
        return True

    def call_service(self, context, **kwargs):
        raise NotImplementedError("service tasks are not available in OneWindow processes")


class OneWindowScriptEngine(PythonScriptEngine):
    """Knows which engine task is evaluating, so deadline helpers can record who asked."""

    def evaluate(self, task, expression, external_context=None):
        token = asking_task.set(str(task.id) if task is not None else None)
        try:
            return super().evaluate(task, expression, external_context)
        finally:
            asking_task.reset(token)


def make_script_engine() -> PythonScriptEngine:
    return OneWindowScriptEngine(environment=RestrictedEnvironment())
