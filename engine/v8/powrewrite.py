"""Rewrite the `**` operator of a song into calls of a pow function.

V8 builds newer than Node 20 compute `x ** y` (and `Math.pow`) with another algorithm
than Node 20's fdlibm port, so the last bit can differ. `Math.pow` can be replaced at
run time; `**` is an operator, so the song's source is rewritten: `L ** R` becomes
`NAME(L, R)`, where L is the operator's left operand (an update/left-hand-side
expression) and R its right operand (a unary expression, or `**` chain). A call is a
left-hand-side expression, so it binds at least as tightly as the original operator.

The scanner knows the lexical grammar songs use (strings, template literals with
substitutions, regular expressions, comments); operand extents are found by bracket
matching. `x **= y` (identifier or dotted-name target) becomes `x = name(x, y)`; other
`**=` targets keep the native operator. `rewrite_pow` returns None when the code has no
`**` or when it cannot be rewritten safely; the caller also checks that the result compiles and
falls back to the original code otherwise.
"""
from __future__ import annotations

_PUNCT = sorted("""{ } ( ) [ ] ; , < > <= >= == != === !== + - * / % ** ++ -- << >> >>>
& | ^ ! ~ && || ?? ? ?. : = += -= *= /= %= **= <<= >>= >>>= &= |= ^= &&= ||= ??= => ... . #
""".split(), key=len, reverse=True)

_KEYWORDS = frozenset("""break case catch class const continue debugger default delete do else
export extends finally for function if import in instanceof new return switch throw try
typeof var void while with yield let static await of""".split())
# names after which an expression ends (a '/' is division, a '(' is a call)
_VALUE_NAMES = frozenset(("this", "super", "null", "true", "false"))
_UNARY_WORDS = frozenset(("typeof", "void", "delete", "await"))
_SPACE = set("\t\v\f \u00a0\ufeff\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
             "\u2008\u2009\u200a\u202f\u205f\u3000\n\r\u2028\u2029")


class _Fail(Exception):
    pass


def _is_id(ch: str) -> bool:
    return ch == "$" or ch == "_" or ch == "\\" or ch.isalnum() or ch in "\u200c\u200d" or \
        (ord(ch) > 127 and ("a" + ch).isidentifier())


