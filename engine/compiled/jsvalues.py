"""JavaScript value rules the compiler needs at compile time (constant folding,
lookup tables): UTF-16 code units, StringToNumber, ToInt32, parseInt of a string,
and the player's packer decoding (escape/unescape)."""
from __future__ import annotations

import math
import re

from engine.compiled.tokenizer import JS_SPACE, js_trim

_STR_DECIMAL = re.compile(r"[+-]?(Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)\Z")


def utf16_units(text: str) -> list[int]:
    """The string's UTF-16 code units, as JavaScript indexes it."""
    data = text.encode("utf-16-le", "surrogatepass")
    return [data[i] | data[i + 1] << 8 for i in range(0, len(data), 2)]


def from_utf16_units(units) -> str:
    data = b"".join(u.to_bytes(2, "little") for u in units)
    return data.decode("utf-16-le", "surrogatepass")


def string_to_number(text: str) -> float:
    """ECMAScript StringToNumber (what `+s` does for a string s)."""
    s = js_trim(text)
    if s == "":
        return 0.0
    if len(s) > 2 and s[0] == "0" and s[1] in "xXoObB":
        base = {"x": 16, "o": 8, "b": 2}[s[1].lower()]
        try:
            return float(int(s[2:], base)) if s[2:].isalnum() and s[2:].isascii() else math.nan
        except ValueError:
            return math.nan
    if not s.isascii() or not _STR_DECIMAL.match(s):
        return math.nan
    if s.endswith("Infinity"):
        return -math.inf if s[0] == "-" else math.inf
    return float(s)


def char_to_number(unit: int) -> float:
    """ToNumber of a one-code-unit string."""
    ch = chr(unit)
    if "0" <= ch <= "9":
        return float(unit - 48)
    if ch in JS_SPACE:
        return 0.0
    return math.nan


def to_int32(x: float) -> int:
    if not math.isfinite(x):
        return 0
    v = int(x) % 2**32          # int() truncates toward zero
    return v - 2**32 if v >= 2**31 else v


def to_uint32(x: float) -> int:
    return to_int32(x) & 0xFFFFFFFF


def parse_int_string(text: str, radix: int | None) -> float:
    """parseInt(string, radix) for a known string and radix (undefined radix = None)."""
    s = text
    i = 0
    while i < len(s) and s[i] in JS_SPACE:
        i += 1
    s = s[i:]
    sign = 1
    if s[:1] in ("+", "-"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    r = 0 if radix is None else to_int32(float(radix))
    strip_prefix = True
    if r != 0:
        if r < 2 or r > 36:
            return math.nan
        if r != 16:
            strip_prefix = False
    else:
        r = 10
    if strip_prefix and s[:2] in ("0x", "0X"):
        s = s[2:]
        r = 16
    digits = []
    for ch in s:
        d = int(ch, 36) if ch.isascii() and ch.isalnum() else 99
        if d >= r:
            break
        digits.append(d)
    if not digits:
        return math.nan
    value = 0
    for d in digits:
        value = value * r + d
    # radix 10 with more than 20 digits may round differently in V8; we only fold short strings
    return float(sign * value) if value or sign > 0 else -0.0


# ---------------------------------------------------------------- the player's packer

_PACKED = re.compile(
    "^eval\\(unescape\\(escape(?:`|\\('|\\(\"|\\(`)([^\\n\\r\\u2028\\u2029]*?)(?:`|'\\)|\"\\)|`\\))"
    "\\.replace\\(/u\\(\\.\\.\\)/g,[\"'`]\\$1%[\"'`]\\)\\)\\)\\Z")
_ESCAPE_KEEP = set(map(ord, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@*_+-./"))
_NOT_DOT = frozenset((0x0A, 0x0D, 0x2028, 0x2029))


def _js_escape(units: list[int]) -> list[int]:
    out: list[int] = []
    for u in units:
        if u in _ESCAPE_KEEP:
            out.append(u)
        elif u < 256:
            out.extend(map(ord, "%%%02X" % u))
        else:
            out.extend(map(ord, "%%u%04X" % u))
    return out


def _js_unescape(units: list[int]) -> list[int]:
    out: list[int] = []
    i, n = 0, len(units)
    hexd = set(map(ord, "0123456789abcdefABCDEF"))
    while i < n:
        u = units[i]
        if u == 0x25:
            if i + 6 <= n and units[i + 1] == ord("u") and all(x in hexd for x in units[i + 2:i + 6]):
                out.append(int("".join(map(chr, units[i + 2:i + 6])), 16))
                i += 6
                continue
            if i + 3 <= n and all(x in hexd for x in units[i + 1:i + 3]):
                out.append(int("".join(map(chr, units[i + 1:i + 3])), 16))
                i += 3
                continue
        out.append(u)
        i += 1
    return out


def decode_packer(code: str) -> str:
    """The player's rewrite of `eval(unescape(escape`...`.replace(/u(..)/g,"$1%")))`."""
    m = _PACKED.match(code)
    if not m:
        return code
    return js_unescape(packer_replace(js_escape(m.group(1))))


def js_escape(text: str) -> str:
    """The global `escape(text)`."""
    return from_utf16_units(_js_escape(utf16_units(text)))


def js_unescape(text: str) -> str:
    """The global `unescape(text)`."""
    return from_utf16_units(_js_unescape(utf16_units(text)))


def packer_replace(text: str) -> str:
    """`text.replace(/u(..)/g, "$1%")`: '.' matches any code unit but line terminators."""
    units = utf16_units(text)
    out: list[int] = []
    i, n = 0, len(units)
    while i < n:
        if units[i] == ord("u") and i + 2 < n + 0 and i + 2 <= n - 1 + 0 and \
                units[i + 1] not in _NOT_DOT and units[i + 2] not in _NOT_DOT:
            out.extend((units[i + 1], units[i + 2], ord("%")))
            i += 3
        else:
            out.append(units[i])
            i += 1
    return from_utf16_units(out)


def prepare_code(code: str, mode: str) -> str:
    """The player's preprocessing of Bytebeat/Floatbeat code: trim, packer, empty -> 0."""
    if mode == "func":
        return code
    code = decode_packer(js_trim(code))
    return code or "0"


def fold_binary(op: str, a: float | None, c: float | None, fdlibm) -> float | None:
    """JavaScript's `a op c` for two constant numbers (None when not both constant):
    Python floats are IEEE doubles, so + - * and fmod give exactly the machine's result;
    the cases Python raises on are spelled out; ** is the port's pow (fdlibm("pow"))."""
    if a is None or c is None:
        return None
    if op == "+":
        return a + c
    if op == "-":
        return a - c
    if op == "*":
        return a * c
    if op == "/":
        if c != 0:
            return a / c
        if a != a or a == 0:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, c)
    if op == "%":
        if a != a or c != c or math.isinf(a) or c == 0:
            return math.nan
        return math.fmod(a, c)
    if op == "**":
        return fdlibm("pow")(a, c)
    x, y = to_int32(a), to_int32(c) & 31
    if op == "&":
        return float(x & to_int32(c))
    if op == "|":
        return float(x | to_int32(c))
    if op == "^":
        return float(x ^ to_int32(c))
    if op == "<<":
        return float(to_int32(float((x << y) & 0xFFFFFFFF)))
    if op == ">>":
        return float(x >> y)
    if op == ">>>":
        return float((x & 0xFFFFFFFF) >> y)
    return None
