"""The small part of FEEL that form-js conditions use, evaluated without eval().

Supported: names, "strings", numbers, true/false/null, = != < <= > >=, and, or,
not(...), parentheses. `=outcome != "reject"` and `=not(outcome = "correct" or
outcome = "tolerate")` are typical. Anything else is refused when the form is deployed.
"""
import json
import re

_TOKEN = re.compile(
    r'\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>"(?:[^"\\]|\\.)*")'
    r'|(?P<op><=|>=|!=|=|<|>|\(|\))|(?P<name>[A-Za-z_][A-Za-z0-9_]*))'
)
_KEYWORDS = {"and", "or", "not", "true", "false", "null"}


class FeelError(ValueError):
    pass


def _tokenize(text: str) -> list[tuple[str, object]]:
    tokens: list[tuple[str, object]] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos or match.lastgroup is None:
            raise FeelError(f"无法识别的表达式片段：{text[pos:pos + 12]!r}")
        pos = match.end()
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "num":
            tokens.append(("lit", float(value) if "." in value else int(value)))
        elif kind == "str":
            try:  # FEEL string escapes are JSON's
                tokens.append(("lit", json.loads(value)))
            except ValueError:
                raise FeelError(f"字符串 {value} 中的转义无效") from None
        elif kind == "name" and value in ("true", "false", "null"):
            tokens.append(("lit", {"true": True, "false": False, "null": None}[value]))
        elif kind == "name" and value in _KEYWORDS:
            tokens.append(("kw", value))
        else:
            tokens.append((kind, value))
    return tokens


class _Parser:
    def __init__(self, tokens):
        self.tokens, self.pos = tokens, 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def take(self, kind=None, value=None):
        tok = self.peek()
        if tok[0] is None or (kind and tok[0] != kind) or (value and tok[1] != value):
            raise FeelError(f"表达式在第 {self.pos + 1} 个符号处不完整或有误")
        self.pos += 1
        return tok

    def expr(self):
        left = self.conj()
        while self.peek() == ("kw", "or"):
            self.take()
            left = ("or", left, self.conj())
        return left

    def conj(self):
        left = self.comparison()
        while self.peek() == ("kw", "and"):
            self.take()
            left = ("and", left, self.comparison())
        return left

    def comparison(self):
        left = self.unary()
        kind, value = self.peek()
        if kind == "op" and value in ("=", "!=", "<", "<=", ">", ">="):
            self.take()
            return ("cmp", value, left, self.unary())
        return left

    def unary(self):
        kind, value = self.peek()
        if (kind, value) == ("kw", "not"):
            self.take()
            self.take("op", "(")
            inner = self.expr()
            self.take("op", ")")
            return ("not", inner)
        if (kind, value) == ("op", "("):
            self.take()
            inner = self.expr()
            self.take("op", ")")
            return inner
        if kind == "lit":
            self.take()
            return ("lit", value)
        if kind == "name":
            self.take()
            return ("name", value)
        raise FeelError(f"表达式在第 {self.pos + 1} 个符号处有误")


def compile_feel(text: str):
    """Parse a form-js expression (with or without the leading '=') into a tree."""
    text = text.strip()
    if text.startswith("="):
        text = text[1:]
    parser = _Parser(_tokenize(text))
    tree = parser.expr()
    if parser.pos != len(parser.tokens):
        raise FeelError("表达式末尾有多余内容")
    return tree


_CMP = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def evaluate(tree, data: dict):
    op = tree[0]
    if op == "lit":
        return tree[1]
    if op == "name":
        return data.get(tree[1])
    if op == "not":
        return not evaluate(tree[1], data)
    if op == "and":
        return bool(evaluate(tree[1], data)) and bool(evaluate(tree[2], data))
    if op == "or":
        return bool(evaluate(tree[1], data)) or bool(evaluate(tree[2], data))
    left, right = evaluate(tree[2], data), evaluate(tree[3], data)
    try:
        return _CMP[tree[1]](left, right)
    except TypeError:  # FEEL: comparing incomparable values is null, i.e. false
        return False