def _tokens(src: str) -> list[tuple[str, str, int, int]]:
    """(kind, text, start, end); kinds: name num str tmpl regex punct. Template literals
    are split into 'tmpl' pieces with their substitutions tokenized in between."""
    out: list[tuple[str, str, int, int]] = []
    n = len(src)
    i = 0
    stack: list[int] = []  # brace depth at each open template substitution
    depth = 0

    def ends_value() -> bool:
        if not out:
            return False
        kind, text = out[-1][0], out[-1][1]
        if kind in ("num", "str", "regex"):
            return True
        if kind == "tmpl":
            return text.endswith("`")
        if kind == "name":
            return text not in _KEYWORDS or text in _VALUE_NAMES
        return text in (")", "]", "}", "++", "--")

    def template(i: int) -> int:
        # i is just after '`' or after the '}' closing a substitution; scan to '`' or '${'
        start = i - 1
        while i < n:
            c = src[i]
            if c == "\\":
                i += 2
                continue
            if c == "`":
                out.append(("tmpl", src[start:i + 1], start, i + 1))
                return i + 1
            if c == "$" and i + 1 < n and src[i + 1] == "{":
                out.append(("tmpl", src[start:i + 2], start, i + 2))
                stack.append(depth)
                return i + 2
            i += 1
        raise _Fail("unterminated template")

    while i < n:
        c = src[i]
        if c in _SPACE:
            i += 1
            continue
        if src.startswith("//", i):
            j = i + 2
            while j < n and src[j] not in "\n\r\u2028\u2029":
                j += 1
            i = j
            continue
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            if j < 0:
                raise _Fail("unterminated comment")
            i = j + 2
            continue
        if c == "`":
            i = template(i + 1)
            continue
        if c in "'\"":
            j = i + 1
            while j < n and src[j] != c:
                if src[j] == "\\":
                    j += 1
                elif src[j] in "\n\r":
                    raise _Fail("unterminated string")
                j += 1
            if j >= n:
                raise _Fail("unterminated string")
            out.append(("str", src[i:j + 1], i, j + 1))
            i = j + 1
            continue
        if c.isdigit() or (c == "." and i + 1 < n and src[i + 1].isdigit()):
            j = i + 1
            while j < n:
                d = src[j]
                if d.isalnum() or d == "_" or d == ".":
                    j += 1
                elif d in "+-" and src[j - 1] in "eE" and not src[i:j].lower().startswith("0x"):
                    j += 1
                else:
                    break
            out.append(("num", src[i:j], i, j))
            i = j
            continue
        if _is_id(c) or c == "#":
            j = i + 1
            while j < n and _is_id(src[j]):
                if src[j] == "\\":
                    j += 1
                j += 1
            out.append(("name", src[i:j], i, j))
            i = j
            continue
        if c == "/" and not ends_value():
            j = i + 1
            in_class = False
            while j < n:
                d = src[j]
                if d == "\\":
                    j += 2
                    continue
                if d in "\n\r":
                    raise _Fail("unterminated regex")
                if d == "[":
                    in_class = True
                elif d == "]":
                    in_class = False
                elif d == "/" and not in_class:
                    break
                j += 1
            if j >= n:
                raise _Fail("unterminated regex")
            j += 1
            while j < n and _is_id(src[j]):
                j += 1
            out.append(("regex", src[i:j], i, j))
            i = j
            continue
        for p in _PUNCT:
            if src.startswith(p, i):
                break
        else:
            raise _Fail(f"unexpected character {c!r}")
        if p == "?." and i + 2 < n and src[i + 2].isdigit():
            p = "?"
        if p == "{":
            depth += 1
        elif p == "}":
            if stack and stack[-1] == depth:
                stack.pop()
                i = template(i + 1)
                continue
            depth -= 1
        out.append(("punct", p, i, i + len(p)))
        i += len(p)
    if stack:
        raise _Fail("unterminated template")
    return out


_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")": "(", "]": "[", "}": "{"}


def _is_open(tok) -> str | None:
    if tok[0] == "punct" and tok[1] in _OPEN:
        return tok[1]
    if tok[0] == "tmpl" and tok[1].endswith("${"):
        return "${"
    return None


def _is_close(tok) -> str | None:
    if tok[0] == "punct" and tok[1] in _CLOSE:
        return tok[1]
    if tok[0] == "tmpl" and not tok[1].startswith("`"):
        return "}"  # '}...' piece closes a substitution (and may open another)
    return None


def _match_forward(toks, k: int) -> int:
    """k is an opening token (punct ( [ { or a template piece ending with '${');
    returns the index of the token that closes it."""
    level = 1
    for j in range(k + 1, len(toks)):
        t = toks[j]
        if t[0] == "tmpl":
            s = t[1]
            if not s.startswith("`"):  # '}...': closes a substitution
                level -= 1
                if level == 0:
                    return j
            if s.endswith("${"):
                level += 1
            continue
        if t[0] == "punct":
            if t[1] in _OPEN:
                level += 1
            elif t[1] in _CLOSE:
                level -= 1
                if level == 0:
                    return j
    raise _Fail("unbalanced")


def _match_backward(toks, k: int) -> int:
    """k is a closing punct token ) ] }; returns the index of its opening token."""
    level = 0
    for j in range(k, -1, -1):
        t = toks[j]
        if t[0] == "tmpl":
            # a template piece: '`...${' opens, '}...`' closes, '}...${' both
            if not t[1].startswith("`"):
                level += 1
            if t[1].endswith("${"):
                level -= 1
            continue
        if t[0] == "punct":
            if t[1] in _CLOSE:
                level += 1
            elif t[1] in _OPEN:
                level -= 1
                if level == 0:
                    return j
    raise _Fail("unbalanced")


