"""The limits every BPMN script and expression runs under (app.engine.scripting): which limits
are in force (`script_limits`, handed in by the engine step), the one evaluation being watched
(an opcode tracer counting instructions and looking at the step's wall clock), and the size
measures the guards check results against before they are made."""
import sys
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

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


