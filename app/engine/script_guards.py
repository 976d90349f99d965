"""The guards the restricted compiler routes a script's operators, literals and amplifying
builtins and methods to (app.engine.scripting's policy): each refuses a result over the limits in
force (app.engine.script_limits) before computing it, and the globals a script starts with."""
import math
import operator
import re
from itertools import islice

from RestrictedPython import safe_builtins
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)

from app.engine.deadlines import HELPERS
from app.engine.script_limits import (
    _SEQUENCES,
    _current,
    _int_bits,
    _is_int,
    _items,
    _limit_check_,
    _refuse,
    _text,
    check_deadline,
    measure,
)
from app.settings import ScriptLimits

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