def _template_start(toks, k: int) -> int:
    """k is the last piece of a template (ends with '`'); returns its first piece."""
    if toks[k][1].startswith("`"):
        return k
    level = 0
    for j in range(k, -1, -1):
        t = toks[j]
        if t[0] == "tmpl":
            if not t[1].startswith("`"):
                level += 1
            if t[1].endswith("${"):
                level -= 1
            if t[1].startswith("`") and level == 0:
                return j
        elif t[0] == "punct":
            if t[1] in _CLOSE:
                level += 1
            elif t[1] in _OPEN:
                level -= 1
    raise _Fail("unbalanced template")


def _template_end(toks, k: int) -> int:
    """k is the first piece of a template (starts with '`'); returns its last piece."""
    j = k
    while not (toks[j][1].endswith("`") and (j != k or len(toks[j][1]) > 1)):
        if toks[j][1].endswith("${"):
            j = _match_forward(toks, j)
        else:
            j += 1
        if j >= len(toks):
            raise _Fail("unbalanced template")
    return j


def _ends_expression(tok) -> bool:
    kind, text = tok[0], tok[1]
    if kind in ("num", "str", "regex"):
        return True
    if kind == "tmpl":
        return text.endswith("`")
    if kind == "name":
        return text not in _KEYWORDS or text in _VALUE_NAMES
    return text in (")", "]", "}")


def _left_start(toks, k: int) -> int:
    """Index of the first token of the left operand of the `**` at k."""
    j = k - 1
    if j < 0:
        raise _Fail("no left operand")
    if toks[j][0] == "punct" and toks[j][1] in ("++", "--"):
        j -= 1
    while True:
        if j < 0:
            raise _Fail("no left operand")
        t = toks[j]
        if t[0] == "punct" and t[1] in (")", "]"):
            o = _match_backward(toks, j)
            if o > 0 and _ends_expression(toks[o - 1]) or (o > 0 and toks[o - 1][1] == "?."):
                j = o - 1
                if toks[j][1] == "?.":
                    j -= 1
                continue
            start = o
        elif t[0] == "punct" and t[1] == "}":
            start = _match_backward(toks, j)
        elif t[0] == "tmpl":
            if not t[1].endswith("`"):
                raise _Fail("template piece")
            o = _template_start(toks, j)
            if o > 0 and _ends_expression(toks[o - 1]):
                j = o - 1  # tagged template
                continue
            start = o
        elif t[0] == "name":
            if t[1] in _KEYWORDS and t[1] not in _VALUE_NAMES:
                raise _Fail(f"keyword {t[1]} before **")
            start = j
            if j > 0 and toks[j - 1][0] == "punct" and toks[j - 1][1] in (".", "?."):
                j -= 2
                continue
        elif t[0] in ("num", "str", "regex"):
            start = j
        else:
            raise _Fail(f"unexpected {t[1]!r} before **")
        # `new X` (without arguments) is a member expression too
        while start > 0 and toks[start - 1][0] == "name" and toks[start - 1][1] == "new":
            start -= 1
        # prefix update expression: `++v ** x`
        if start > 0 and toks[start - 1][0] == "punct" and toks[start - 1][1] in ("++", "--") \
                and not (start > 1 and _ends_expression(toks[start - 2])):
            start -= 1
        if start > 0 and toks[start - 1][0] == "punct" and toks[start - 1][1] in (".", "?."):
            raise _Fail("member chain")
        return start


