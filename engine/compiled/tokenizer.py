"""Stage 1: JavaScript source text -> tokens.

Covers the lexical grammar songs use: numbers (decimal, exponent, hex, octal, binary,
legacy octal, separators), strings with every escape, identifiers (Unicode), all
punctuators, comments, template literals and regular-expression literals (kept as
tokens so the analysis can name them). Offsets are indexes into the source string.
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.errors import SongSyntaxError, SourcePosition

# ECMAScript WhiteSpace and LineTerminator code points (what trim() and the lexer skip).
JS_WHITESPACE = frozenset("\t\v\f \u00a0\ufeff\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
                          "\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000")
JS_LINE_TERMINATORS = frozenset("\n\r\u2028\u2029")
JS_SPACE = JS_WHITESPACE | JS_LINE_TERMINATORS

KEYWORDS = frozenset("""break case catch class const continue debugger default delete do else
export extends finally for function if import in instanceof new return super switch this throw
try typeof var void while with yield let static async await of null true false""".split())

# Punctuators, longest first so that maximal munch works by trying them in order.
PUNCTUATORS = sorted("""{ } ( ) [ ] ; , < > <= >= == != === !== + - * / % ** ++ -- << >> >>>
& | ^ ! ~ && || ?? ? ?. : = += -= *= /= %= **= <<= >>= >>>= &= |= ^= &&= ||= ??= => ... .
""".split(), key=len, reverse=True)

# After these tokens a '/' starts a division; anywhere else it starts a regular expression.
_DIVISION_AFTER_KEYWORDS = frozenset(("this", "super", "null", "true", "false"))


@dataclass(frozen=True, slots=True)
class Token:
    kind: str        # "num" | "str" | "name" | "punct" | "template" | "regex" | "eof"
    value: object    # float for num, str for str/name/punct, tuple for template, (body, flags) for regex
    pos: int         # offset of the first character
    end: int         # offset after the last character
    newline_before: bool = False


def js_trim(text: str) -> str:
    """String.prototype.trim: strips ECMAScript whitespace and line terminators only."""
    start, end = 0, len(text)
    while start < end and text[start] in JS_SPACE:
        start += 1
    while end > start and text[end - 1] in JS_SPACE:
        end -= 1
    return text[start:end]


def _is_id_start(ch: str) -> bool:
    return ch == "$" or ch == "_" or ch.isalpha() or (ord(ch) > 127 and ch.isidentifier())


def _is_id_part(ch: str) -> bool:
    return ch == "$" or ch == "_" or ch.isalnum() or ch in "\u200c\u200d" or \
        (ord(ch) > 127 and ("a" + ch).isidentifier())


class Tokenizer:
    def __init__(self, source: str):
        self.src = source
        self.i = 0
        self.tokens: list[Token] = []

    def error(self, what: str, offset: int) -> SongSyntaxError:
        return SongSyntaxError(what, SourcePosition.at(self.src, offset))

    def run(self) -> list[Token]:
        while True:
            tok = self.next_token()
            self.tokens.append(tok)
            if tok.kind == "eof":
                return self.tokens

    def next_token(self) -> Token:
        src, n = self.src, len(self.src)
        newline = False
        # whitespace and comments
        while self.i < n:
            ch = src[self.i]
            if ch in JS_LINE_TERMINATORS:
                newline = True
                self.i += 1
            elif ch in JS_WHITESPACE:
                self.i += 1
            elif src.startswith("//", self.i):
                while self.i < n and src[self.i] not in JS_LINE_TERMINATORS:
                    self.i += 1
            elif src.startswith("/*", self.i):
                end = src.find("*/", self.i + 2)
                if end < 0:
                    raise self.error("unterminated comment", self.i)
                if any(c in JS_LINE_TERMINATORS for c in src[self.i:end]):
                    newline = True
                self.i = end + 2
            else:
                break
        if self.i >= n:
            return Token("eof", None, n, n, newline)
        start = self.i
        ch = src[start]
        if ch.isdigit() and ch.isascii() or (ch == "." and start + 1 < n and src[start + 1].isdigit()
                                              and src[start + 1].isascii()):
            tok = self.number()
        elif ch in "'\"":
            tok = Token("str", self.string(ch), start, self.i)
        elif ch == "`":
            tok = Token("template", self.template(), start, self.i)
        elif _is_id_start(ch) or ch == "\\":
            tok = Token("name", self.identifier(), start, self.i)
        elif ch == "/" and self._regex_allowed():
            tok = Token("regex", self.regex(), start, self.i)
        else:
            for p in PUNCTUATORS:
                if src.startswith(p, start):
                    # "?." followed by a digit is "?" then a number (a ? .5 : 1)
                    if p == "?." and start + 2 < n and src[start + 2].isdigit():
                        continue
                    self.i = start + len(p)
                    tok = Token("punct", p, start, self.i)
                    break
            else:
                raise self.error(f"unexpected character {ch!r}", start)
        if newline:
            tok = Token(tok.kind, tok.value, tok.pos, tok.end, True)
        return tok

    def _regex_allowed(self) -> bool:
        if not self.tokens:
            return True
        prev = self.tokens[-1]
        if prev.kind in ("num", "str", "template", "regex"):
            return False
        if prev.kind == "name":
            return prev.value in KEYWORDS and prev.value not in _DIVISION_AFTER_KEYWORDS
        return prev.value not in (")", "]", "}", "++", "--")

    def number(self) -> Token:
        src, n, start = self.src, len(self.src), self.i
        if src[start] == "0" and start + 1 < n and src[start + 1] in "xXoObB":
            base = {"x": 16, "o": 8, "b": 2}[src[start + 1].lower()]
            j = start + 2
            digits = []
            while j < n and (src[j].isalnum() or src[j] == "_"):
                digits.append(src[j])
                j += 1
            text = "".join(digits).replace("_", "")
            if text.endswith("n"):
                self.i = j
                return Token("num", ("bigint", text), start, j)
            try:
                value = float(int(text, base)) if text else None
            except ValueError:
                value = None
            if value is None:
                raise self.error("invalid number", start)
            self.i = j
            return Token("num", value, start, j)
        j = start
        while j < n and (src[j].isdigit() and src[j].isascii() or src[j] == "_"):
            j += 1
        intpart = src[start:j].replace("_", "")
        # legacy octal (sloppy mode): 017 == 15; 019 is decimal
        if len(intpart) > 1 and intpart[0] == "0" and (j >= n or src[j] not in ".eE"):
            if all(c in "01234567" for c in intpart):
                self.i = j
                self._check_after_number(j)
                return Token("num", float(int(intpart, 8)), start, j)
            self.i = j
            self._check_after_number(j)
            return Token("num", float(intpart), start, j)
        if j < n and src[j] == "n":
            self.i = j + 1
            return Token("num", ("bigint", intpart), start, j + 1)
        if j < n and src[j] == ".":
            j += 1
            while j < n and (src[j].isdigit() and src[j].isascii() or src[j] == "_"):
                j += 1
        if j < n and src[j] in "eE":
            k = j + 1
            if k < n and src[k] in "+-":
                k += 1
            if k < n and src[k].isdigit() and src[k].isascii():
                while k < n and src[k].isdigit() and src[k].isascii():
                    k += 1
                j = k
            else:
                raise self.error("invalid number", start)
        text = src[start:j].replace("_", "")
        self.i = j
        self._check_after_number(j)
        return Token("num", float(text), start, j)

    def _check_after_number(self, j: int) -> None:
        if j < len(self.src) and (_is_id_start(self.src[j]) or self.src[j].isdigit()):
            raise self.error("identifier directly after number", j)

    def _escape(self, j: int, quote_pos: int) -> tuple[str, int]:
        """Decode the escape sequence whose backslash is at j-1; returns (text, next offset)."""
        src, n = self.src, len(self.src)
        if j >= n:
            raise self.error("unterminated string", quote_pos)
        c = src[j]
        simple = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}
        if c in simple:
            return simple[c], j + 1
        if c == "\r":
            return "", j + 2 if src.startswith("\r\n", j) else j + 1
        if c in JS_LINE_TERMINATORS:
            return "", j + 1
        if c == "x":
            h = src[j + 1:j + 3]
            if len(h) == 2 and all(x in "0123456789abcdefABCDEF" for x in h):
                return chr(int(h, 16)), j + 3
            raise self.error("invalid hexadecimal escape", j - 1)
        if c == "u":
            if src.startswith("{", j + 1):
                end = src.find("}", j + 2)
                h = src[j + 2:end] if end > 0 else ""
                if h and all(x in "0123456789abcdefABCDEF" for x in h) and int(h, 16) <= 0x10FFFF:
                    return chr(int(h, 16)), end + 1
                raise self.error("invalid Unicode escape", j - 1)
            h = src[j + 1:j + 5]
            if len(h) == 4 and all(x in "0123456789abcdefABCDEF" for x in h):
                return chr(int(h, 16)), j + 5
            raise self.error("invalid Unicode escape", j - 1)
        if c in "01234567":
            # legacy octal escape (sloppy mode): up to 3 digits, value <= 255
            k = j
            while k < n and k < j + 3 and src[k] in "01234567" and int(src[j:k + 1], 8) <= 255:
                k += 1
            return chr(int(src[j:k], 8)), k
        return c, j + 1

    def string(self, quote: str) -> str:
        src, n, start = self.src, len(self.src), self.i
        j = start + 1
        out = []
        while True:
            if j >= n or src[j] in "\n\r":
                raise self.error("unterminated string", start)
            c = src[j]
            if c == quote:
                self.i = j + 1
                return "".join(out)
            if c == "\\":
                text, j = self._escape(j + 1, start)
                out.append(text)
            else:
                out.append(c)
                j += 1

    def template(self) -> tuple:
        """A template literal; returns ("template", cooked strings, substitution source spans).
        Substitutions are kept as source spans: the parser tokenizes them separately."""
        src, n, start = self.src, len(self.src), self.i
        j = start + 1
        quasis, subs, out = [], [], []
        while True:
            if j >= n:
                raise self.error("unterminated template literal", start)
            c = src[j]
            if c == "`":
                quasis.append("".join(out))
                self.i = j + 1
                return (tuple(quasis), tuple(subs))
            if c == "\\":
                text, j = self._escape(j + 1, start)
                out.append(text)
            elif c == "$" and src.startswith("${", j):
                quasis.append("".join(out))
                out = []
                depth, k = 1, j + 2
                inner = Tokenizer(src)
                inner.i = k
                while depth:
                    tok = inner.next_token()
                    inner.tokens.append(tok)
                    if tok.kind == "eof":
                        raise self.error("unterminated template literal", start)
                    if tok.kind == "punct" and tok.value == "{":
                        depth += 1
                    elif tok.kind == "punct" and tok.value == "}":
                        depth -= 1
                subs.append((k, tok.pos))
                j = tok.end
            else:
                out.append("\n" if c == "\r" else c)
                j += 2 if src.startswith("\r\n", j) else 1

    def identifier(self) -> str:
        src, n, start = self.src, len(self.src), self.i
        out = []
        j = start
        while j < n:
            c = src[j]
            if c == "\\":
                if not src.startswith("\\u", j):
                    raise self.error("invalid escape in identifier", j)
                text, j = self._escape(j + 1, start)
                out.append(text)
            elif _is_id_part(c) or (j == start and _is_id_start(c)):
                out.append(c)
                j += 1
            else:
                break
        self.i = j
        return "".join(out)

    def regex(self) -> tuple[str, str]:
        src, n, start = self.src, len(self.src), self.i
        j = start + 1
        in_class = False
        while True:
            if j >= n or src[j] in JS_LINE_TERMINATORS:
                raise self.error("unterminated regular expression", start)
            c = src[j]
            if c == "\\":
                j += 2
                continue
            if c == "[":
                in_class = True
            elif c == "]":
                in_class = False
            elif c == "/" and not in_class:
                break
            j += 1
        body = src[start + 1:j]
        j += 1
        k = j
        while k < n and _is_id_part(src[k]):
            k += 1
        self.i = k
        return (body, src[j:k])


def tokenize(source: str) -> list[Token]:
    """All tokens of `source`, ending with an "eof" token."""
    return Tokenizer(source).run()
