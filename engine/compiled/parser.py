"""Stage 2: tokens -> AST.

The AST is a tree of small frozen dataclasses; every node carries `pos`, the source
offset where it starts (binary operators and assignments also carry `op_pos`, the
offset of the operator). The grammar is ECMAScript's expression grammar with its
precedence and associativity, plus the statements that function bodies use.
Nesting is bounded (SongLimitError) so that no stage hits Python's recursion limit.
"""
from __future__ import annotations

import dataclasses
import sys
from contextlib import contextmanager
from dataclasses import dataclass

from engine.errors import SongLimitError, SongSyntaxError, SourcePosition
from engine.compiled.tokenizer import Token, Tokenizer

MAX_CODE_LENGTH = 64 * 1024
MAX_NESTING = 200        # parser nesting (parentheses, unary chains, calls, ...)
MAX_TREE_DEPTH = 1000    # depth of the finished tree (long left-assoc chains)


# ---------------------------------------------------------------- nodes

@dataclass(frozen=True, slots=True, eq=False)
class Node:
    pos: int


@dataclass(frozen=True, slots=True, eq=False)
class Num(Node):
    value: float


@dataclass(frozen=True, slots=True, eq=False)
class BigIntLit(Node):
    text: str


@dataclass(frozen=True, slots=True, eq=False)
class Str(Node):
    value: str


@dataclass(frozen=True, slots=True, eq=False)
class Template(Node):
    quasis: tuple
    exprs: tuple


@dataclass(frozen=True, slots=True, eq=False)
class Regex(Node):
    body: str
    flags: str


@dataclass(frozen=True, slots=True, eq=False)
class Ident(Node):
    name: str


@dataclass(frozen=True, slots=True, eq=False)
class Literal(Node):
    """true, false, null"""
    value: object


@dataclass(frozen=True, slots=True, eq=False)
class This(Node):
    pass


@dataclass(frozen=True, slots=True, eq=False)
class ArrayLit(Node):
    elements: tuple          # Node | Spread | None (hole)


@dataclass(frozen=True, slots=True, eq=False)
class ObjectLit(Node):
    props: tuple             # (key node or str, value node) pairs; raw


@dataclass(frozen=True, slots=True, eq=False)
class Spread(Node):
    arg: Node


@dataclass(frozen=True, slots=True, eq=False)
class Param(Node):
    target: Node             # Ident, or a destructuring pattern (ArrayLit/ObjectLit)
    default: Node | None
    rest: bool


@dataclass(frozen=True, slots=True, eq=False)
class Func(Node):
    name: str | None
    params: tuple            # Param
    body: object             # Node (expression body) or tuple of statements
    arrow: bool
    expression_body: bool
    is_async: bool = False
    generator: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class ClassExpr(Node):
    name: str | None


@dataclass(frozen=True, slots=True, eq=False)
class Unary(Node):
    op: str                  # - + ! ~ typeof void delete await
    arg: Node


@dataclass(frozen=True, slots=True, eq=False)
class Update(Node):
    op: str                  # ++ --
    prefix: bool
    target: Node


@dataclass(frozen=True, slots=True, eq=False)
class Binary(Node):
    op: str
    left: Node
    right: Node
    op_pos: int


@dataclass(frozen=True, slots=True, eq=False)
class Logical(Node):
    op: str                  # && || ??
    left: Node
    right: Node
    op_pos: int


@dataclass(frozen=True, slots=True, eq=False)
class Conditional(Node):
    test: Node
    cons: Node
    alt: Node


@dataclass(frozen=True, slots=True, eq=False)
class Assign(Node):
    op: str                  # = += -= ... ??=
    target: Node
    value: Node
    op_pos: int


@dataclass(frozen=True, slots=True, eq=False)
class Sequence(Node):
    exprs: tuple


@dataclass(frozen=True, slots=True, eq=False)
class Member(Node):
    obj: Node
    prop: str
    optional: bool
    prop_pos: int


@dataclass(frozen=True, slots=True, eq=False)
class Index(Node):
    obj: Node
    index: Node
    optional: bool


@dataclass(frozen=True, slots=True, eq=False)
class Call(Node):
    callee: Node
    args: tuple
    optional: bool


@dataclass(frozen=True, slots=True, eq=False)
class New(Node):
    callee: Node
    args: tuple


# statements

@dataclass(frozen=True, slots=True, eq=False)
class ExprStmt(Node):
    expr: Node


@dataclass(frozen=True, slots=True, eq=False)
class VarDecl(Node):
    kind: str                # var let const
    decls: tuple             # (target node, init node | None)


