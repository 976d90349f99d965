"""Check digits of the two numbers an applicant is known by (art. 17).

- Resident ID card, GB 11643-1999: 17 digits + a check character (0-9 or X), ISO 7064 MOD 11-2.
- Unified social credit code, GB 32100-2015: 18 characters over 31 symbols, MOD 31 check.
"""
import unicodedata
from datetime import date

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


NOT_ASCII = "只能使用半角数字 0–9 和字母 A–Z（输入中有其他文字的数字或字符，请改用半角数字）"


def normalise(text: str | None) -> str:
    """How a number is written down: NFKC (fullwidth ０–９, Ａ–Ｚ become 0–9, A–Z), trimmed, upper
    case. Digits of other scripts (٠١٢…, ०१२…) stay what they are, and the checks refuse them:
    one person has one number, written one way (art. 17)."""
    return unicodedata.normalize("NFKC", text or "").strip().upper()


def id_card_problem(number: str) -> str | None:
    """None if `number` is a valid 18-character ID card number, else what is wrong (Chinese)."""
    if not number.isascii():
        return f"居民身份证号码{NOT_ASCII}"
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        return "居民身份证号码应为 18 位：17 位数字加 1 位校验码（数字或 X）"
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "居民身份证号码中的出生日期无效"
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != number[17]:
        return "居民身份证号码校验码不正确"
    return None


def uscc_problem(code: str) -> str | None:
    """None if `code` is a valid unified social credit code, else what is wrong (Chinese)."""
    if not code.isascii():
        return f"统一社会信用代码{NOT_ASCII}"
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return "统一社会信用代码应为 18 位，由数字和大写字母（不含 I、O、Z、S、V）组成"
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code[:17], _USCC_WEIGHTS, strict=True))
    check = (31 - total % 31) % 31
    if _USCC_CHARS[check] != code[17]:
        return "统一社会信用代码校验码不正确"
    return None


def id_problem(id_type: str | None, number: str) -> str | None:
    if id_type == "id_card":
        return id_card_problem(number)
    if id_type == "uscc":
        return uscc_problem(number)
    return "证件类型只能是 id_card（居民身份证）或 uscc（统一社会信用代码）"


def with_check_digit_id_card(first17: str) -> str:
    """Complete 17 digits with their check character (for demo and test data)."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + _ID_CHECK[total % 11]


def with_check_digit_uscc(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return first17 + _USCC_CHARS[(31 - total % 31) % 31]
