"""The restricted environment BPMN expressions and scripts run in.

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
import math
import operator
import re
import sys
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import islice
from types import ModuleType

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from app.engine.deadlines import HELPERS, asking_task
from app.settings import ScriptLimits

SCRIPT_FILE = "<bpmn script>"
DEFAULT_LIMITS = ScriptLimits()
_CHECK_CLOCK_EVERY = 64  # opcodes between two looks at the clock


class ScriptLimitExceeded(RuntimeError):
    """A script or expression went over one of its limits (the message says which, in Chinese)."""


# --- the limits in force --------------------------------------------------------------------

_limits: ContextVar[ScriptLimits | None] = ContextVar("onewindow_script_limits", default=None)
_deadline: ContextVar[float | None] = ContextVar("onewindow_script_deadline", default=None)


@contextmanager
def script_limits(limits: ScriptLimits):
    """Run one engine step under `limits`: every script and expression evaluated inside shares
    one wall-clock budget of `limits.seconds`, starting now."""
    tokens = (_limits.set(limits), _deadline.set(time.monotonic() + limits.seconds))
    try:
        yield
    finally:
        _limits.reset(tokens[0])
        _deadline.reset(tokens[1])


def active_limits() -> ScriptLimits:
    return _limits.get() or DEFAULT_LIMITS


def step_deadline() -> float | None:
    """When the running step's scripts must have finished (time.monotonic()), if in a step."""
    return _deadline.get()


def check_deadline(deadline: float, what: str) -> None:
    if time.monotonic() > deadline:
        raise ScriptLimitExceeded(f"{what}运行超过 {active_limits().seconds:g} 秒，已中止（是否有死循环？）")


class _Evaluation:
    """One script or expression being evaluated: its limits and what it has used."""

    __slots__ = ("limits", "deadline", "left", "tripped")

    def __init__(self, limits: ScriptLimits, deadline: float):
        self.limits, self.deadline, self.left = limits, deadline, limits.opcodes
        self.tripped: ScriptLimitExceeded | None = None

    def trip(self, message: str) -> ScriptLimitExceeded:
        if self.tripped is None:
            self.tripped = ScriptLimitExceeded(message)
        return self.tripped


_local = threading.local()  # the evaluation running in this thread (guards read it)


def _current() -> _Evaluation:
    run = getattr(_local, "run", None)
    if run is None:  # script code called after its evaluation ended (a finalizer, a stored function)
        raise ScriptLimitExceeded("脚本代码只能在求值期间运行")
    if run.tripped is not None:
        raise run.tripped
    return run


def _refuse(message: str):
    raise _current().trip(message)


def _limit_check_() -> None:
    """First statement of every `except` and `finally` of a script: a tripped limit goes on."""
    _current()


@contextmanager
def _evaluation():
    """Trace the script's own frames opcode by opcode; stop it over its budget or deadline."""
    limits = active_limits()
    deadline = _deadline.get() or (time.monotonic() + limits.seconds)
    run = _Evaluation(limits, deadline)

    def local(frame, event, arg):
        if event == "opcode":
            run.left -= 1
            if run.left <= 0:
                raise run.trip(f"脚本执行超过 {limits.opcodes} 条指令，已中止（是否有死循环？）")
            if run.left % _CHECK_CLOCK_EVERY == 0 and time.monotonic() > run.deadline:
                raise run.trip(f"脚本运行超过 {limits.seconds:g} 秒，已中止（是否有死循环？）")
        elif run.tripped is not None:
            raise run.tripped
        return local

    def tracer(frame, event, arg):
        if frame.f_code.co_filename != SCRIPT_FILE:
            return None
        frame.f_trace_lines = False
        frame.f_trace_opcodes = True
        return local

    outer = getattr(_local, "run", None)
    previous = sys.gettrace()
    _local.run = run
    sys.settrace(tracer)
    try:
        if time.monotonic() > deadline:
            raise run.trip(f"本步骤的脚本运行已超过 {limits.seconds:g} 秒，已中止")
        yield run
    finally:
        sys.settrace(previous)
        _local.run = outer
    if run.tripped is not None:  # tripped, then swallowed somewhere outside the script's code
        raise run.tripped


