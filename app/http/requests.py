"""Request-side helpers shared by the pages and the API: the public address, uploads, bounded
numbers from query strings and forms, redirects that stay on this site, and the input guard
(characters nobody types and numbers nobody means refused before any view reads them)."""
import contextlib
import json
import math
import re
from urllib.parse import urlparse

from flask import Request, request
from werkzeug.datastructures import ImmutableMultiDict

from app.applicants.online import Upload
from app.errors import BadRequest, ValidationFailed
from app.files.service import FileStore
from app.http.runtime import settings


def file_store() -> FileStore:
    return settings().store


def base_url() -> str:
    """Where the public pages live, for absolute links and QR codes. Production sets
    PUBLIC_BASE_URL (required there): the Host header is the client's to choose."""
    return settings().public_base_url or request.url_root


def allow_application_body() -> None:
    """An application carries every material at once: allow more than one file's worth.
    Must run before anything reads the form."""
    request.max_content_length = settings().max_application_bytes


def uploads(prefix: str = "files.") -> dict[str, Upload]:
    """The files of a multipart request, one per material code (`files.<code>`)."""
    if request.content_length and not request.form and not request.files:
        raise BadRequest("无法读取上传内容：请使用 UTF-8 编码的 multipart/form-data")
    limit = settings().store.max_bytes
    out = {}
    for key, items in request.files.lists():
        if not key.startswith(prefix) or len(key) == len(prefix):
            raise ValidationFailed("上传的文件不对应任何材料，请刷新页面后重新选择文件", {key: ["未知的文件字段"]})
        chosen = [item for item in items if item.filename]
        if len(chosen) > 1:
            raise ValidationFailed("每项材料只能上传一个文件", {key: ["每项材料只能上传一个文件"]})
        if chosen:  # an empty file input of a page form sends a part without a name
            out[key[len(prefix):]] = Upload(chosen[0].filename, chosen[0].read(limit + 1))
    return out


def int_arg(name: str, default: int, lo: int = 1, hi: int = 100000) -> int:
    """A bounded integer from the query string; anything else is the default."""
    value = request.args.get(name) or ""
    return min(max(int(value), lo), hi) if re.fullmatch(r"[0-9]{1,9}", value) else default


def form_int(value: str | None) -> int:
    """A whole number typed into a form; anything else is 0 (which the service refuses by name)."""
    value = value or ""
    return int(value) if re.fullmatch(r"[0-9]{1,9}", value) else 0


def safe_next(target: str | None, fallback: str) -> str:
    """Only paths on this site: a form or link must not send the user elsewhere."""
    target = target or ""
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith(("//", "/\\")) \
            or any(c in target for c in "\t\r\n\\"):
        return fallback
    return target


def query_without(*drop: str) -> dict:
    """The query string for pager links, minus `drop` and anything url_for would take as an option."""
    return {k: v for k, v in request.args.items() if k not in drop and not k.startswith("_")}


# -- The input guard -------------------------------------------------------------------------
# Characters no person types, which PostgreSQL refuses (NUL) or which cannot be stored at all:
# C0 controls (tab, line feed and carriage return are text in a multi-line field), DEL, C1
# controls and lone UTF-16 surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE = re.compile("[\t\n\r]")
# Format characters that change how text reads without being seen: bidirectional embeddings,
# overrides and isolates (a name with U+202E reads backwards) ...
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# ... and the invisible marks and zero-width characters that make two names look alike.
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u2060-\u2064\ufeff]")
# Query parameters that are search terms: what cannot match anything is dropped, not refused.
SEARCH_TERMS = frozenset({"q", "case_no"})
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")  # whose JSON body is read and checked
# A JSON number longer than this is nobody's meaning (and past 4,300 digits Python refuses it).
MAX_NUMBER_DIGITS = 30


def text_problem(value: str | None, *, multiline: bool = True, spoofing: bool = False) -> str | None:
    """Why `value` is refused as text, in Chinese, or None. `multiline` allows tab and line
    breaks; `spoofing` also refuses the format characters that disguise how text reads."""
    if not isinstance(value, str):
        return None
    found = _CONTROL.search(value) or (None if multiline else _LINE.search(value))
    if found is None and spoofing:
        found = _BIDI.search(value) or (None if multiline else _INVISIBLE.search(value))
    if found is None:
        return None
    code = f"U+{ord(found.group()):04X}"
    if 0xD800 <= ord(found.group()) <= 0xDFFF:
        return f"含有无效的 Unicode 字符（{code}）"
    if _BIDI.match(found.group()) or _INVISIBLE.match(found.group()):
        return f"不能包含改变文字显示的格式字符（{code}）"
    if _LINE.match(found.group()):
        return "不能包含换行符或制表符"
    return f"不能包含控制字符（{code}）"


