"""The restricted environment BPMN expressions and scripts run in (the policy, the static
checks, the SpiffWorkflow environment; the limits live in app.engine.script_limits, the guards in
app.engine.script_guards).

Conditions, timer expressions, due dates and script tasks are Python, compiled with
RestrictedPython (no underscore names, guarded attribute access, no `__import__`) and
checked for imports and dunder names before that. They see the task's data, a short list
of safe builtins and our helpers (`workdays`, `workdays_from`), nothing else.

Every evaluation runs under limits (app.settings.ScriptLimits, handed in by the engine step
through `script_limits`), so no script can hold a worker, its case's lock or memory for long:

- an instruction budget: every bytecode of the script's own code (comprehensions, lambdas and
  functions it defines included) is counted by an opcode tracer;
- a wall-clock budget shared by all scripts and expressions of one engine step (outside a step,
  per evaluation), checked by the same tracer and between the engine's tasks (app.engine.instance);
- bounded arithmetic and sizes: the compiled code calls guards (`_pow_`, `_mul_`, `_add_`,
  `_lshift_`, `_mod_`, f-strings, starred literals, the amplifying methods of str/bytes/list/int,
  `str`, `repr`, `sum`, `range`) that refuse a result over a limit *before* computing it.

A script over a limit raises ScriptLimitExceeded. It cannot catch it: once tripped, every
`except` and `finally` of the script re-raises it first thing (tracing stops when a trace
function raises, so that is where the script could otherwise go on unwatched).
"""
import ast
import re
import threading
from types import ModuleType

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from app.engine.deadlines import asking_task
from app.engine.script_guards import (
    base_globals,
)

# what the rest of the engine and its tests use of the limits, through this module
from app.engine.script_limits import DEFAULT_LIMITS as DEFAULT_LIMITS
from app.engine.script_limits import (
    SCRIPT_FILE,
    _evaluation,
)
from app.engine.script_limits import ScriptLimitExceeded as ScriptLimitExceeded
from app.engine.script_limits import _limit_check_ as _limit_check_
from app.engine.script_limits import active_limits as active_limits
from app.engine.script_limits import check_deadline as check_deadline
from app.engine.script_limits import measure as measure
from app.engine.script_limits import script_limits as script_limits
from app.engine.script_limits import step_deadline as step_deadline

# --- the policy: RestrictedPython's, with the operators and literals above guarded ----------

_BINOP_GUARDS = {ast.Pow: "_pow_", ast.Mult: "_mul_", ast.Add: "_add_", ast.LShift: "_lshift_", ast.Mod: "_mod_"}


def _call(name: str, args: list, like: ast.expr | ast.stmt | ast.excepthandler) -> ast.Call:
    node = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
    copy_locations(node, like)
    return node


class LimitingPolicy(RestrictingNodeTransformer):
    """RestrictedPython's checks, plus: the operators that can make huge values, f-strings and
    literals with several starred parts call the guards; every `except` and `finally` starts with
    `_limit_check_()`; classes and generators (whose code Python may run after the evaluation,
    untraced: finalizers, special methods) are refused."""

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        guard = _BINOP_GUARDS.get(type(node.op))
        return _call(guard, [node.left, node.right], node) if guard else node

    def visit_JoinedStr(self, node):
        node = self.node_contents_visit(node)
        parts: list[ast.expr] = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                conversion = chr(value.conversion) if value.conversion and value.conversion > 0 else None
                spec = value.format_spec if value.format_spec is not None else ast.Constant("")
                parts.append(_call("_format_", [value.value, ast.Constant(conversion), spec], value))
            else:
                parts.append(value)
        return _call("_fstring_", parts, node)

    def _starred(self, node, kind: str):
        node = self.node_contents_visit(node)
        if getattr(node, "ctx", None) is not None and not isinstance(node.ctx, ast.Load):
            return node
        if sum(isinstance(e, ast.Starred) for e in node.elts) < 2:
            return node
        parts: list[ast.expr] = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                parts.append(element.value)
            else:
                single = ast.Tuple(elts=[element], ctx=ast.Load())
                copy_locations(single, element)
                parts.append(single)
        return _call("_starred_", [ast.Constant(kind), *parts], node)

    def visit_List(self, node):
        return self._starred(node, "list")

    def visit_Tuple(self, node):
        return self._starred(node, "tuple")

    def visit_Set(self, node):
        return self._starred(node, "set")

    def visit_Try(self, node):
        node = self.node_contents_visit(node)
        for handler in node.handlers:
            handler.body.insert(0, self._check(handler))
        if node.finalbody:
            node.finalbody.insert(0, self._check(node.finalbody[0]))
        return node

    @staticmethod
    def _check(like: ast.stmt | ast.excepthandler) -> ast.Expr:
        statement = ast.Expr(_call("_limit_check_", [], like))
        copy_locations(statement, like)
        return statement

    def visit_ClassDef(self, node):
        self.error(node, "流程脚本不允许定义类（class）")
        return node

    def visit_Yield(self, node):
        self.error(node, "流程脚本不允许使用 yield（生成器）")
        return node

    def visit_YieldFrom(self, node):
        self.error(node, "流程脚本不允许使用 yield from（生成器）")
        return node


def _compile(source: str, mode: str, filename: str = "<string>"):
    compile_restricted = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    return compile_restricted(source, filename=filename, policy=LimitingPolicy)


# --- static checks -----------------------------------------------------------------------

JUEL = re.compile(r"^\s*[$#]\{.*\}\s*$", re.DOTALL)

def check_source(source: str, mode: str) -> list[tuple[str, str]]:
    """Problems with an expression (`mode="eval"`) or script (`mode="exec"`), as (rule, message).

    An empty list means the code compiles in the restricted environment."""
    if source is None or not source.strip():
        return [("empty_expression", "表达式为空")]
    if mode == "eval" and JUEL.match(source):  # Camunda 7's ${…}: say what to write instead
        return [("juel_expression", '条件请使用 Python 表达式，例如 decision == "approve"（不是 ${…} 写法）')]
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
    if problems:
        return problems
    try:
        result = _compile(source, mode)
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
        code = _compile(source, mode, SCRIPT_FILE).code
        with _cache_lock:
            if len(_cache) > 4096:
                _cache.clear()
            _cache[key] = code
    return code


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
        with _evaluation():
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
        with _evaluation():
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