# --- sizes ----------------------------------------------------------------------------------

def measure(value, limit: int) -> int:
    """A lower bound of the characters `value` takes as text (str/repr/JSON), counting every
    reference to a shared object again; stops soon after passing `limit`, so it costs at most
    about `limit` steps whatever the value (a list holding one big list a million times)."""
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or kind is bytes:
            total += len(item) + 2
        elif kind is int:
            total += item.bit_length() * 3 // 10 + 1
        elif kind is list or kind is tuple or kind is set or kind is frozenset:
            total += len(item) + 2
            if total <= limit:
                stack.extend(item)
        elif kind is dict:
            total += 2 * len(item) + 2
            if total <= limit:
                for key, val in item.items():
                    stack.append(key)
                    stack.append(val)
        else:
            total += 1
        if total > limit:
            return total
    return total


_SEQUENCES = (str, bytes, list, tuple)


def _is_int(value) -> bool:
    return isinstance(value, int)


def _int_bits(bits: float, limits: ScriptLimits) -> None:
    if bits > limits.int_bits:
        _refuse(f"整数运算结果超过 {limits.int_bits} 位，已中止")


def _items(count: int, limits: ScriptLimits, what: str = "结果") -> None:
    if count > limits.items:
        _refuse(f"{what}超过 {limits.items} 个字符或元素，已中止")