def _right_end(toks, k: int) -> int:
    """Index of the last token of the right operand of the `**` at k."""
    j = k + 1
    n = len(toks)
    while j < n and ((toks[j][0] == "punct" and toks[j][1] in ("-", "+", "!", "~", "++", "--"))
                     or (toks[j][0] == "name" and toks[j][1] in _UNARY_WORDS)):
        j += 1
    while j < n and toks[j][0] == "name" and toks[j][1] == "new":
        j += 1
    if j >= n:
        raise _Fail("no right operand")
    t = toks[j]
    if t[0] == "punct" and t[1] in _OPEN:
        end = _match_forward(toks, j)
    elif t[0] == "tmpl":
        end = _template_end(toks, j)
    elif t[0] == "name":
        if t[1] == "function" or t[1] == "class" or t[1] == "async":
            raise _Fail("function operand")
        if t[1] in _KEYWORDS and t[1] not in _VALUE_NAMES:
            raise _Fail(f"keyword {t[1]} after **")
        end = j
    elif t[0] in ("num", "str", "regex"):
        end = j
    else:
        raise _Fail(f"unexpected {t[1]!r} after **")
    # trailers: .name ?.x [..] (..) `tagged` and postfix ++/--
    while end + 1 < n:
        u = toks[end + 1]
        if u[0] == "punct" and u[1] in (".", "?."):
            if end + 2 >= n:
                raise _Fail("dangling dot")
            v = toks[end + 2]
            if v[0] == "name":
                end += 2
            elif u[1] == "?." and v[0] == "punct" and v[1] in ("(", "["):
                end = _match_forward(toks, end + 2)
            else:
                raise _Fail("bad member")
        elif u[0] == "punct" and u[1] in ("(", "["):
            end = _match_forward(toks, end + 1)
        elif u[0] == "tmpl" and u[1].startswith("`"):
            end = _template_end(toks, end + 1)
        elif u[0] == "punct" and u[1] in ("++", "--"):
            end += 1
            break
        else:
            break
    if end + 1 < n and toks[end + 1][0] == "punct" and toks[end + 1][1] == "=>":
        raise _Fail("arrow")
    if end + 1 < n and toks[end + 1][0] == "punct" and toks[end + 1][1] == "**":
        return _right_end(toks, end + 1)  # right-associative: a ** (b ** c)
    return end


_CONST_PUNCT = frozenset(("(", ")", "+", "-", "*", "/", "%"))


def _assign_target_start(toks, k: int) -> int:
    """`x **= y` and `a.b.c **= y` only (re-reading the target has no side effects)."""
    j = k - 1
    if j < 0 or toks[j][0] != "name" or (toks[j][1] in _KEYWORDS and toks[j][1] not in _VALUE_NAMES):
        raise _Fail("target")
    while j >= 2 and toks[j - 1][0] == "punct" and toks[j - 1][1] == "." and toks[j - 2][0] == "name":
        j -= 2
    if j > 0 and toks[j - 1][0] == "punct" and toks[j - 1][1] in (".", "?.", "]", ")"):
        raise _Fail("complex target")
    return j


def _assign_rhs_end(toks, k: int) -> int:
    """Last token of the AssignmentExpression after the operator at k."""
    j = k + 1
    n = len(toks)
    cond = 0
    last = None
    while j < n:
        t = toks[j]
        if t[0] == "punct":
            if t[1] in _OPEN:
                j = _match_forward(toks, j)
                last = j
                j += 1
                continue
            if t[1] in _CLOSE or t[1] in (",", ";"):
                break
            if t[1] == "?":
                cond += 1
            elif t[1] == ":":
                if cond == 0:
                    break
                cond -= 1
        elif t[0] == "tmpl":
            if not t[1].startswith("`"):
                break  # closes the substitution we are in
            j = _template_end(toks, j)
            last = j
            j += 1
            continue
        last = j
        j += 1
    if last is None:
        raise _Fail("no right-hand side")
    return last


def _is_const_span(toks, a: int, b: int) -> bool:
    """Only number literals, parentheses and + - * / %: V8 folds such operands."""
    for t in toks[a:b + 1]:
        if t[0] == "num":
            if t[1].endswith("n"):
                return False
        elif not (t[0] == "punct" and t[1] in _CONST_PUNCT):
            return False
    return True