@dataclass(frozen=True, slots=True, eq=False)
class Return(Node):
    arg: Node | None


@dataclass(frozen=True, slots=True, eq=False)
class If(Node):
    test: Node
    cons: Node
    alt: Node | None


@dataclass(frozen=True, slots=True, eq=False)
class For(Node):
    init: Node | None
    test: Node | None
    update: Node | None
    body: Node


@dataclass(frozen=True, slots=True, eq=False)
class ForInOf(Node):
    kind: str                # in | of
    left: Node
    right: Node
    body: Node


@dataclass(frozen=True, slots=True, eq=False)
class While(Node):
    test: Node
    body: Node


@dataclass(frozen=True, slots=True, eq=False)
class DoWhile(Node):
    body: Node
    test: Node


@dataclass(frozen=True, slots=True, eq=False)
class Block(Node):
    body: tuple


@dataclass(frozen=True, slots=True, eq=False)
class Throw(Node):
    arg: Node


@dataclass(frozen=True, slots=True, eq=False)
class Switch(Node):
    disc: Node
    cases: tuple             # Case, in source order


@dataclass(frozen=True, slots=True, eq=False)
class Case(Node):
    test: Node | None        # None: `default:`
    body: tuple              # statements


@dataclass(frozen=True, slots=True, eq=False)
class Jump(Node):
    kind: str                # break | continue
    label: str | None


@dataclass(frozen=True, slots=True, eq=False)
class Empty(Node):
    pass


@dataclass(frozen=True, slots=True, eq=False)
class Unsupported(Node):
    """A statement the parser skips over but no later stage handles (switch, try...)."""
    construct: str


@dataclass(frozen=True, slots=True, eq=False)
class FuncDecl(Node):
    func: Func


def children(node) -> list:
    """Direct child nodes of a node (for generic walks)."""
    out = []
    for name in node.__slots__:
        value = getattr(node, name)
        if isinstance(value, Node):
            out.append(value)
        elif isinstance(value, tuple):
            for v in value:
                if isinstance(v, Node):
                    out.append(v)
                elif isinstance(v, tuple):
                    out.extend(x for x in v if isinstance(x, Node))
    return out