def _text(value, limits: ScriptLimits) -> None:
    """`value` turned into text (str, repr, a format field) stays within the size limit."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return  # a str is itself; Python caps int -> str at 4,300 digits
    _items(measure(value, limits.items), limits, "转换成的文本")


# --- guarded operators (the policy below routes the script's operators here) ---------------

def _pow_(base, exponent):
    if _is_int(base) and _is_int(exponent) and exponent > 1 and abs(base) > 1:
        limits = _current().limits
        bits = limits.int_bits + 1 if exponent.bit_length() > 64 else math.floor(exponent * math.log2(abs(base))) + 1
        _int_bits(bits, limits)
    return base ** exponent


def _mul_(left, right):
    _mul_size(left, right, _current().limits)
    return left * right


def _mul_size(left, right, limits: ScriptLimits) -> None:
    if _is_int(left) and _is_int(right):
        _int_bits(left.bit_length() + right.bit_length() - 1, limits)
    elif isinstance(left, _SEQUENCES) and _is_int(right):
        _items(len(left) * right, limits)
    elif isinstance(right, _SEQUENCES) and _is_int(left):
        _items(len(right) * left, limits)


def _add_(left, right):
    if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        _items(len(left) + len(right), _current().limits)
    return left + right


def _lshift_(value, shift):
    if _is_int(value) and _is_int(shift) and value and shift > 0:
        _int_bits(value.bit_length() + shift, _current().limits)
    return value << shift


# %-formatting: %[(name)][flags][width][.precision][length]type
_PERCENT = re.compile(rb"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d*))?[hlL]?(?P<type>.)?",
                      re.DOTALL)


def _format_number(text: str | None, limits: ScriptLimits) -> int:
    if not text:
        return 0
    if len(text) > 12 or int(text) > limits.format_width:
        _refuse(f"格式宽度或精度超过 {limits.format_width}，已中止")
    return int(text)


def _mod_(left, right):
    if not isinstance(left, (str, bytes)):
        return left % right
    limits = _current().limits
    pattern = left.encode("utf-8", "surrogatepass") if isinstance(left, str) else left
    size, position = len(left), 0
    values = right if isinstance(right, tuple) else (right,)
    for match in _PERCENT.finditer(pattern):
        if match["type"] == b"%":
            continue
        if match["width"] == b"*" or match["precision"] == b"*":
            _refuse("不支持用 * 指定格式宽度或精度")
        size += _format_number((match["width"] or b"").decode(), limits)
        size += _format_number((match["precision"] or b"").decode(), limits)
        if match["name"] is not None and isinstance(right, dict):
            value = right.get(match["name"].decode("utf-8", "surrogatepass"))
        else:
            value = values[position] if position < len(values) else None
            position += 1
        size += measure(value, limits.items)
        _items(size, limits)
    return left % right


_INPLACE_PLAIN = {"-=": operator.isub, "/=": operator.itruediv, "//=": operator.ifloordiv,
                  "|=": operator.ior, "&=": operator.iand}


def _inplacevar_(op: str, x, y):
    """`x op= y` (RestrictedPython routes augmented assignments of names here); a list stays the
    same object, as in plain Python."""
    if op == "+=":
        if isinstance(x, _SEQUENCES) and hasattr(y, "__len__"):
            _items(len(x) + len(y), _current().limits)
        return operator.iadd(x, y)
    if op == "*=":
        _mul_size(x, y, _current().limits)
        return operator.imul(x, y)
    if op == "%=":
        return _mod_(x, y)
    if op not in _INPLACE_PLAIN:
        raise SyntaxError(f"operator {op} is not allowed in process scripts")
    return _INPLACE_PLAIN[op](x, y)


# format spec: [[fill]align][sign][z][#][0][width][grouping][.precision][type]
_SPEC = re.compile(r"(?:.?[<>=^])?[-+ ]?z?#?0?(?P<width>\d+)?[,_]?(?:\.(?P<precision>\d+))?", re.DOTALL)


def _format_(value, conversion, spec):
    """One {field} of an f-string, its conversion (!r, !s, !a) and its (possibly computed)
    format spec checked before it is formatted."""
    limits = _current().limits
    if conversion is not None:
        _text(value, limits)
        value = repr(value) if conversion == "r" else ascii(value) if conversion == "a" else str(value)
    if spec:
        match = _SPEC.match(spec)
        if match is not None:
            _format_number(match["width"], limits)
            _format_number(match["precision"], limits)
    else:
        _text(value, limits)
    return format(value, spec)


def _fstring_(*parts):
    _items(sum(len(p) for p in parts), _current().limits)
    return "".join(parts)


def _starred_(kind: str, *parts):
    """A list, tuple or set literal with several starred parts (`[*a, *a]` doubles a list in one
    instruction): its size is checked before it is built."""
    limits = _current().limits
    total, ready = 0, []
    for part in parts:
        if not hasattr(part, "__len__"):
            part = list(islice(part, limits.items + 1))
        total += len(part)
        _items(total, limits)
        ready.append(part)
    items = [x for part in ready for x in part]
    return {"list": list, "tuple": tuple, "set": set}[kind](items)


# --- guarded builtins and methods -----------------------------------------------------------

def _range(*args):
    values = range(*args)
    _items(len(values), _current().limits, "range()")
    return values


def _repr(value) -> str:
    _text(value, _current().limits)
    return repr(value)


def _sum(values, start=0):
    if isinstance(start, (int, float)):
        return sum(values, start)
    run = _current()
    total = start
    for value in values:  # concatenation, one checked step at a time
        total = _add_(total, value)
        check_deadline(run.deadline, "脚本")
    return total


class _StrType(type):
    """`str` as scripts see it: isinstance() and str.lower work as ever; str(x) checks how much
    text x would make first."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, str)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, str)

    def __call__(cls, *args, **kwargs):
        if args and not kwargs and len(args) == 1:
            _text(args[0], _current().limits)
        return str(*args, **kwargs)

    def __getattr__(cls, name):
        return _getattr_(str, name)


class GuardedStr(metaclass=_StrType):
    pass


def _padded(method, width_arg: int = 0):
    def guarded(*args, **kwargs):
        limits = _current().limits
        width = args[width_arg] if len(args) > width_arg else kwargs.get("width", 0)
        if _is_int(width):
            _items(width, limits)
        return method(*args, **kwargs)
    return guarded


def _join(sep):
    def join(iterable):
        limits = _current().limits
        items = list(iterable) if hasattr(iterable, "__len__") else list(islice(iterable, limits.items + 1))
        _items(len(items), limits)
        size = len(sep) * max(len(items) - 1, 0)
        for item in items:
            size += len(item) if isinstance(item, (str, bytes)) else 0
            _items(size, limits)
        return sep.join(items)
    return join