def plan_pow(code: str):
    """Find every `**` and its operands. Returns (tokens, [(a, k, b, const)]) with token
    indices of the left operand's first token, the operator and the right operand's last
    token (const: both operands are literal arithmetic), or None when nothing is to be
    rewritten or the scanner is not sure."""
    if "**" not in code:
        return None
    try:
        toks = _tokens(code)
    except _Fail:
        return None
    items = []
    for k, t in enumerate(toks):
        if t[0] == "punct" and t[1] == "**=":
            try:
                a = _assign_target_start(toks, k)
                b = _assign_rhs_end(toks, k)
            except (_Fail, IndexError):
                continue  # e.g. `a[i++] **= 2`: this one keeps the native operator
            items.append((a, k, b, "assign"))
            continue
        if t[0] == "punct" and t[1] == "**":
            try:
                a = _left_start(toks, k)
                b = _right_end(toks, k)
            except (_Fail, IndexError):
                return None
            const = _is_const_span(toks, a, k - 1) and _is_const_span(toks, k + 1, b)
            items.append((a, k, b, const))
    if any(it[3] == "assign" for it in items):
        # an assignment's span must not cut through another operator's operand
        for a, k, b, kind in items:
            if kind != "assign":
                continue
            for a2, k2, b2, _ in items:
                if (a2, k2, b2) != (a, k, b) and (a <= a2 <= b < b2 or a2 < a <= b2 < b):
                    return None
    if not items:
        return None
    return toks, items


def const_operands(code: str, plan) -> list[tuple[str, str]]:
    """Source text of the operands of the constant `**` of a plan (in plan order)."""
    toks, items = plan
    return [(code[toks[a][2]:toks[k - 1][3]], code[toks[k + 1][2]:toks[b][3]])
            for a, k, b, const in items if const is True]


def apply_plan(code: str, plan, name: str, folded: list[str] | None = None) -> str:
    """`L ** R` -> `name(L, R)`; constant ones -> the literal from `folded` (V8 folds
    them at parse time with the same pow as at run time)."""
    toks, items = plan
    folded = list(folded or [])
    consts = [it for it in items if it[3] is True]
    fold_of = {}
    if folded and len(folded) == len(consts):
        # a constant `**` nested inside another constant one cannot occur (its tokens
        # would not be plain literals), so each is replaced on its own
        for it, lit in zip(consts, folded):
            fold_of[it[1]] = lit
    before: dict[int, list[str]] = {}
    after: dict[int, list[str]] = {}
    replace: dict[int, str] = {}
    skip: set[int] = set()
    for a, k, b, const in items:
        if const == "assign":
            target = code[toks[a][2]:toks[k - 1][3]]
            replace[k] = f"= {name}({target}, "
            after.setdefault(b, []).append(")")
            continue
        if k in fold_of:
            replace[a] = fold_of[k]
            skip.update(range(a + 1, b + 1))
            continue
        before.setdefault(a, []).append(f"{name}(")
        replace[k] = ", "
        after.setdefault(b, []).append(")")
    out = []
    pos = 0
    for i, t in enumerate(toks):
        if i in skip:
            out.extend(after.get(i, ()))
            pos = t[3]
            continue
        out.append(code[pos:t[2]])
        out.extend(before.get(i, ()))
        out.append(replace.get(i, code[t[2]:t[3]]))
        out.extend(after.get(i, ()))
        pos = t[3]
    out.append(code[pos:])
    return "".join(out)


def count_pow_operators(code: str) -> int:
    """How many `**` / `**=` operators the code has (-1 if it cannot be scanned)."""
    try:
        return sum(1 for t in _tokens(code) if t[0] == "punct" and t[1] in ("**", "**="))
    except _Fail:
        return -1


def rewrite_pow(code: str, name: str) -> str | None:
    """`code` with every `a ** b` turned into `name(a, b)` (no folding), or None."""
    plan = plan_pow(code)
    if plan is None:
        return None
    return apply_plan(code, plan, name)