def walk(node):
    """Every node of the tree, pre-order, without recursion."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))


def map_children(node, fn):
    """The node with `fn` applied to each direct child node (the same node if none changes),
    for stages that rewrite the tree before analysis."""
    changes = {}
    for name in node.__slots__:
        value = getattr(node, name)
        if isinstance(value, Node):
            new = fn(value)
        elif isinstance(value, tuple):
            new = tuple(fn(v) if isinstance(v, Node) else
                        tuple(fn(x) if isinstance(x, Node) else x for x in v) if isinstance(v, tuple) else v
                        for v in value)
            if all(a is b or isinstance(a, tuple) and all(x is y for x, y in zip(a, b))
                   for a, b in zip(new, value)):
                new = value
        else:
            continue
        if new is not value:
            changes[name] = new
    return dataclasses.replace(node, **changes) if changes else node


def tree_depth(node) -> int:
    depth = 0
    stack = [(node, 1)]
    while stack:
        n, d = stack.pop()
        depth = max(depth, d)
        stack.extend((c, d + 1) for c in children(n))
    return depth


@contextmanager
def deep_recursion(limit: int = 20000):
    """Raise the recursion limit while a stage walks a (bounded) deep tree."""
    old = sys.getrecursionlimit()
    if old < limit:
        sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        if old < limit:
            sys.setrecursionlimit(old)


# ---------------------------------------------------------------- parser

BINARY_PRECEDENCE = {
    "??": 1,
    "||": 2, "&&": 3, "|": 4, "^": 5, "&": 6,
    "==": 7, "!=": 7, "===": 7, "!==": 7,
    "<": 8, ">": 8, "<=": 8, ">=": 8, "instanceof": 8, "in": 8,
    "<<": 9, ">>": 9, ">>>": 9,
    "+": 10, "-": 10,
    "*": 11, "/": 11, "%": 11,
    "**": 12,
}
ASSIGN_OPS = frozenset("= += -= *= /= %= **= <<= >>= >>>= &= |= ^= &&= ||= ??=".split())


class Parser:
    def __init__(self, source: str):
        if len(source) > MAX_CODE_LENGTH:
            raise SongLimitError(
                f"code too long: {len(source)} characters, the limit is {MAX_CODE_LENGTH}")
        self.src = source
        self.toks: list[Token] = Tokenizer(source).run()
        self.k = 0
        self.depth = 0
        self.parenthesized: set[int] = set()   # ids of nodes written inside ( )

    # -- helpers
    @property
    def tok(self) -> Token:
        return self.toks[self.k]

    def peek(self, n: int = 1) -> Token:
        return self.toks[min(self.k + n, len(self.toks) - 1)]

    def error(self, what: str, offset: int) -> SongSyntaxError:
        return SongSyntaxError(what, SourcePosition.at(self.src, offset))

    def unexpected(self, tok: Token | None = None) -> SongSyntaxError:
        tok = tok or self.tok
        if tok.kind == "eof":
            return self.error("unexpected end of input", tok.pos)
        text = self.src[tok.pos:tok.end]
        if len(text) > 20:
            text = text[:20] + "..."
        return self.error(f"unexpected {text!r}", tok.pos)

    def is_p(self, value: str) -> bool:
        t = self.tok
        return t.kind == "punct" and t.value == value

    def is_name(self, value: str) -> bool:
        t = self.tok
        return t.kind == "name" and t.value == value

    def eat(self, value: str) -> bool:
        if self.is_p(value):
            self.k += 1
            return True
        return False

    def expect(self, value: str) -> Token:
        if not self.is_p(value):
            raise self.unexpected()
        t = self.tok
        self.k += 1
        return t

    @contextmanager
    def nest(self):
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise SongLimitError(
                f"code nested too deeply at {SourcePosition.at(self.src, self.tok.pos)}: "
                f"more than {MAX_NESTING} levels")
        try:
            yield
        finally:
            self.depth -= 1

    # -- entry points
    def parse_song_expression(self) -> tuple[Node, tuple]:
        """The player compiles `return 0,\\n CODE;` as a function body: CODE is one
        expression, optionally followed (after ';' or a line break) by statements that
        are never reached except for hoisting (function declarations, var)."""
        expr = self.parse_expression()
        rest = []
        if self.tok.kind != "eof":
            if not self.eat(";") and not self.tok.newline_before:
                raise self.unexpected()
            while self.tok.kind != "eof":
                rest.append(self.parse_statement())
        return expr, tuple(rest)

    def parse_function_body(self) -> tuple:
        body = []
        while self.tok.kind != "eof":
            body.append(self.parse_statement())
        return tuple(body)

    # -- expressions
    def parse_expression(self) -> Node:
        start = self.tok.pos
        first = self.parse_assign()
        if not self.is_p(","):
            return first
        exprs = [first]
        while self.eat(","):
            exprs.append(self.parse_assign())
        return Sequence(start, tuple(exprs))

    def parse_assign(self) -> Node:
        with self.nest():
            arrow = self.try_arrow()
            if arrow is not None:
                return arrow
            start = self.tok.pos
            left = self.parse_conditional()
            t = self.tok
            if t.kind == "punct" and t.value in ASSIGN_OPS:
                if not isinstance(left, (Ident, Member, Index)) and not (
                        t.value == "=" and isinstance(left, (ArrayLit, ObjectLit))):
                    raise self.error("invalid assignment target", left.pos)
                self.k += 1
                value = self.parse_assign()
                return Assign(start, t.value, left, value, t.pos)
            return left

    def try_arrow(self) -> Func | None:
        """Arrow functions: `x => ...`, `(a, b = 1, ...r) => ...`, `async x => ...`."""
        t = self.tok
        is_async = False
        k0 = self.k
        if t.kind == "name" and t.value == "async" and not self.peek().newline_before and (
                (self.peek().kind == "name" and self.peek(2).kind == "punct" and self.peek(2).value == "=>")
                or (self.peek().kind == "punct" and self.peek().value == "(")):
            is_async = True
            self.k += 1
            t = self.tok
        if t.kind == "name" and t.value not in ("function", "this", "true", "false", "null") \
                and self.peek().kind == "punct" and self.peek().value == "=>":
            if self.peek().newline_before:
                raise self.unexpected(self.peek())
            self.k += 2
            params = (Param(t.pos, Ident(t.pos, t.value), None, False),)
            return self.arrow_body(t.pos if not is_async else self.toks[k0].pos, params, is_async)
        if t.kind == "punct" and t.value == "(":
            # find the matching ')' and check for '=>'
            depth, j = 0, self.k
            while True:
                tj = self.toks[j]
                if tj.kind == "eof":
                    break
                if tj.kind == "punct" and tj.value in ("(", "[", "{"):
                    depth += 1
                elif tj.kind == "punct" and tj.value in (")", "]", "}"):
                    depth -= 1
                    if depth == 0:
                        break
                elif tj.kind == "template" or tj.kind == "regex":
                    pass
                j += 1
            after = self.toks[min(j + 1, len(self.toks) - 1)]
            if after.kind == "punct" and after.value == "=>" and not after.newline_before:
                start = self.toks[k0].pos
                self.k += 1
                params = self.parse_params(")")
                self.expect("=>")
                return self.arrow_body(start, params, is_async)
        self.k = k0
        return None

    def parse_params(self, close: str) -> tuple:
        params = []
        while not self.eat(close):
            p = self.tok.pos
            rest = self.eat("...")
            target = self.parse_binding_target()
            default = None
            if self.eat("="):
                default = self.parse_assign()
            params.append(Param(p, target, default, rest))
            if not self.is_p(close):
                self.expect(",")
        return tuple(params)

    def parse_binding_target(self) -> Node:
        t = self.tok
        if t.kind == "name" and t.value not in ("this", "true", "false", "null", "function"):
            self.k += 1
            return Ident(t.pos, t.value)
        if t.kind == "punct" and t.value in ("[", "{"):
            return self.parse_primary()
        raise self.unexpected()

    def arrow_body(self, start: int, params: tuple, is_async: bool) -> Func:
        if self.is_p("{"):
            body = self.parse_block_body()
            return Func(start, None, params, body, True, False, is_async)
        body = self.parse_assign()
        return Func(start, None, params, body, True, True, is_async)

    def parse_block_body(self) -> tuple:
        self.expect("{")
        body = []
        while not self.eat("}"):
            if self.tok.kind == "eof":
                raise self.unexpected()
            body.append(self.parse_statement())
        return tuple(body)

    def parse_conditional(self) -> Node:
        start = self.tok.pos
        test = self.parse_binary(0)
        if not self.is_p("?"):
            return test
        self.k += 1
        cons = self.parse_assign()
        self.expect(":")
        alt = self.parse_assign()
        return Conditional(start, test, cons, alt)

    def _binary_op(self, no_in: bool = False) -> str | None:
        t = self.tok
        if t.kind == "punct" and t.value in BINARY_PRECEDENCE:
            return t.value
        if t.kind == "name" and t.value in ("instanceof", "in"):
            return t.value
        return None

    def parse_binary(self, min_prec: int) -> Node:
        start = self.tok.pos
        left = self.parse_unary()
        while True:
            op = self._binary_op()
            if op is None:
                return left
            prec = BINARY_PRECEDENCE[op]
            if prec <= min_prec:
                return left
            if op == "**" and isinstance(left, Unary) and id(left) not in self.parenthesized:
                raise self.error("unary operator before '**' needs parentheses", self.tok.pos)
            op_tok = self.tok
            self.k += 1
            with self.nest():
                # ** is right-associative: parse its right side at one level lower
                right = self.parse_binary(prec - 1 if op == "**" else prec)
            if op in ("&&", "||", "??"):
                self._check_nullish_mix(op, left, right, op_tok)
                left = Logical(start, op, left, right, op_tok.pos)
            elif op == "+" and isinstance(left, Str) and isinstance(right, Str):
                left = Str(start, left.value + right.value)   # "ab" + "cd": the same string value
            else:
                left = Binary(start, op, left, right, op_tok.pos)

    def _check_nullish_mix(self, op, left, right, tok):
        # `a ?? b || c` and `a || b ?? c` are syntax errors without parentheses
        for side in (left, right):
            if isinstance(side, Logical) and id(side) not in self.parenthesized and (
                    (op == "??") != (side.op == "??")):
                raise self.error(f"cannot mix '??' with '{side.op if op == '??' else op}' without parentheses",
                                 tok.pos)

    def parse_unary(self) -> Node:
        t = self.tok
        if t.kind == "punct" and t.value in ("-", "+", "!", "~"):
            self.k += 1
            with self.nest():
                arg = self.parse_unary()
            return Unary(t.pos, t.value, arg)
        if t.kind == "punct" and t.value in ("++", "--"):
            self.k += 1
            with self.nest():
                arg = self.parse_unary()
            if not isinstance(arg, (Ident, Member, Index)):
                raise self.error(f"invalid operand for '{t.value}'", arg.pos)
            return Update(t.pos, t.value, True, arg)
        if t.kind == "name" and t.value in ("typeof", "void", "delete", "await"):
            self.k += 1
            with self.nest():
                arg = self.parse_unary()
            return Unary(t.pos, t.value, arg)
        expr = self.parse_postfix()
        return expr

    def parse_postfix(self) -> Node:
        expr = self.parse_call()
        t = self.tok
        if t.kind == "punct" and t.value in ("++", "--") and not t.newline_before:
            if not isinstance(expr, (Ident, Member, Index)):
                raise self.error(f"invalid operand for '{t.value}'", expr.pos)
            self.k += 1
            return Update(expr.pos, t.value, False, expr)
        return expr

    def parse_call(self) -> Node:
        start = self.tok.pos
        if self.is_name("new"):
            self.k += 1
            with self.nest():
                if self.is_p("."):   # new.target
                    raise self.unexpected()
                callee = self.parse_member_only()
                args = self.parse_args() if self.is_p("(") else ()
            expr = New(start, callee, args)
        else:
            expr = self.parse_primary()
        return self.parse_suffixes(expr, start, allow_call=True)

    def parse_member_only(self) -> Node:
        start = self.tok.pos
        if self.is_name("new"):
            return self.parse_call()
        expr = self.parse_primary()
        return self.parse_suffixes(expr, start, allow_call=False)

    def parse_suffixes(self, expr: Node, start: int, allow_call: bool) -> Node:
        chain = 0
        while True:
            t = self.tok
            if t.kind != "punct" and t.kind != "template":
                return expr
            chain += 1
            if chain > MAX_NESTING * 4:
                raise SongLimitError("chain of member accesses and calls too long")
            if t.kind == "template":
                self.k += 1
                expr = Call(start, expr, (self.template_node(t),), False)  # tagged template
                continue
            if t.value == ".":
                self.k += 1
                name = self.tok
                if name.kind != "name":
                    raise self.unexpected()
                self.k += 1
                expr = Member(start, expr, name.value, False, name.pos)
            elif t.value == "?.":
                if not allow_call:
                    return expr
                self.k += 1
                if self.is_p("("):
                    expr = Call(start, expr, self.parse_args(), True)
                elif self.eat("["):
                    with self.nest():
                        index = self.parse_expression()
                    self.expect("]")
                    expr = Index(start, expr, index, True)
                else:
                    name = self.tok
                    if name.kind != "name":
                        raise self.unexpected()
                    self.k += 1
                    expr = Member(start, expr, name.value, True, name.pos)
            elif t.value == "[":
                self.k += 1
                with self.nest():
                    index = self.parse_expression()
                self.expect("]")
                expr = Index(start, expr, index, False)
            elif t.value == "(" and allow_call:
                with self.nest():
                    expr = Call(start, expr, self.parse_args(), False)
            else:
                return expr

    def parse_args(self) -> tuple:
        self.expect("(")
        args = []
        while not self.eat(")"):
            if self.is_p("..."):
                p = self.tok.pos
                self.k += 1
                args.append(Spread(p, self.parse_assign()))
            else:
                args.append(self.parse_assign())
            if not self.is_p(")"):
                self.expect(",")
        return tuple(args)

    def template_node(self, t: Token) -> Template:
        quasis, spans = t.value
        exprs = []
        for a, b in spans:
            sub = Parser.__new__(Parser)
            sub.src = self.src
            # re-tokenize the substitution text in place (offsets stay those of the song)
            tz = Tokenizer(self.src[:b])
            tz.i = a
            toks = []
            while True:
                tok = tz.next_token()
                tz.tokens.append(tok)
                toks.append(tok)
                if tok.kind == "eof":
                    break
            sub.toks = toks
            sub.k = 0
            sub.depth = self.depth
            sub.parenthesized = self.parenthesized
            e = sub.parse_expression()
            if sub.tok.kind != "eof":
                raise sub.unexpected()
            exprs.append(e)
        return Template(t.pos, quasis, tuple(exprs))

    def parse_primary(self) -> Node:
        t = self.tok
        k = t.kind
        if k == "num":
            self.k += 1
            if isinstance(t.value, tuple):
                return BigIntLit(t.pos, t.value[1])
            return Num(t.pos, t.value)
        if k == "str":
            self.k += 1
            return Str(t.pos, t.value)
        if k == "template":
            self.k += 1
            return self.template_node(t)
        if k == "regex":
            self.k += 1
            return Regex(t.pos, *t.value)
        if k == "name":
            v = t.value
            if v == "function" or (v == "async" and self.peek().kind == "name" and self.peek().value == "function"):
                return self.parse_function_expr()
            if v == "class":
                return self.parse_class()
            self.k += 1
            if v == "this":
                return This(t.pos)
            if v in ("true", "false"):
                return Literal(t.pos, v == "true")
            if v == "null":
                return Literal(t.pos, None)
            if v in ("var", "let", "const", "if", "for", "while", "return", "do", "switch", "try",
                     "throw", "break", "continue", "else", "case", "default", "catch", "finally",
                     "import", "export", "with", "debugger", "in", "instanceof", "extends", "super"):
                if not (v == "let"):
                    raise self.unexpected(t)
            return Ident(t.pos, v)
        if k == "punct":
            if t.value == "(":
                self.k += 1
                expr = self.parse_expression()   # parse_assign counts the nesting
                self.expect(")")
                self.parenthesized.add(id(expr))
                return expr
            if t.value == "[":
                self.k += 1
                elements = []
                with self.nest():
                    while not self.eat("]"):
                        if self.is_p(","):
                            self.k += 1
                            elements.append(None)
                            continue
                        if self.is_p("..."):
                            p = self.tok.pos
                            self.k += 1
                            elements.append(Spread(p, self.parse_assign()))
                        else:
                            elements.append(self.parse_assign())
                        if not self.is_p("]"):
                            self.expect(",")
                return ArrayLit(t.pos, tuple(elements))
            if t.value == "{":
                return self.parse_object()
        raise self.unexpected(t)

    def parse_object(self) -> ObjectLit:
        start = self.expect("{").pos
        props = []
        with self.nest():
            while not self.eat("}"):
                if self.is_p("..."):
                    p = self.tok.pos
                    self.k += 1
                    props.append(("...", Spread(p, self.parse_assign())))
                else:
                    t = self.tok
                    if t.kind == "punct" and t.value == "[":
                        self.k += 1
                        key = self.parse_assign()
                        self.expect("]")
                    elif t.kind in ("name", "str", "num"):
                        self.k += 1
                        key = t.value
                        if t.kind == "name" and t.value in ("get", "set", "async") and \
                                not (self.is_p(":") or self.is_p("(") or self.is_p(",") or self.is_p("}")):
                            kt = self.tok
                            self.k += 1
                            key = kt.value
                    else:
                        raise self.unexpected()
                    if self.eat(":"):
                        props.append((key, self.parse_assign()))
                    elif self.is_p("("):
                        params = self.parse_params_open()
                        body = self.parse_block_body()
                        props.append((key, Func(t.pos, None, params, body, False, False)))
                    else:
                        if t.kind != "name":
                            raise self.unexpected()
                        value = Ident(t.pos, t.value)
                        if self.eat("="):
                            value = Assign(t.pos, "=", value, self.parse_assign(), t.pos)
                        props.append((key, value))
                if not self.is_p("}"):
                    self.expect(",")
        return ObjectLit(start, tuple(props))

    def parse_params_open(self) -> tuple:
        self.expect("(")
        return self.parse_params(")")

    def parse_function_expr(self) -> Func:
        start = self.tok.pos
        is_async = False
        if self.is_name("async"):
            is_async = True
            self.k += 1
        self.k += 1  # function
        generator = self.eat("*")
        name = None
        if self.tok.kind == "name" and not self.is_p("("):
            name = self.tok.value
            self.k += 1
        with self.nest():
            params = self.parse_params_open()
            body = self.parse_block_body()
        return Func(start, name, params, body, False, False, is_async, generator)

    def parse_class(self) -> ClassExpr:
        start = self.tok.pos
        self.k += 1
        name = None
        if self.tok.kind == "name" and self.tok.value != "extends":
            name = self.tok.value
            self.k += 1
        if self.is_name("extends"):
            self.k += 1
            self.parse_member_only()
        # skip the balanced class body
        self.expect("{")
        depth = 1
        while depth:
            t = self.tok
            if t.kind == "eof":
                raise self.unexpected()
            if t.kind == "punct" and t.value == "{":
                depth += 1
            elif t.kind == "punct" and t.value == "}":
                depth -= 1
            self.k += 1
        return ClassExpr(start, name)

    # -- statements
    def consume_semicolon(self) -> None:
        if self.eat(";"):
            return
        if self.is_p("}") or self.tok.kind == "eof" or self.tok.newline_before:
            return
        raise self.unexpected()

    def parse_statement(self) -> Node:
        with self.nest():
            return self._statement()

    def _statement(self) -> Node:
        t = self.tok
        if t.kind == "punct":
            if t.value == "{":
                return Block(t.pos, self.parse_block_body())
            if t.value == ";":
                self.k += 1
                return Empty(t.pos)
        if t.kind == "name":
            v = t.value
            if v in ("var", "const") or (v == "let" and self.peek().kind in ("name",) or
                                         v == "let" and self.peek().kind == "punct" and self.peek().value in ("[", "{")):
                decl = self.parse_var_decl()
                self.consume_semicolon()
                return decl
            if v == "return":
                self.k += 1
                arg = None
                if not (self.is_p(";") or self.is_p("}") or self.tok.kind == "eof" or self.tok.newline_before):
                    arg = self.parse_expression()
                self.consume_semicolon()
                return Return(t.pos, arg)
            if v == "switch":
                return self.parse_switch()
            if v == "throw":
                self.k += 1
                if self.tok.newline_before:      # `throw` takes its expression on the same line
                    raise self.unexpected()
                arg = self.parse_expression()
                self.consume_semicolon()
                return Throw(t.pos, arg)
            if v == "if":
                self.k += 1
                self.expect("(")
                test = self.parse_expression()
                self.expect(")")
                cons = self.parse_statement()
                alt = None
                if self.is_name("else"):
                    self.k += 1
                    alt = self.parse_statement()
                return If(t.pos, test, cons, alt)
            if v == "for":
                return self.parse_for()
            if v == "while":
                self.k += 1
                self.expect("(")
                test = self.parse_expression()
                self.expect(")")
                return While(t.pos, test, self.parse_statement())
            if v == "do":
                self.k += 1
                body = self.parse_statement()
                if not self.is_name("while"):
                    raise self.unexpected()
                self.k += 1
                self.expect("(")
                test = self.parse_expression()
                self.expect(")")
                self.eat(";")
                return DoWhile(t.pos, body, test)
            if v in ("break", "continue"):
                self.k += 1
                label = None
                if self.tok.kind == "name" and not self.tok.newline_before:
                    label = self.tok.value
                    self.k += 1
                self.consume_semicolon()
                return Jump(t.pos, v, label)
            if v == "function" or (v == "async" and self.peek().kind == "name" and self.peek().value == "function"):
                f = self.parse_function_expr()
                return FuncDecl(t.pos, f)
            if v in ("try", "class", "with", "debugger", "import", "export"):
                return self.skip_unsupported(v)
            if self.peek().kind == "punct" and self.peek().value == ":" and v not in ("true", "false", "null", "this"):
                return self.skip_unsupported("labeled statement")
        expr = self.parse_expression()
        self.consume_semicolon()
        return ExprStmt(t.pos, expr)

    def skip_unsupported(self, construct: str) -> Unsupported:
        """Skip a statement we do not model beyond its extent (balanced brackets)."""
        start = self.tok.pos
        depth = 0
        while True:
            t = self.tok
            if t.kind == "eof":
                if depth:
                    raise self.unexpected()
                break
            if t.kind == "punct" and t.value in ("{", "(", "["):
                depth += 1
            elif t.kind == "punct" and t.value in ("}", ")", "]"):
                if depth == 0:
                    break
                depth -= 1
                if depth == 0 and t.value == "}":
                    self.k += 1
                    nxt = self.tok
                    if not (nxt.kind == "name" and nxt.value in ("catch", "finally", "else")) and \
                            not (nxt.kind == "punct" and nxt.value in ("(",)):
                        break
                    continue
            elif t.kind == "punct" and t.value == ";" and depth == 0:
                self.k += 1
                break
            self.k += 1
        names = {"labeled statement": "labeled statement"}
        return Unsupported(start, names.get(construct, f"'{construct}' statement"))

    def parse_switch(self) -> Switch:
        start = self.tok.pos
        self.k += 1
        self.expect("(")
        disc = self.parse_expression()
        self.expect(")")
        self.expect("{")
        cases = []
        while not self.eat("}"):
            pos = self.tok.pos
            if self.is_name("case"):
                self.k += 1
                test = self.parse_expression()
            elif self.is_name("default"):
                if any(c.test is None for c in cases):
                    raise self.error("more than one default clause in switch statement", pos)
                self.k += 1
                test = None
            else:
                raise self.unexpected()
            self.expect(":")
            body = []
            while not (self.is_name("case") or self.is_name("default") or self.is_p("}")):
                if self.tok.kind == "eof":
                    raise self.unexpected()
                body.append(self.parse_statement())
            cases.append(Case(pos, test, tuple(body)))
        return Switch(start, disc, tuple(cases))

    def parse_var_decl(self, no_semicolon: bool = False) -> VarDecl:
        t = self.tok
        self.k += 1
        decls = []
        while True:
            target = self.parse_binding_target()
            init = None
            if self.eat("="):
                init = self.parse_assign()
            decls.append((target, init))
            if not self.eat(","):
                break
        return VarDecl(t.pos, t.value, tuple(decls))

    def parse_for(self) -> Node:
        start = self.tok.pos
        self.k += 1
        if self.is_name("await"):
            raise self.error("'for await' is not supported", self.tok.pos)
        self.expect("(")
        init = None
        if self.is_p(";"):
            pass
        elif self.is_name("var") or self.is_name("let") or self.is_name("const"):
            init = self.parse_var_decl()
        else:
            init = self.parse_expression_no_in()
        if self.tok.kind == "name" and self.tok.value in ("of", "in"):
            kind = self.tok.value
            self.k += 1
            right = self.parse_assign() if kind == "of" else self.parse_expression()
            self.expect(")")
            return ForInOf(start, kind, init, right, self.parse_statement())
        self.expect(";")
        test = None if self.is_p(";") else self.parse_expression()
        self.expect(";")
        update = None if self.is_p(")") else self.parse_expression()
        self.expect(")")
        return For(start, init, test, update, self.parse_statement())

    def parse_expression_no_in(self) -> Node:
        # `for (x in o)`: parse a left-hand side only when followed by in/of
        k0 = self.k
        if self.tok.kind == "name" and self.peek().kind == "name" and self.peek().value in ("in", "of"):
            t = self.tok
            self.k += 1
            return Ident(t.pos, t.value)
        self.k = k0
        return self.parse_expression()


def _check_tree(src: str, root) -> None:
    if tree_depth(root) > MAX_TREE_DEPTH:
        raise SongLimitError(f"expression too deeply nested: more than {MAX_TREE_DEPTH} levels")


def parse_song(code: str) -> tuple[Node, tuple]:
    """Parse a Bytebeat/Floatbeat song (after trim and packer decoding):
    (the returned expression, the statements after it)."""
    p = Parser(code)
    with deep_recursion():
        root, rest = p.parse_song_expression()
    _check_tree(code, root)
    for stmt in rest:
        _check_tree(code, stmt)
    return root, rest


def parse_expression_code(code: str) -> Node:
    """The returned expression of a song that has nothing after it (SongSyntaxError otherwise)."""
    root, rest = parse_song(code)
    if rest and not all(isinstance(s, Empty) for s in rest):
        raise SongSyntaxError("unexpected statement after the expression", SourcePosition.at(code, rest[0].pos))
    return root


def parse_function_code(code: str) -> tuple:
    """Parse a Funcbeat song: a function body of statements."""
    p = Parser(code)
    with deep_recursion():
        body = p.parse_function_body()
    for stmt in body:
        _check_tree(code, stmt)
    return body


def dump(node) -> str:
    """A compact s-expression of a tree (for tests and debugging)."""
    if node is None:
        return "_"
    if isinstance(node, Num):
        v = node.value
        return repr(int(v)) if v == int(v) and abs(v) < 1e15 else repr(v)
    if isinstance(node, Str):
        return repr(node.value)
    if isinstance(node, Ident):
        return node.name
    if isinstance(node, This):
        return "this"
    if isinstance(node, Literal):
        return {True: "true", False: "false", None: "null"}[node.value]
    if isinstance(node, (Binary, Logical)):
        return f"({node.op} {dump(node.left)} {dump(node.right)})"
    if isinstance(node, Unary):
        return f"({node.op} {dump(node.arg)})"
    if isinstance(node, Update):
        return f"({node.op}{'pre' if node.prefix else 'post'} {dump(node.target)})"
    if isinstance(node, Conditional):
        return f"(? {dump(node.test)} {dump(node.cons)} {dump(node.alt)})"
    if isinstance(node, Assign):
        return f"({node.op} {dump(node.target)} {dump(node.value)})"
    if isinstance(node, Sequence):
        return "(, " + " ".join(dump(e) for e in node.exprs) + ")"
    if isinstance(node, Member):
        return f"(. {dump(node.obj)} {node.prop})"
    if isinstance(node, Index):
        return f"([] {dump(node.obj)} {dump(node.index)})"
    if isinstance(node, Call):
        return f"(call {dump(node.callee)}" + "".join(" " + dump(a) for a in node.args) + ")"
    if isinstance(node, ArrayLit):
        return "[" + " ".join(dump(e) for e in node.elements) + "]"
    if isinstance(node, Spread):
        return f"(... {dump(node.arg)})"
    if isinstance(node, Func):
        params = " ".join(dump(p.target) + ("=" + dump(p.default) if p.default else "") for p in node.params)
        body = dump(node.body) if node.expression_body else "{" + "; ".join(dump(s) for s in node.body) + "}"
        return f"(=> ({params}) {body})"
    if isinstance(node, ExprStmt):
        return dump(node.expr)
    if isinstance(node, Return):
        return f"(return {dump(node.arg)})"
    return type(node).__name__