def _replace(text):
    def replace(old, new, count=-1):
        limits = _current().limits
        if isinstance(old, type(text)) and isinstance(new, type(text)) and len(new) > len(old):
            hits = (len(text) + 1) if not old else text.count(old)
            if _is_int(count) and count >= 0:
                hits = min(hits, count)
            _items(len(text) + hits * (len(new) - len(old)), limits)
        return text.replace(old, new, count)
    return replace


def _expandtabs(text):
    def expandtabs(tabsize=8):
        if _is_int(tabsize):
            _items(len(text) + text.count("\t" if isinstance(text, str) else b"\t") * max(tabsize, 0),
                   _current().limits)
        return text.expandtabs(tabsize)
    return expandtabs


def _translate(text):
    def translate(table, *args):
        if isinstance(table, dict):
            longest = max((len(v) for v in table.values() if isinstance(v, (str, bytes))), default=1)
            _items(len(text) * max(longest, 1), _current().limits)
        return text.translate(table, *args)
    return translate


def _extend(items):
    def extend(more):
        if hasattr(more, "__len__"):
            _items(len(items) + len(more), _current().limits)
        return items.extend(more)
    return extend


def _to_bytes(number):
    def to_bytes(length=1, *args, **kwargs):
        if _is_int(length):
            _items(length, _current().limits)
        return number.to_bytes(length, *args, **kwargs)
    return to_bytes


def _getattr_(obj, name, *default):
    """RestrictedPython's safer_getattr (no underscores, no str.format), and the methods that
    can make a value much bigger than their inputs checked before they run."""
    value = safer_getattr(obj, name, *default)
    if isinstance(obj, (str, bytes)):
        if name in ("center", "ljust", "rjust", "zfill"):
            return _padded(value)
        if name == "join":
            return _join(obj)
        if name == "replace":
            return _replace(obj)
        if name == "expandtabs":
            return _expandtabs(obj)
        if name == "translate":
            return _translate(obj)
    elif isinstance(obj, list) and name == "extend":
        return _extend(obj)
    elif _is_int(obj) and name == "to_bytes":
        return _to_bytes(obj)
    elif obj is str and name in ("center", "ljust", "rjust", "zfill"):
        return _padded(value, 1)
    elif obj is str and name in ("join", "replace", "expandtabs", "translate"):
        raise NotImplementedError(f"请用 s.{name}(…) 代替 str.{name}(s, …)")
    return value


class _DiscardPrints:
    """print() in a script: accepted and dropped, never turned into text."""

    def __init__(self, _getattr_=None):
        pass

    def _call_print(self, *objects, **kwargs) -> None:
        pass

    def __call__(self) -> str:
        return ""


_ALLOWED_BUILTINS = {
    name: safe_builtins[name]
    for name in (
        "None", "True", "False", "abs", "bool", "chr", "divmod", "float", "int", "isinstance",
        "len", "ord", "round", "ArithmeticError", "Exception",
        "KeyError", "IndexError", "TypeError", "ValueError", "ZeroDivisionError",
    )
}
_ALLOWED_BUILTINS.update(
    {
        "list": list, "tuple": tuple, "dict": dict, "set": set, "frozenset": frozenset,
        "min": min, "max": max, "sum": _sum, "any": any, "all": all, "sorted": sorted,
        "enumerate": enumerate, "zip": zip, "reversed": reversed,
        "range": _range, "str": GuardedStr, "repr": _repr,
    }
)

_GUARDS = {
    "_getattr_": _getattr_,
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar_,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_print_": _DiscardPrints,  # print() output is dropped, never written anywhere
    "_pow_": _pow_, "_mul_": _mul_, "_add_": _add_, "_lshift_": _lshift_, "_mod_": _mod_,
    "_format_": _format_, "_fstring_": _fstring_, "_starred_": _starred_, "_limit_check_": _limit_check_,
}


def base_globals() -> dict:
    return {"__builtins__": dict(_ALLOWED_BUILTINS), **_GUARDS, **HELPERS}


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