def strip_search(value: str) -> str:
    """A search term without the characters that cannot match anything."""
    for pattern in (_CONTROL, _LINE, _BIDI, _INVISIBLE):
        value = pattern.sub("", value)
    return value


def _name(key: str) -> str:
    """A field name fit to be shown back (its own control characters escaped)."""
    return key.encode("unicode_escape").decode("ascii") if _CONTROL.search(key) or _LINE.search(key) else key


def _key_problem(key: str) -> str | None:
    problem = text_problem(key, multiline=False)
    return f"字段名{problem}" if problem else None


def _refuse(problems: dict[str, list[str]]) -> None:
    if problems:
        raise ValidationFailed("数据校验未通过：" + "；".join(f"{k}: {v[0]}" for k, v in problems.items()), problems)


class _TooLong:
    """A number the JSON parser was told not to convert (too many digits, NaN, Infinity)."""

    def __init__(self, text: str):
        self.text = text


def _parse_int(text: str):
    return _TooLong(text) if len(text.lstrip("-")) > MAX_NUMBER_DIGITS else int(text)


def _parse_float(text: str):
    if sum(c.isdigit() for c in text) > MAX_NUMBER_DIGITS:
        return _TooLong(text)
    value = float(text)
    return value if math.isfinite(value) else _TooLong(text)


def _walk_json(value, path: str, problems: dict[str, list[str]]) -> None:
    """Every string and key of a parsed JSON value checked (multi-line text rules), every number
    bounded; problems named by their dotted path ("applicant.name", "materials.0")."""
    stack = [(value, path)]
    while stack and len(problems) < 20:
        value, path = stack.pop()
        if isinstance(value, _TooLong):
            problems[path or "json"] = [f"数字过长或不是有限数（最多 {MAX_NUMBER_DIGITS} 位）"]
        elif isinstance(value, str):
            problem = text_problem(value)
            if problem:
                problems[path or "json"] = [problem]
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{_name(key)}" if path else _name(key)
                if _key_problem(key):
                    problems[name] = [_key_problem(key) or ""]
                else:
                    stack.append((item, name))
        elif isinstance(value, list):
            stack.extend((item, f"{path}.{i}" if path else str(i)) for i, item in enumerate(value))


def load_json(text: str, field: str = ""):
    """Parse JSON text with numbers bounded before they are converted and every string checked;
    422 naming the field (or `field`) otherwise. Malformed JSON raises ValueError as json.loads."""
    value = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_TooLong)
    problems: dict[str, list[str]] = {}
    _walk_json(value, field, problems)
    _refuse(problems)
    return value


def guard_input() -> None:
    """before_request, for the pages and the API alike: refuse (422, naming the field) control
    characters in the path, the query string and a JSON body, and JSON numbers nobody means;
    drop them from search terms. Form bodies are checked as they are parsed (CheckedRequest),
    so a view may raise the size limit first."""
    if request.endpoint is None:  # not routed: the 404/405 says enough
        return
    problems: dict[str, list[str]] = {}
    for key, value in (request.view_args or {}).items():
        problem = text_problem(value, multiline=False) if isinstance(value, str) else None
        if problem:
            problems[key] = [problem]
    cleaned, changed = [], False
    for key, value in request.args.items(multi=True):
        if key in SEARCH_TERMS:
            changed = changed or strip_search(value) != value
            value = strip_search(value)
        problem = _key_problem(key) or text_problem(value, multiline=False)
        if problem:
            problems[_name(key)] = [problem]
        cleaned.append((key, value))
    _refuse(problems)
    if changed:
        request.args = ImmutableMultiDict(cleaned)  # werkzeug's cached_property may be set
    if request.method in BODY_METHODS and request.is_json and request.content_length != 0:
        body = request.get_data(cache=True)
        if body:
            with contextlib.suppress(UnicodeDecodeError, json.JSONDecodeError):  # the body parser answers 400
                load_json(body.decode("utf-8"))


class CheckedRequest(Request):
    """The app's request class: form fields (multi-line text rules) and uploaded file names are
    checked when the form is parsed, whoever parses it first (a page's CSRF check, a view after
    raising the size limit); 422 naming the field."""

    def _load_form_data(self) -> None:
        parsed = "form" in self.__dict__
        super()._load_form_data()
        if parsed:
            return
        problems: dict[str, list[str]] = {}
        for key, value in self.form.items(multi=True):
            problem = _key_problem(key) or text_problem(value)
            if problem:
                problems[_name(key)] = [problem]
        for key, upload in self.files.items(multi=True):
            problem = _key_problem(key) or text_problem(upload.filename or "", multiline=False)
            if problem:
                problems[_name(key)] = [f"文件名不合法：{problem}"]
        _refuse(problems)
