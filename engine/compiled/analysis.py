"""Stage 3: which song the compiled tier takes, and the static facts codegen needs.

`analyze(tree, mode)` walks the tree of a Bytebeat/Floatbeat song and either raises
NotCompiledError naming the first construct outside the subset (with its position),
or returns a `SongInfo`: the song's globals (state slots), the locals (the function's
parameters the code assigns), and a static *kind* for every expression node.

Kinds. Every JS value an expression of the subset can produce is one of:
  "num"  a number;  "bool" a boolean (true/false, used as 1/0);
  "str"  a one-code-unit string (from indexing a literal), held as its code unit;
  "any"  a number or a string whose ToNumber we know (mixes, multi-char literals);
and `undef` says whether the value may also be `undefined`. `+` and truthiness refuse
"str"/"any" operands because there JavaScript concatenates or tests the string.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from engine.errors import NotCompiledError, SourcePosition
from engine.compiled import (arrays, blockscope, choices, destructuring, folds, named_methods, records, recursion,
                             renames, restparams, returned_tables, rewrites, spreads, stereo)
from engine.compiled import parser as P
from engine.compiled.static_values import StaticValues, literal_value
from engine.compiled.jsvalues import char_to_number, utf16_units, string_to_number

# Object.getOwnPropertyNames(Math) in Node 20 (the song function's parameters), then int, window.
MATH_FUNCTIONS = ("abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "atan2", "ceil", "cbrt",
                  "expm1", "clz32", "cos", "cosh", "exp", "floor", "fround", "hypot", "imul", "log",
                  "log1p", "log2", "log10", "max", "min", "pow", "random", "round", "sign", "sin",
                  "sinh", "sqrt", "tan", "tanh", "trunc")
MATH_CONSTANTS = {"E": 2.718281828459045, "LN10": 2.302585092994046, "LN2": 0.6931471805599453,
                  "LOG10E": 0.4342944819032518, "LOG2E": 1.4426950408889634,
                  "PI": 3.141592653589793, "SQRT1_2": 0.7071067811865476, "SQRT2": 1.4142135623730951}
RANDOM_WORDS = 3 + 64   # state0, state1, cache index, 64 cached values
PARAMS = frozenset(MATH_FUNCTIONS) | frozenset(MATH_CONSTANTS) | {"int", "window", "t"}

# Math functions compiled natively (exactly specified by ECMAScript).
NATIVE_MATH = frozenset(("abs", "ceil", "floor", "round", "trunc", "sqrt", "min", "max", "sign",
                         "fround", "imul", "clz32"))
# Math functions whose results depend on the engine's libm: compiled only through the fdlibm port.
FDLIBM_MATH = frozenset(("acos", "acosh", "asin", "asinh", "atan", "atanh", "atan2", "cbrt", "expm1",
                         "cos", "cosh", "exp", "log", "log1p", "log2", "log10", "pow", "sin",
                         "sinh", "tan", "tanh", "hypot"))

# Global bindings the worklet keeps (read-only after freezeGlobals); anything else is the song's.
BUILTIN_GLOBALS = frozenset((
    "Object Function Array Number parseFloat parseInt Infinity NaN undefined Boolean String Symbol "
    "Date Promise RegExp Error AggregateError EvalError RangeError ReferenceError SyntaxError "
    "TypeError URIError globalThis JSON Math Intl ArrayBuffer Uint8Array Int8Array Uint16Array "
    "Int16Array Uint32Array Int32Array Float32Array Float64Array Uint8ClampedArray BigUint64Array "
    "BigInt64Array DataView Map BigInt Set WeakMap WeakSet Proxy Reflect FinalizationRegistry WeakRef "
    "decodeURI decodeURIComponent encodeURI encodeURIComponent escape unescape eval isFinite isNaN "
    "console SharedArrayBuffer Atomics WebAssembly").split())


@dataclass(frozen=True)
class Kind:
    base: str            # num | bool | numbool | str | any | ref | undef | invalid
    undef: bool = False  # may also be undefined
    objs: frozenset = frozenset()   # ref: the constant objects (SongInfo.objects) it may be

    def join(self, other: "Kind") -> "Kind":
        if self.base == "undef":
            return Kind(other.base, True, other.objs)
        if other.base == "undef":
            return Kind(self.base, True, self.objs)
        u = self.undef or other.undef
        if self.base == other.base:
            return Kind(self.base, u, self.objs | other.objs)
        bases = {self.base, other.base}
        if bases <= {"num", "bool", "numbool"}:
            return Kind("numbool", u)
        if "ref" in bases or "invalid" in bases:
            return Kind("invalid", u)
        return Kind("any", u)


def _with_undef(k: Kind, undef: bool) -> Kind:
    if k.base == "undef":
        return k if undef else Kind("undef", True)
    return Kind(k.base, undef, k.objs)


NUM = Kind("num")
BOOL = Kind("bool")
UNDEF = Kind("undef", True)   # the value undefined


@dataclass(frozen=True)
class ConstObject:
    """A constant string or array literal used as a value (never mutated in the subset)."""
    type: str            # "str" | "arr"
    units: tuple = ()    # str: UTF-16 code units
    elements: tuple = () # arr: (tag, raw, number) with tag num | char | ref | hole
    number: float = math.nan   # ToNumber of the object
    length: int = 0


@dataclass
class ArraySite:
    """A mutable array kept in the kernel's state (see engine.compiled.arrays)."""
    name: str            # the global that holds it (its only reference)
    assign: P.Assign     # `name = <site>`
    site: P.Node         # Array(N).fill(...), Array(N), or an array literal
    length: int
    filled: tuple = (0, 0)   # elements [start, end) that `.fill` sets; others are holes
    queue: bool = False      # used with shift()/push(): a ring buffer with a head and a length
    growable: bool = False   # `[]` grown by writes: `length` is the room the writes need
    rows: tuple | None = None   # a table `[[..], [..]]` read as N[i][j]: its rows' lengths


@dataclass
class SongInfo:
    tree: P.Node
    mode: str
    globals: dict[str, int] = field(default_factory=dict)       # name -> slot
    global_kinds: dict[str, Kind] = field(default_factory=dict)
    locals: dict[str, Kind] = field(default_factory=dict)       # assigned parameters -> kind
    kinds: dict[int, Kind] = field(default_factory=dict)        # id(node) -> kind
    fdlibm: frozenset = frozenset()                             # Math names the fdlibm port provides
    uses_fdlibm: set = field(default_factory=set)               # ... of which the song calls
    # helper functions (inlined at every call)
    funcs: dict[int, P.Func] = field(default_factory=dict)      # fid -> literal
    func_ids: dict[int, int] = field(default_factory=dict)      # id(literal) -> fid
    parents: dict[int, int | None] = field(default_factory=dict)  # fid -> lexically enclosing fid
    local_names: dict[int, tuple] = field(default_factory=dict)   # fid -> params + declared names
    func_globals: dict[str, int] = field(default_factory=dict)  # global name -> the fid it holds
    declared: dict[str, int] = field(default_factory=dict)      # hoisted `function f(){}` -> fid
    var_kinds: dict[tuple, Kind] = field(default_factory=dict)  # (fid, name) -> kind of a function local
    ret_kinds: dict[int, Kind] = field(default_factory=dict)    # fid -> kind of its result
    captures: dict[int, tuple] = field(default_factory=dict)    # fid -> outer names it reads (snapshot)
    capture_slots: dict[tuple, int] = field(default_factory=dict)  # (fid, name) -> state slot pair
    capture_kinds: dict[tuple, Kind] = field(default_factory=dict)

    uses_random: bool = False
    rate: float = 8000.0          # func mode: t is the sample index / rate
    optimize: bool = True         # set by codegen: run LLVM's IR optimizer on the kernel
    objects: list = field(default_factory=list)                 # ConstObject by id
    object_ids: dict = field(default_factory=dict)              # id(literal node) -> object id
    arrays: dict[str, ArraySite] = field(default_factory=dict)  # holder global -> its array
    array_kinds: dict[str, Kind] = field(default_factory=dict)  # holder global -> element kind
    math_aliases: dict[str, str] = field(default_factory=dict)  # `s=sin`: global -> Math function
    array_args: set = field(default_factory=set)   # id(argument) passing an array by reference
    function_args: set = field(default_factory=set)   # id(argument or default) passing a Math function
    param_array_kinds: dict = field(default_factory=dict)   # (fid, parameter) -> element kind
    numeric_singletons: set = field(default_factory=set)    # id(`[x]`) read as the number x
    stereo_calls: set = field(default_factory=set)          # id(call) inlined as the song's result
    chosen_math_calls: dict = field(default_factory=dict)   # id(`(c?sin:cos)(x)`) -> (Math names)
    recursive: dict = field(default_factory=dict)   # fid of a self-calling function -> its constant parameters
    fold_kinds: dict = field(default_factory=dict)  # id(conditional folded on constant parameters) -> kind
    song_functions: set = field(default_factory=set)   # song parameters (E, PI...) holding a function
    live_functions: set = field(default_factory=set)   # fids defined first in every sample: read t live
    dual_functions: set = field(default_factory=set)   # globals holding a function at times, values at others
    choices: dict = field(default_factory=dict)        # global picking one of several functions -> their fids
    pattern_reads: dict = field(default_factory=dict)  # id(pattern parameter) -> its element reads
    spread_calls: dict = field(default_factory=dict)   # calls with `...rest` expanded (engine.compiled.restparams)
    global_constants: dict = field(default_factory=dict)   # globals only ever assigned one constant -> it
    records: dict = field(default_factory=dict)        # holder of an object used as a record -> its props
    record_definitions: dict = field(default_factory=dict)   # id(`holder = {...}`) -> holder
    number_row_tables: set = field(default_factory=set)     # id(`[[..],v][i]`) whose row v is a number

    @property
    def random_offset(self) -> int:
        """Where Math.random's state starts in the state array (see kernel.RANDOM_WORDS)."""
        return 2 * len(self.globals) + 2 * len(self.capture_slots)

    @property
    def state_size(self) -> int:
        end = self.random_offset + (RANDOM_WORDS if self.uses_random else 0)
        return end + sum(n + (f is not None) * n + (q is not None) * 2
                         for _, f, n, q in self.array_layout().values())

    def array_layout(self) -> dict:
        """holder -> (offset of the values, offset of the undefined flags or None, length,
        offset of a queue's head and length or None) in the state, after Math.random's words."""
        off = self.random_offset + (RANDOM_WORDS if self.uses_random else 0)
        out = {}
        for name, a in self.arrays.items():
            undef = self.array_kinds.get(name, UNDEF).undef
            values = off + (2 if a.queue else 0)
            out[name] = (values, values + a.length if undef else None, a.length, off if a.queue else None)
            off = values + a.length * (2 if undef else 1)
        return out

    def capture_slot(self, fid: int, name: str) -> int:
        """Index (in pairs of doubles) of a captured value, after the globals."""
        return len(self.globals) + self.capture_slots[(fid, name)]


@dataclass
class Frame:
    """One inlined function activation during analysis or code generation."""
    fid: int
    snapshot: bool          # called through a global: outer names come from its capture slots
    toplevel: bool = False  # a function declaration of the song: outer names are the song's
    slots: dict = field(default_factory=dict)   # codegen: name -> (double ptr, i1 ptr)
    ret: object = None                          # codegen: (return block, value slots)
    arrays: dict = field(default_factory=dict)  # array parameters -> the storage (SongInfo.arrays key)
    funcs: dict = field(default_factory=dict)   # parameters bound to a Math function -> its name
    stereo: bool = False    # the call is the song's result: its returns may be `[l, r]`
    consts: dict = field(default_factory=dict)  # constant parameters (engine.compiled.recursion) -> value
    rest: tuple = ()                            # (rest parameter, arguments it took) (engine.compiled.restparams)
    outer: int | None = None    # a function literal passed as an argument: how many frames its scope has


MAX_INLINE_NODES = 20_000      # nodes inlined per song (the corpus needs at most ~16k)


def resolve(info: SongInfo, frames: list, name: str) -> tuple:
    """Where a name read in the current scope lives:
    ("fn", frame, name) a local of an inlined function; ("capture", frame, name) an outer
    variable read from the snapshot taken when the function was created; ("song", name) a
    parameter of the song function (t, Math names); ("global", name).
    A function literal passed as an argument runs inside its callee: past its own locals the
    search goes on in the frames it was created in (Frame.outer), skipping the callee's."""
    i = len(frames) - 1
    while i >= 0:
        frame = frames[i]
        i -= 1
        if name in info.local_names[frame.fid]:
            return ("fn", frame, name)
        if frame.outer is not None:
            i = frame.outer - 1
            continue
        if frame.toplevel:
            break
        if frame.snapshot:
            fid = info.parents.get(frame.fid)
            while fid is not None:
                if name in info.local_names[fid]:
                    return ("capture", frame, name)
                fid = info.parents.get(fid)
            if name in PARAMS and (name == "t" or name in info.locals) and frame.fid not in info.live_functions:
                return ("capture", frame, name)
            break
    if name in PARAMS:
        return ("song", name)
    return ("global", name)


_fdlibm_names: frozenset | None = None
_fdlibm_table: dict | None = None


# engine.fdlibm.FUNCTIONS, named here so that analysing a song does not import the port:
# importing numba takes ~0.3-0.6 s of a fresh process's first audio (the port's machine code
# is loaded without it: fdlibm_address)
FDLIBM_FUNCTIONS = frozenset((
    "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "exp", "expm1", "log", "log1p", "log2", "log10",
    "cbrt", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "pow"))


def fdlibm_names() -> frozenset:
    """Math functions the fdlibm port (engine.fdlibm) provides as C-callable functions."""
    global _fdlibm_names
    if _fdlibm_names is None:
        import importlib.util  # noqa: PLC0415
        _fdlibm_names = FDLIBM_FUNCTIONS if importlib.util.find_spec("numba") is not None else frozenset()
    return _fdlibm_names


def fdlibm_address(name: str) -> int:
    """Address of the port's C function Math.<name>: from the port's object code
    (engine.compiled.fdlibm_object), else numba's C wrapper of it (engine.fdlibm)."""
    from engine.compiled import fdlibm_object  # noqa: PLC0415
    loaded = fdlibm_object.addresses()
    if loaded is not None:
        return loaded[name]
    import engine.fdlibm as fd  # noqa: PLC0415
    return fd.cfunc_address(name)


def is_array_definition(info, node) -> bool:
    """Whether `node` is the one `name = <array>` that defines the global array `name`."""
    return isinstance(node, P.Assign) and node.op == "=" and isinstance(node.target, P.Ident) and \
        node.target.name in info.arrays and info.arrays[node.target.name].assign is node


def bound_parameter(info, frames, node, table: str):
    """(frame, what it is bound to) when `node` names a parameter of an inlined call that
    the frame's `table` ("arrays": an array's storage key, "funcs": a Math function) binds."""
    if isinstance(node, P.Ident):
        where = resolve(info, frames, node.name)
        if where[0] == "fn":
            bound = getattr(where[1], table)
            if node.name in bound:
                return where[1], bound[node.name]
    return None


def frame_constant(info, frames, name: str) -> float | None:
    """The value of `name` when it is a constant parameter of an inlined call, or a global
    only ever assigned one constant (a read that does not throw gives that constant)."""
    where = resolve(info, frames, name)
    if where[0] == "global":
        return info.global_constants.get(name)
    return where[1].consts.get(name) if where[0] == "fn" else None


def folded_test(info, frames, node) -> bool | None:
    """The truth of a test that constant parameters decide (engine.compiled.recursion), else
    None. Only inside calls that have constant parameters, so other code is compiled as written."""
    if not frames or not frames[-1].consts:
        return None
    return recursion.constant_test(node, lambda name: frame_constant(info, frames, name))


def folded_operand(info, frames, node) -> float | None:
    """The number the left side of `&&`, `||`, `??` has when constant parameters decide it."""
    if not frames or not frames[-1].consts:
        return None
    return recursion.constant_value(node, lambda name: frame_constant(info, frames, name))


def rest_of_spread(info, frames, spread):
    """(rest parameter, arguments it took) when `spread` is `...a` of the rest parameter `a`
    of an inlined call (engine.compiled.restparams), else None."""
    if isinstance(spread.arg, P.Ident):
        where = resolve(info, frames, spread.arg.name)
        if where[0] == "fn" and where[1].rest and where[1].rest[0] == spread.arg.name:
            return where[1].rest
    return None


def constant_arguments(info, frames, fid: int, args: tuple) -> dict:
    """The constant parameters a call of the self-calling function `fid` binds: the caller's
    constant expressions among its arguments, or constant defaults of omitted ones."""
    params = info.recursive.get(fid)
    if not params:
        return {}
    out = {}
    lookup = lambda name: frame_constant(info, frames, name)   # noqa: E731 - in the caller's scope
    for i, p in enumerate(info.funcs[fid].params):
        if destructuring.param_name(p, i) not in params:
            continue
        if i < len(args):
            v = recursion.constant_value(args[i], lookup)
        else:
            v = None if p.default is None else recursion.constant_value(p.default, lambda name: None)
        if v is not None:
            out[destructuring.param_name(p, i)] = v
    return out


def unconditional_steps(node) -> list:
    """The parts of a song expression that every evaluation runs, in order: the items of
    comma sequences, going into `x = (a, b)` (its value runs first; the store calls nothing)."""
    if isinstance(node, P.Sequence):
        return [step for e in node.exprs for step in unconditional_steps(e)]
    if isinstance(node, P.Assign) and node.op == "=" and isinstance(node.target, P.Ident) and \
            isinstance(node.value, P.Sequence):
        return unconditional_steps(node.value)
    return [node]


def conditional_definition(node):
    """The function literal of `f ??= <literal>` or `f ||= <literal>`: defined only while f is
    unset, so the first evaluation creates it (and its snapshot) and later ones keep it."""
    if isinstance(node, P.Assign) and node.op in ("??=", "||=") and isinstance(node.target, (P.Ident, P.Member)) \
            and isinstance(node.value, P.Func):
        return node.value
    return None


def defined_function(node):
    """The function literal that `f = <literal>` (or a chain `f = g = <literal>`) assigns."""
    while isinstance(node, P.Assign) and node.op == "=" and isinstance(node.target, (P.Ident, P.Member)):
        node = node.value
        if isinstance(node, P.Func):
            return node
    return None


def function_definitions(node) -> list:
    """The assignments of a definition chain `f = g = <literal>`, outermost first."""
    out = []
    while isinstance(node, P.Assign) and not isinstance(node, P.Func):
        out.append(node)
        node = node.value
    return out


def inlined_callee(info, frames, callee, global_member):
    """(fid, snapshot, toplevel) when `callee` is one of the song's function literals: written
    right there, declared, or held by a global (`f(...)`, `this.f(...)`); else None."""
    if isinstance(callee, P.Func):
        return info.func_ids[id(callee)], False, False
    if isinstance(callee, P.Ident) and callee.name in info.declared and \
            resolve(info, frames, callee.name)[0] == "global":
        return info.declared[callee.name], False, True
    fname = callee.name if isinstance(callee, P.Ident) else global_member(callee)
    if fname is not None and fname in info.func_globals and \
            (not isinstance(callee, P.Ident) or resolve(info, frames, fname)[0] == "global" or
             fname in info.song_functions and resolve(info, frames, fname)[0] == "song"):
        return info.func_globals[fname], True, False
    return None


def stored_constant_pair(node) -> bool:
    """`name = [c0, c1, ...]` (constants or holes) as the song's value: the global keeps
    the constant array, the player sees stereo (c0, c1)."""
    return isinstance(node, P.Assign) and node.op == "=" and isinstance(node.value, P.ArrayLit) and \
        all(e is None or const_number(e) is not None for e in node.value.elements)


def const_number(node) -> float | None:
    """The value of a numeric literal, possibly negated (`-7`), or of arithmetic on literals
    only (`12+12`: engine.compiled.static_values.literal_value), else None."""
    if isinstance(node, P.Num):
        return node.value
    if isinstance(node, (P.Unary, P.Binary)):
        return literal_value(node)
    return None


class Analyzer:
    def __init__(self, source: str, tree: P.Node, mode: str):
        self.src = source
        self.info = SongInfo(tree, mode)
        self.info.fdlibm = fdlibm_names()
        self.changed = False
        self.frames: list[Frame] = []
        self.func_global_literal: dict = {}
        self.captured_song_names: set = set()
        self.returns: list = []
        self.inlined_nodes = 0
        self.loop_depth = 0
        self.declarations: list = []
        self.constants: dict = {}     # globals assigned one constant only (engine.compiled.arrays)
        self.plain: dict = {}         # globals assigned only by plain `=` -> the values
        self.monotone: set = set()    # globals only set to integers >= 0 and incremented
        self.pristine_t: set = set()  # reads of t before the song assigns it
        self.t_divisor = None         # c when the song only does t /= c, c a power of two
        self.counter_starts: dict = {}   # call counters (reset each call, ++ only) -> largest constant
        self.counter_bounds: dict = {}   # ... -> largest value (settled between passes)
        self.increments: dict = {}
        self.unbounded: set = set()      # counters incremented inside a loop
        self.loops_open = 0              # loops around the node analyzed now, over all frames
        self.deferred: list = []         # refusals that hold only if the pass settles
        self.all_locals: set = set()
        self.song_level_ids: set = set()
        self.defined_in_functions: set = set()   # globals whose function a function body (re)creates
        self.function_copies: set = set()   # reads of a function's global other than as an operand

    def refuse(self, construct: str, node_or_pos) -> NotCompiledError:
        pos = node_or_pos if isinstance(node_or_pos, int) else node_or_pos.pos
        return NotCompiledError(rewrites.as_written(construct), SourcePosition.at(self.src, pos))

    # -- names
    def is_local(self, name: str) -> bool:
        return resolve(self.info, self.frames, name)[0] != "global"

    def set_var_kind(self, name: str, kind: Kind, node) -> None:
        where = resolve(self.info, self.frames, name)
        if where[0] == "capture":
            raise self.refuse(f"assignment to {name}, a variable of an enclosing function", node)
        if where[0] == "fn" and name in where[1].arrays:
            raise self.refuse(f"assignment to the array parameter {name}", node)
        if where[0] == "fn" and name in where[1].funcs:
            raise self.refuse(f"assignment to {name}, which holds a function", node)
        if where[0] == "fn":
            key = (where[1].fid, name)
            old = self.info.var_kinds.get(key)
            new = kind if old is None else old.join(kind)
            if new != old:
                self.info.var_kinds[key] = new
                self.changed = True
            return
        if name in self.info.func_globals and name not in self.info.dual_functions:
            raise self.refuse(f"assignment of a value to {name}, which holds a function", node)
        if name in self.info.arrays:
            raise self.refuse(f"assignment of another value to {name}, which holds an array", node)
        if name in self.info.math_aliases:
            raise self.refuse(f"assignment of a value to {name}, which holds a function", node)
        local = where[0] == "song"
        table = self.info.locals if local else self.info.global_kinds
        if name in ("window",) and local:
            raise self.refuse("assignment to window", node)
        if local and name in MATH_FUNCTIONS + ("int",):
            raise self.refuse(f"assignment to the Math parameter {name}", node)
        old = table.get(name)
        new = kind if old is None else old.join(kind)
        if new != old:
            table[name] = new
            self.changed = True
        if not local and name not in self.info.globals:
            self.info.globals[name] = len(self.info.globals)

    def var_kind(self, name: str, node) -> Kind:
        where = resolve(self.info, self.frames, name)
        if where[0] == "fn" and name in where[1].arrays:
            raise self.refuse(f"array {name} used other than as {name}[i] or {name}.length", node)
        if where[0] == "fn" and name in where[1].funcs:
            raise self.refuse(f"function value {name} used as a value", node)
        if where[0] == "fn":
            return self.info.var_kinds.get((where[1].fid, name), UNDEF)
        if where[0] == "capture":
            return self.info.capture_kinds.get((where[1].fid, name), NUM)
        if where[0] == "song":
            if name in self.info.func_globals:
                raise self.refuse(f"function {name} used as a value", node)
            if name == "t":
                base = NUM
            elif name in MATH_CONSTANTS:
                base = NUM
            else:
                raise self.refuse(f"function value {name} used as a value", node)
            assigned = self.info.locals.get(name)
            return base if assigned is None else base.join(assigned)
        if name in BUILTIN_GLOBALS:
            if name == "NaN" or name == "Infinity":
                return NUM
            if name == "undefined":
                return UNDEF
            raise self.refuse(f"built-in {name} used as a value", node)
        if name in self.info.dual_functions and id(node) not in self.function_copies:
            return self.info.global_kinds[name]
        if name in self.info.choices:
            raise self.refuse(f"function {name} used as a value", node)
        if name in self.info.func_globals:
            raise self.refuse(f"function {name} used as a value", node)
        if name in self.info.arrays and self.info.arrays[name].rows is not None:
            raise self.refuse(f"table {name} used other than as {name}[i][j]", node)
        if name in self.info.arrays:
            raise self.refuse(f"array {name} used other than as {name}[i] or {name}.length", node)
        if name in self.info.math_aliases:
            raise self.refuse(f"function value {name} used as a value", node)
        if name not in self.info.globals:
            self.info.globals[name] = len(self.info.globals)
        return self.info.global_kinds.get(name, NUM)

    # -- functions
    def collect_functions(self, tree) -> None:
        """Number the function literals, note their lexical parents and local names, and
        which globals hold which function (a global may hold one literal only)."""
        stack = [(tree, None)]
        while stack:
            node, parent = stack.pop()
            if isinstance(node, P.Func):
                fid = len(self.info.funcs)
                self.info.funcs[fid] = node
                self.info.func_ids[id(node)] = fid
                self.info.parents[fid] = parent
                self.info.local_names[fid] = self.function_locals(node)
                parent = fid
            literal = defined_function(node) or conditional_definition(node)
            if literal is not None:
                name = node.target.name if isinstance(node.target, P.Ident) else node.target.prop
                if name in self.func_global_literal and self.func_global_literal[name] is not literal:
                    raise self.refuse(f"{name} assigned several functions", node)
                self.func_global_literal[name] = literal
                if parent is not None:
                    self.defined_in_functions.add(name)
            stack.extend((c, parent) for c in P.children(node))
        for name, lit in self.func_global_literal.items():
            self.info.func_globals[name] = self.info.func_ids[id(lit)]
            if name not in self.info.globals and name not in PARAMS:
                self.info.globals[name] = len(self.info.globals)
        self.collect_song_functions(tree)
        self.check_captured_assignments(tree)

    def collect_song_functions(self, tree) -> None:
        """Functions defined afresh in every sample before anything can call them: the
        definition is an unconditional top-level step and nothing that runs before it can
        reach the function's name. Such a function is always called from the sample that created it, so it reads the
        song's t (and assigned Math names) live, as a closure over the current call does
        (SongInfo.live_functions). That is also what lets a song parameter named like a Math
        constant hold a function (`E=(F,t,i)=>...`): rebound to Math.E at every call, it holds
        the function exactly from its definition on (SongInfo.song_functions)."""
        if self.info.mode == "func":
            return
        items = unconditional_steps(tree)
        for name, literal in self.func_global_literal.items():
            for i, item in enumerate(items):
                if defined_function(item) is not None and any(
                        isinstance(a.target, P.Ident) and a.target.name == name for a in function_definitions(item)):
                    if name not in self.names_reached(items[:i]):
                        self.info.live_functions.add(self.info.func_ids[id(literal)])
                        if name in MATH_CONSTANTS:
                            self.info.song_functions.add(name)
                    break

    def collect_dual_functions(self) -> None:
        """Globals that hold a function at times and values at others (`s=p=>..., s=s(1)+s(2)`),
        or whose function is read as an operand (`d/4`). Such a global's value is of kind
        "any": a function converts to NaN, and `+` or a truth test of it stays refused (a
        function would concatenate its source text); its calls check that it holds the function.
        Reads other than operands (copies, arguments, results) are refused: the copy of a
        function would be a value this tier lacks."""
        others = set(self.info.arrays) | set(self.info.records) | set(self.info.math_aliases)
        holders = {name for name in self.func_global_literal if "." not in name and name not in PARAMS and
                   name not in others}
        scopes = [(self.info.tree, frozenset())] + [
            (f, frozenset(n for p in self.enclosing_fids(fid) for n in self.info.local_names[p]))
            for fid, f in self.info.funcs.items()]
        for root, local in scopes:
            nodes = list(self.song_level_nodes(root))
            parent = {id(c): n for n in nodes for c in P.children(n)}
            for n in nodes:
                if not isinstance(n, P.Ident) or n.name not in holders or n.name in local:
                    continue
                p = parent.get(id(n))
                if isinstance(p, P.Call) and (p.callee is n or any(a is n for a in p.args)):
                    continue           # called, or passed on as a function
                if isinstance(p, P.Assign) and p.target is n and \
                        (defined_function(p) or conditional_definition(p)) is self.func_global_literal[n.name]:
                    continue           # its definition
                if isinstance(p, (P.Assign, P.Update)) and p.target is n or isinstance(p, (P.Binary, P.Unary)):
                    self.info.dual_functions.add(n.name)
                else:
                    self.function_copies.add(id(n))   # refused when read (see var_kind)
        for name in self.info.dual_functions:
            self.info.global_kinds[name] = Kind("any")

    def collect_choices(self) -> None:
        """Globals assigned only `[f1, f2, ...][index]` of functions that read nothing from the
        scope they were made in (engine.compiled.choices)."""
        nodes = list(P.walk(self.info.tree))
        for func in self.declarations:
            nodes.extend(P.walk(func))
        assigned = {n.target.name for n in nodes
                    if isinstance(n, (P.Assign, P.Update)) and isinstance(n.target, P.Ident)}
        closed = {}
        for name, literal in self.func_global_literal.items():
            fid = self.info.func_ids[id(literal)]
            free = self.static_free_names(literal)
            if "." in name or name in self.info.dual_functions or name in PARAMS or self.info.parents[fid] is not None \
                    or "t" in free or any(n in PARAMS and n in assigned for n in free):
                continue
            closed[name] = fid
        taken = set(self.info.arrays) | set(self.info.records) | set(self.info.math_aliases) | \
            set(self.info.func_globals)
        self.info.choices = {name: fids for name, fids in choices.find_choices(self.plain, closed).items()
                             if name not in taken and name not in PARAMS and name not in BUILTIN_GLOBALS}
        for name in self.info.choices:
            if name not in self.info.globals:
                self.info.globals[name] = len(self.info.globals)

    def is_choice_definition(self, node) -> bool:
        return isinstance(node, P.Assign) and node.op == "=" and isinstance(node.target, P.Ident) and \
            node.target.name in self.info.choices and choices.choice_site(node.value) is not None and \
            resolve(self.info, self.frames, node.target.name)[0] == "global"

    def define_choice(self, node) -> Kind:
        """`V = [f1, ...][index]`: every element is read (ReferenceError while unset), then the index."""
        for e in node.value.obj.elements:
            if resolve(self.info, self.frames, e.name)[0] != "global":
                raise self.refuse(f"function list of {node.target.name} naming a local variable", e)
        self.index_kind(self.expr(node.value.index), node.value.index)
        return NUM

    def enclosing_fids(self, fid: int):
        while fid is not None:
            yield fid
            fid = self.info.parents.get(fid)

    def names_reached(self, nodes) -> set:
        """Every name `nodes` mention, and the names in the functions those names hold, and so
        on: a function whose name is not among them cannot run during `nodes`. The body of a
        function `nodes` only define (`g = x => ...`) counts once g's name is reached."""
        def mentioned(node, skip_definitions=False):
            out, stack = set(), [node]
            while stack:
                n = stack.pop()
                if isinstance(n, (P.Ident, P.Member)):
                    out.add(n.name if isinstance(n, P.Ident) else n.prop)
                children = P.children(n)
                if skip_definitions and isinstance(n, P.Assign) and \
                        (defined_function(n) or conditional_definition(n)) is not None:
                    children = [n.target.obj] if isinstance(n.target, P.Member) else []   # defining is no call
                stack.extend(children)
            return out
        bodies = {**{f.name: f for f in self.declarations}, **self.func_global_literal}
        names = set().union(*(mentioned(node, skip_definitions=True) for node in nodes))
        todo = list(names)
        while todo:
            literal = bodies.get(todo.pop())
            if literal is not None:
                for name in mentioned(literal) - names:
                    names.add(name)
                    todo.append(name)
        return names

    def song_level_nodes(self, node):
        """Nodes of `node` outside function literals."""
        stack = [node]
        while stack:
            n = stack.pop()
            yield n
            stack.extend(c for c in P.children(n) if not isinstance(c, P.Func))

    def check_captured_assignments(self, tree) -> None:
        """A function created through a global reads the song's t (or an assigned Math
        name) as it was when the function was created (a snapshot). That is exact when
        no assignment to it can run after a creation in the same sample: every assignment
        must be in a top-level comma item before the first item that creates such a function."""
        def assigned_name(n):
            if isinstance(n, (P.Assign, P.Update)) and isinstance(n.target, P.Ident) and n.target.name in PARAMS:
                return n.target.name
            return None
        song_assigned = {assigned_name(n) for n in self.song_level_nodes(tree)
                         if not (isinstance(n, P.Assign) and defined_function(n) is not None and
                                 assigned_name(n) in self.info.song_functions)} - {None}
        for fid, f in self.info.funcs.items():
            # a function defined first in every sample, or a hoisted declaration (re-made by every
            # call of the song), works on the current call's t: its own body may assign it
            live = fid in self.info.live_functions or any(f is d for d in self.declarations)
            live_body = {id(n) for n in self.song_level_nodes(f)} if live else set()
            for n in P.walk(f):
                name = assigned_name(n)
                if name is not None and id(n) not in live_body and \
                        not any(name in self.info.local_names[self.info.func_ids[id(g)]]
                                for g in P.walk(f) if isinstance(g, P.Func)):
                    raise self.refuse(f"assignment to {name} inside a function", n)
        if not song_assigned:
            return
        items = tree.exprs if isinstance(tree, P.Sequence) else (tree,)
        for name in song_assigned:
            first_creation = None
            for i, item in enumerate(items):
                for n in self.song_level_nodes(item):
                    if isinstance(n, P.Assign) and isinstance(n.value, P.Func) and \
                            self.info.func_ids[id(n.value)] not in self.info.live_functions and \
                            name in self.static_free_names(n.value):
                        first_creation = i if first_creation is None else min(first_creation, i)
            if first_creation is None:
                continue
            for i, item in enumerate(items):
                if i >= first_creation and any(assigned_name(n) == name for n in self.song_level_nodes(item)):
                    raise self.refuse(f"assignment to {name}, which a function reads, after the function "
                                      f"is created", item)

    def static_free_names(self, func) -> set:
        """Identifiers read in func (and its nested functions) that none of them declares."""
        out = set()
        def visit(f, bound):
            bound = bound | set(self.info.local_names[self.info.func_ids[id(f)]])
            stack = list(P.children(f))
            while stack:
                n = stack.pop()
                if isinstance(n, P.Func):
                    visit(n, bound)
                    continue
                if isinstance(n, P.Ident) and n.name not in bound:
                    out.add(n.name)
                stack.extend(P.children(n))
        visit(func, set())
        return out

    def function_locals(self, func: P.Func) -> tuple:
        names = []
        for i, p in enumerate(func.params):
            if p.rest and p is func.params[-1] and isinstance(p.target, P.Ident):
                bad = restparams.misuse(func, p.target.name)
                if bad is not None:
                    raise self.refuse(f"rest parameter {p.target.name} used other than as "
                                      f"...{p.target.name} among a call's arguments", bad)
            elif p.rest or not isinstance(p.target, (P.Ident, P.ArrayLit)):
                raise self.refuse("rest or destructuring parameter", p)
            elif isinstance(p.target, P.ArrayLit):
                bad = destructuring.pattern_problem(p)
                if bad is not None:
                    raise self.refuse("destructuring parameter other than [a, b, ...] of names", bad)
                names.extend(destructuring.pattern_names(p))
            names.append(destructuring.param_name(p, i))
        if not func.expression_body:
            stack = list(func.body)
            while stack:
                st = stack.pop()
                if isinstance(st, P.VarDecl):
                    for target, _ in st.decls:
                        if not isinstance(target, P.Ident):
                            raise self.refuse("destructuring declaration", target)
                        names.append(target.name)
                if isinstance(st, P.Func):
                    continue
                stack.extend(c for c in P.children(st) if not isinstance(c, P.Func))
        if "arguments" in self.names_used(func):
            raise self.refuse("'arguments'", func)
        misused = blockscope.misused_block_name(func)
        if misused is not None:
            raise self.refuse(f"block-scoped {misused[0]} used where another {misused[0]} is meant", misused[1])
        return tuple(dict.fromkeys(names))

    def names_used(self, func) -> set:
        return {n.name for n in P.walk(func) if isinstance(n, P.Ident)}

    def free_outer_names(self, fid: int) -> tuple:
        """Names a function reads from enclosing functions or the song's t (snapshot)."""
        func = self.info.funcs[fid]
        out = []
        parent = self.info.parents[fid]
        outer_locals = set()
        p = parent
        while p is not None:
            outer_locals.update(self.info.local_names[p])
            p = self.info.parents[p]
        own = set(self.info.local_names[fid])
        for node in P.walk(func):
            if isinstance(node, P.Ident) and node.name not in own:
                if node.name in outer_locals or fid not in self.info.live_functions and (
                        node.name == "t" or node.name in self.info.locals):
                    inner = self.innermost_declaring(node, func)
                    if inner is None:
                        out.append(node.name)
        return tuple(dict.fromkeys(out))

    def innermost_declaring(self, ident, func):
        """A nested function of `func` (around ident) that declares ident's name, if any."""
        for n in P.walk(func):
            if isinstance(n, P.Func) and n is not func and ident.name in self.info.local_names[self.info.func_ids[id(n)]]:
                if any(x is ident for x in P.walk(n)):
                    return n
        return None

    def create_function(self, func: P.Func, name: str, node) -> None:
        """`name = <function literal>` evaluated: the snapshot of the outer names it reads."""
        fid = self.info.func_ids[id(func)]
        caps = self.free_outer_names(fid)
        self.info.captures[fid] = caps
        for cname in caps:
            p = self.info.parents.get(fid)
            while p is not None and cname not in self.info.local_names[p]:
                p = self.info.parents.get(p)
            if p is not None:
                for n in P.walk(self.info.funcs[p]):
                    if isinstance(n, (P.Assign, P.Update)) and isinstance(n.target, P.Ident) \
                            and n.target.name == cname:
                        raise self.refuse(f"assignment to {cname}, which a function created here reads", n)
        for cname in caps:
            key = (fid, cname)
            if key not in self.info.capture_slots:
                self.info.capture_slots[key] = len(self.info.capture_slots)
                self.changed = True
            k = self.var_kind(cname, node)
            old = self.info.capture_kinds.get(key)
            new = k if old is None else old.join(k)
            if new != old:
                self.info.capture_kinds[key] = new
                self.changed = True

    def call_function(self, fid: int, args: tuple, node, snapshot: bool, toplevel: bool = False,
                      stereo: bool = False, outer: int | None = None) -> Kind:
        """The kind of a call's value; `stereo`: the call is the song's result, its returned
        values are checked as results (engine.compiled.stereo) and its kind is not kept."""
        func = self.info.funcs[fid]
        if func.generator or func.is_async:
            raise self.refuse("generator function" if func.generator else "async function", func)
        consts = constant_arguments(self.info, self.frames, fid, args)
        depth = sum(1 for f in self.frames if f.fid == fid)
        if depth and (not consts or depth >= recursion.MAX_RECURSION_DEPTH):
            raise self.refuse("recursive function", node)
        self.inlined_nodes += sum(1 for _ in P.walk(func))
        if self.inlined_nodes > MAX_INLINE_NODES:
            raise self.refuse("too much inlining (functions calling functions)", node)
        arg_kinds, arg_arrays, arg_funcs = [], {}, {}
        for i, a in enumerate(args):
            key = self.array_argument(a)
            fn = self.function_argument(a) if key is None else None
            if key is not None:
                arg_arrays[i] = key
                arg_kinds.append(NUM)
                self.info.array_args.add(id(a))
            elif fn is not None:
                arg_funcs[i] = fn
                arg_kinds.append(NUM)
                self.info.function_args.add(id(a))
            else:
                arg_kinds.append(self.expr(a))
        frame = Frame(fid, snapshot, toplevel, stereo=stereo, consts=consts, outer=outer)
        rest = restparams.rest_parameter(func)
        if rest is not None:
            frame.rest = (rest, restparams.rest_count(func, len(args)))
            hidden = [restparams.element_name(rest, j) for j in range(frame.rest[1])]
            missing = [h for h in hidden if h not in self.info.local_names[fid]]
            if missing:
                self.info.local_names[fid] += tuple(missing)
                self.changed = True
        self.frames.append(frame)
        saved_returns = self.returns
        saved_loops = self.loop_depth
        self.returns = []
        self.loop_depth = 0
        try:
            bindings = restparams.bindings(func, len(args))
            params = {destructuring.param_name(p, i) for i, p in enumerate(func.params)} | {    # rest's hidden locals
                name for name in self.info.local_names[fid] if rest is not None and name.startswith(rest + "#")}
            for name in self.info.local_names[fid]:
                if name not in params:
                    self.set_fn_kind(fid, name, UNDEF)   # declared names start undefined
            for i, pname, default in bindings:
                fn = arg_funcs.get(i)
                if fn is None and i >= len(args) and default is not None:
                    fn = self.function_argument(default)
                    if fn is not None:
                        self.info.function_args.add(id(default))
                if fn is not None:
                    frame.funcs[pname] = fn
                    continue
                if i in arg_arrays:
                    if default is not None:
                        raise self.refuse("array passed to a parameter with a default value", args[i])
                    frame.arrays[pname] = arg_arrays[i]
                    key = (fid, pname)
                    ek = self.info.array_kinds.get(arg_arrays[i], UNDEF)
                    old = self.info.param_array_kinds.get(key)
                    new = ek if old is None else old.join(ek)
                    if new != old:
                        self.info.param_array_kinds[key] = new
                        self.changed = True
                    continue
                k = arg_kinds[i] if i < len(arg_kinds) else UNDEF
                if default is not None:
                    dk = self.expr(default)
                    if i >= len(arg_kinds):
                        k = dk
                    elif k.undef:
                        k = _with_undef(k.join(dk), dk.undef)
                self.set_fn_kind(fid, pname, k)
            self.destructure_parameters(fid, frame)
            if func.expression_body and stereo:
                self.result(func.body)
                rk = NUM
            elif func.expression_body:
                rk = self.expr(func.body)
            else:
                self.statements(func.body)
                rk = None
                for k in self.returns:
                    rk = k if rk is None else rk.join(k)
                if rk is None or self.may_fall_through(func.body):
                    rk = UNDEF if rk is None else rk.join(UNDEF)
        finally:
            self.frames.pop()
            self.returns = saved_returns
            self.loop_depth = saved_loops
        if stereo:
            return NUM
        old = self.info.ret_kinds.get(fid)
        new = rk if old is None else old.join(rk)
        if new != old:
            self.info.ret_kinds[fid] = new
            self.changed = True
        return new

    def destructure_parameters(self, fid: int, frame: Frame) -> None:
        """`([a, b]) => ...`: a and b get the argument's elements (engine.compiled.destructuring)."""
        for i, p in enumerate(self.info.funcs[fid].params):
            if not isinstance(p.target, P.ArrayLit):
                continue
            hidden = destructuring.hidden_name(i)
            k = self.info.var_kinds.get((fid, hidden), UNDEF)
            if hidden not in frame.arrays and not (k.base == "ref" and self.ref_type(k, p) == "arr"):
                raise self.refuse("destructuring parameter given a value that is not an array", p)
            for name, read in destructuring.element_reads(self.info.pattern_reads, p, i):
                self.set_fn_kind(fid, name, self.expr(read))

    def set_fn_kind(self, fid: int, name: str, kind: Kind) -> None:
        key = (fid, name)
        old = self.info.var_kinds.get(key)
        new = kind if old is None else old.join(kind)
        if new != old:
            self.info.var_kinds[key] = new
            self.changed = True

    def may_fall_through(self, body) -> bool:
        return not (body and isinstance(body[-1], (P.Return, P.Throw)))

    # -- statements (function bodies)
    def statements(self, body) -> None:
        for st in body:
            self.statement(st)

    def statement(self, st) -> None:
        if isinstance(st, P.ExprStmt):
            self.expr(st.expr, discard=True)
        elif isinstance(st, P.Return) and self.frames[-1].stereo:
            if st.arg is not None:
                self.result(st.arg)
            self.returns.append(NUM)
        elif isinstance(st, P.Return):
            self.returns.append(UNDEF if st.arg is None else self.expr(st.arg))
        elif isinstance(st, P.Throw):
            self.expr(st.arg, discard=True)     # thrown text: see engine.compiled.messages
        elif isinstance(st, P.VarDecl):
            for target, init in st.decls:
                if init is not None:
                    k = self.expr(init)
                    self.set_var_kind(target.name, k, target)
                else:
                    self.set_var_kind(target.name, UNDEF, target)
        elif isinstance(st, P.If):
            self.truthy(self.expr(st.test), st.test)
            self.statement(st.cons)
            if st.alt is not None:
                self.statement(st.alt)
        elif isinstance(st, P.Block):
            self.statements(st.body)
        elif isinstance(st, P.Empty):
            pass
        elif isinstance(st, P.For):
            self.loops_open += 1
            if st.init is not None:
                if isinstance(st.init, P.VarDecl):
                    self.statement(st.init)
                else:
                    self.expr(st.init, discard=True)
            if st.test is not None:
                self.truthy(self.expr(st.test), st.test)
            self.loop_depth += 1
            self.statement(st.body)
            self.loop_depth -= 1
            if st.update is not None:
                self.expr(st.update, discard=True)
            self.loops_open -= 1
        elif isinstance(st, (P.While, P.DoWhile)):
            self.loops_open += 1
            self.truthy(self.expr(st.test), st.test)
            self.loop_depth += 1
            self.statement(st.body)
            self.loop_depth -= 1
            self.loops_open -= 1
        elif isinstance(st, P.Jump):
            if st.label is not None:
                raise self.refuse(f"labeled {st.kind}", st)
            if self.loop_depth == 0:
                raise self.refuse(f"'{st.kind}' outside a loop", st)
        elif isinstance(st, P.ForInOf):
            raise self.refuse(f"for...{st.kind} loop", st)
        elif isinstance(st, P.Unsupported):
            raise self.refuse(st.construct, st)
        elif isinstance(st, P.FuncDecl):
            raise self.refuse("function declaration", st)
        else:
            raise self.refuse(type(st).__name__ + " statement", st)

    # -- the walk
    def run(self) -> SongInfo:
        if self.info.mode == "func":
            for n in P.walk(self.info.tree):
                if isinstance(n, P.This):
                    raise self.refuse("'this' in a Funcbeat song", n)
        self.collect_functions(self.info.tree)
        for func in self.declarations:
            self.collect_functions(func)
            fid = self.info.func_ids[id(func)]
            name = func.name
            if name in self.info.declared or name in self.info.func_globals or name in PARAMS:
                raise self.refuse(f"function {name} declared twice or also assigned", func)
            self.info.declared[name] = fid
        self.info.recursive = recursion.recursive_functions(
            self.info.funcs, {**self.info.func_globals, **self.info.declared})
        self.check_builtin_assignments([self.info.tree] + list(self.declarations))
        for n in self.song_level_nodes(self.info.tree):
            if isinstance(n, (P.Assign, P.Update)) and isinstance(n.target, P.Ident) and \
                    n.target.name in self.info.declared:
                raise self.refuse(f"assignment to the declared function {n.target.name}", n)
        self.collect_arrays()
        self.collect_records()
        self.collect_math_aliases()
        self.collect_queues()
        self.collect_dual_functions()
        self.collect_choices()
        for _ in range(20):
            self.changed = False
            self.info.kinds = {}
            self.info.number_row_tables = set()     # decided again with this pass's kinds
            self.inlined_nodes = 0
            self.increments = {name: 0 for name in self.counter_starts}
            self.deferred = []
            self.result(self.info.tree)
            self.settle_counters()
            if not self.changed:
                if self.deferred:
                    raise self.deferred[0]
                return self.info
        raise self.refuse("variable types that do not settle", self.info.tree)

    def check_builtin_assignments(self, roots) -> None:
        """The player freezes the built-in globals (eval, parseInt, Number...): a sloppy-mode
        assignment of a function to one is ignored, so it defines no helper (assign_target
        refuses assignments of values)."""
        stack = [(root, frozenset()) for root in roots]
        while stack:
            node, bound = stack.pop()
            if isinstance(node, P.Func):
                bound = bound | set(self.info.local_names[self.info.func_ids[id(node)]])
            if isinstance(node, P.Assign) and defined_function(node) is not None:
                t = node.target
                name = t.name if isinstance(t, P.Ident) else self.global_member(t)
                if name in BUILTIN_GLOBALS and not (isinstance(t, P.Ident) and name in bound):
                    raise self.refuse(f"assignment to built-in {name}", t)
            stack.extend((c, bound) for c in P.children(node))

    def settle_counters(self) -> None:
        """A counter's largest value: its largest constant plus the increments one call of the
        song can run (each inlined `name++` outside loops runs at most once per call)."""
        bounds = {name: start + self.increments[name] for name, start in self.counter_starts.items()
                  if name not in self.unbounded}
        if bounds != self.counter_bounds:
            self.counter_bounds = bounds
            self.changed = True

    def result(self, node) -> None:
        """The song's return value: a value, or `[l, r]` (stereo)."""
        if isinstance(node, P.ArrayLit):
            for e in node.elements:
                if isinstance(e, P.Spread):
                    raise self.refuse("spread in array", e)
                if e is not None:
                    k = self.expr(e)
                    self.check_numberable(k, e)
            return
        if isinstance(node, P.Sequence):
            for e in node.exprs[:-1]:
                self.expr(e, discard=True)
            self.result(node.exprs[-1])
            return
        if isinstance(node, P.Conditional):
            self.truthy(self.expr(node.test), node.test)
            for branch in self.branch_order(node):
                self.result(branch)
            return
        if defined_function(node) is not None:    # the song returns a function: NaN, held
            self.expr(node, discard=True)
            return
        if stored_constant_pair(node):
            self.expr(node)          # `l = [8, 8, 8, 16]` as the song's value: stereo 8, 8
            return
        if self.is_array_definition(node):
            self.expr(node, discard=True)    # `A = Array(n).fill(0)` as the value: stereo A[0], A[1]
            return
        if self.array_holder(node) and not self.info.arrays[node.name].queue:
            return                           # the global's array as the value: stereo A[0], A[1]
        callee = self.result_callee(node)
        if callee is not None and not any(isinstance(a, P.Spread) for a in node.args):
            # (a call spreading its arguments is a plain call: engine.compiled.restparams)
            self.info.stereo_calls.add(id(node))
            self.call_function(callee[0], node.args, node, *callee[1:], stereo=True)
            return
        k = self.expr(node)
        self.check_numberable(k, node)

    def check_numberable(self, k: Kind, node) -> None:
        """The song's value is converted with ToNumber, except an array, which is stereo:
        constant arrays and strings are (codegen.CodeGen.result reads their elements 0 and 1)."""
        if k.base == "invalid":
            raise self.refuse("a value that is sometimes an array or string and sometimes not", node)

    def truthy(self, k: Kind, node) -> None:
        if k.base == "any":
            raise self.refuse("truth value of a string", node)

    def note(self, node, kind: Kind) -> Kind:
        if kind.base == "invalid":
            raise self.refuse("a value that is sometimes an array or string and sometimes not", node)
        self.info.kinds[id(node)] = kind
        return kind

    # -- constant objects (strings and arrays of constants used as values)
    def make_object(self, node) -> int:
        key = id(node)
        if key in self.info.object_ids:
            return self.info.object_ids[key]
        if isinstance(node, P.Str):
            units = tuple(utf16_units(node.value))
            obj = ConstObject("str", units=units, number=string_to_number(node.value), length=len(units))
        else:
            elements = []
            for e in node.elements:
                if e is None:
                    elements.append(("hole", math.nan, math.nan))
                    continue
                c = const_number(e)
                if c is not None:
                    elements.append(("num", c, c))
                elif isinstance(e, P.Str) and len(utf16_units(e.value)) == 1:
                    u = utf16_units(e.value)[0]
                    elements.append(("char", float(u), char_to_number(u)))
                elif isinstance(e, (P.Str, P.ArrayLit)):
                    child = self.make_object(e)
                    elements.append(("ref", float(child), self.info.objects[child].number))
                elif isinstance(e, P.Literal) and isinstance(e.value, bool):
                    raise self.refuse("boolean in an array used as a value", e)
                else:
                    raise self.refuse("array of computed values used as a value", e)
            if len(elements) == 0:
                number = 0.0
            elif len(elements) == 1:
                tag, raw, num = elements[0]
                number = 0.0 if tag == "hole" else (0.0 if num == 0 else num)  # String(-0) is "0"
            else:
                number = math.nan
            obj = ConstObject("arr", elements=tuple(elements), number=number, length=len(elements))
        self.info.objects.append(obj)
        oid = len(self.info.objects) - 1
        self.info.object_ids[key] = oid
        return oid

    # -- mutable arrays (engine.compiled.arrays: sites, holders, index ranges)
    def collect_arrays(self) -> None:
        """Find `A = <array site>` assignments; each holder global gets one site of a
        static length (see engine.compiled.arrays for why that is exact)."""
        nodes = list(P.walk(self.info.tree))
        for func in self.declarations:
            nodes.extend(P.walk(func))
        self.constants = arrays.constant_assignments(nodes, const_number)
        self.static = StaticValues(
            [self.info.tree, *self.declarations],
            {name: self.info.funcs[fid] for name, fid in self.info.declared.items()},
            lambda f: self.info.local_names[self.info.func_ids[id(f)]], self.math_function_named, PARAMS)
        for name, value in self.static.constant_globals().items():
            self.constants.setdefault(name, value)
        self.info.global_constants = {k: v for k, v in self.constants.items() if k not in PARAMS}
        self.plain = arrays.plain_assignments(nodes)
        self.info.numeric_singletons = arrays.numeric_singletons(nodes, const_number,
                                                                 stereo.result_nodes(self.info.tree))
        self.song_level_ids = {id(n) for n in self.song_level_nodes(self.info.tree)}
        self.all_locals = {n for names in self.info.local_names.values() for n in names}
        self.monotone = arrays.monotone_counters(nodes) - self.all_locals - PARAMS
        self.pristine_t = arrays.pristine_t_reads(self.info.tree) if self.info.mode != "func" else set()
        self.t_divisor = arrays.t_power_of_two_divisor(nodes, self.static_number) \
            if self.info.mode != "func" else None
        function_holders = renames.function_holders(nodes)
        for func in self.declarations:
            function_holders.setdefault(func.name, []).append(func)

        def harmless(call, name):
            """A call that cannot increment the counter `name` before its reset."""
            return arrays.fill_call_parts(call) is not None or arrays.array_constructor_length(call) is not None \
                or self.math_function_named(call.callee) is not None or \
                self.cannot_reach(call, name, function_holders)
        self.counter_starts = {
            name: start for name, start in arrays.counter_candidates(nodes).items()
            if name not in self.all_locals and name not in PARAMS and
            arrays.reset_every_sample(self.info.tree, name, lambda c, name=name: harmless(c, name))}
        holders = arrays.holder_assignments(nodes, const_number)
        written = {n.target.obj.name for n in nodes if isinstance(n, (P.Assign, P.Update)) and
                   isinstance(n.target, P.Index) and isinstance(n.target.obj, P.Ident)}
        for n in nodes:       # `f = []` grown by writes `f[i] = v` (i bounded statically)
            if isinstance(n, P.Assign) and n.op == "=" and isinstance(n.target, P.Ident) and \
                    isinstance(n.value, P.ArrayLit) and not n.value.elements and n.target.name in written:
                holders.setdefault(n.target.name, []).append(n)
        for name, assigns in holders.items():
            if len(assigns) > 1:
                raise self.refuse(f"array global {name} assigned in several places", assigns[1])
            assign = assigns[0]
            if name in self.info.func_globals or name in self.info.declared or name in PARAMS or \
                    name in BUILTIN_GLOBALS:
                raise self.refuse(f"array stored in {name}, which is also a function or built-in", assign)
            site = assign.value
            fill = arrays.fill_call_parts(site)
            filled = None
            growable = isinstance(site, P.ArrayLit) and not site.elements
            rows = None
            if arrays.is_table_literal(site, const_number):
                rows = tuple(len(r.elements) for r in site.elements)
                length = sum(rows)
            elif isinstance(site, P.ArrayLit):
                length = len(site.elements)
            else:
                ctor = fill[0] if fill else site
                length_node = arrays.array_constructor_length(ctor)
                length = arrays.valid_length(self.static_number(length_node))
                if length is None:
                    raise self.refuse("Array(n) whose n is not a constant valid length", length_node)
                filled = (0, 0)
                if fill:
                    filled = arrays.fill_bounds(length, fill[1], const_number)
                    if filled is None:
                        raise self.refuse(".fill with start/end that are not constants", site)
            if length > arrays.MAX_ARRAY_LENGTH:
                raise self.refuse(f"array of {length} elements (at most {arrays.MAX_ARRAY_LENGTH})", site)
            self.info.arrays[name] = ArraySite(name, assign, site, length, filled or (0, length), growable=growable,
                                               rows=rows)
            if name not in self.info.globals:
                self.info.globals[name] = len(self.info.globals)
            self.info.global_kinds[name] = NUM

    def static_number(self, node) -> float | None:
        """The one number `node` evaluates to (engine.compiled.static_values), else None."""
        c = const_number(node)
        return c if c is not None else self.static.single(node)

    # -- Math functions held by globals (`s=sin`, `p=Math.pow`), only ever called
    def math_function_named(self, node) -> str | None:
        """The Math function `node` names (`sin`, `int`, `Math.sin`) where no variable can hide it."""
        if isinstance(node, P.Ident) and (node.name in MATH_FUNCTIONS or node.name == "int"):
            hidden = node.name in self.info.locals or any(
                node.name in names for names in self.info.local_names.values())
            return None if hidden else node.name
        if isinstance(node, P.Member) and not node.optional and isinstance(node.obj, P.Ident) and \
                node.obj.name == "Math" and node.prop in MATH_FUNCTIONS:
            return node.prop
        return None

    def collect_math_aliases(self) -> None:
        """Globals whose every assignment is `g = <the same Math function>`."""
        nodes = list(P.walk(self.info.tree))
        for func in self.declarations:
            nodes.extend(P.walk(func))
        found: dict = {}
        spoiled: set = set()
        for n in nodes:
            if isinstance(n, (P.Assign, P.Update)):
                t = n.target
                name = t.name if isinstance(t, P.Ident) else (t.prop if isinstance(t, P.Member) else None)
                fn = self.math_function_named(n.value) if isinstance(n, P.Assign) and n.op == "=" and \
                    isinstance(t, P.Ident) else None
                if fn is None or found.get(name, fn) != fn:
                    spoiled.add(name)
                else:
                    found[name] = fn
        for name, fn in found.items():
            if name in spoiled or name in PARAMS or name in BUILTIN_GLOBALS or name in self.info.func_globals \
                    or name in self.info.declared or name in self.info.arrays:
                continue
            self.info.math_aliases[name] = fn
            if name not in self.info.globals:
                self.info.globals[name] = len(self.info.globals)
            self.info.global_kinds[name] = NUM

    def is_math_call(self, node) -> bool:
        return isinstance(node, P.Call) and (self.math_function_named(node.callee) is not None or
                                             isinstance(node.callee, P.Ident) and
                                             node.callee.name in self.info.math_aliases)

    def collect_queues(self) -> None:
        """Holders used with shift()/push() (engine.compiled.arrays: pushes must be paired)."""
        nodes = list(P.walk(self.info.tree))
        for func in self.declarations:
            nodes.extend(P.walk(func))
        holders = renames.function_holders(nodes)
        for func in self.declarations:
            holders.setdefault(func.name, []).append(func)
        for name, a in self.info.arrays.items():
            if a.rows is not None or not any(arrays.queue_call(n, name) for n in nodes):
                continue
            if a.growable:
                raise self.refuse(f"shift()/push() of {name}, an array that writes grow", a.assign)
            bad = arrays.unpaired_push(nodes, name, lambda c, name=name: self.is_math_call(c) or
                                       self.cannot_reach(c, name, holders))
            if bad is not None:
                raise self.refuse(f"{name}.push(v) other than right after a sure {name}.shift() in the same "
                                  f"comma sequence", bad)
            a.queue = True

    def cannot_reach(self, call, name: str, holders) -> bool:
        """Can the helpers `call` may run never name `name` (renames.names_in_callable_code)?"""
        names = renames.names_in_callable_code([call], holders)
        return names is not None and name not in names

    def is_math_alias_definition(self, node) -> bool:
        return isinstance(node, P.Assign) and node.op == "=" and isinstance(node.target, P.Ident) and \
            node.target.name in self.info.math_aliases and self.math_function_named(node.value) is not None

    def math_alias(self, callee) -> bool:
        return isinstance(callee, P.Ident) and callee.name in self.info.math_aliases and \
            resolve(self.info, self.frames, callee.name)[0] == "global"

    def is_array_definition(self, node) -> bool:
        return is_array_definition(self.info, node)

    # -- objects used as records (engine.compiled.records)
    def collect_records(self) -> None:
        nodes = list(P.walk(self.info.tree))
        for func in self.declarations:
            nodes.extend(P.walk(func))
        found = records.find_records(nodes, self.plain, self.global_member)
        self.info.records = {name: props for name, props in found.items()
                             if name not in PARAMS and name not in BUILTIN_GLOBALS and name not in self.info.arrays}
        self.info.record_definitions = records.definition_names(nodes, self.info.records)
        for name in self.info.records:
            if name not in self.info.globals:
                self.info.globals[name] = len(self.info.globals)   # its status: whether it was assigned
        definitions = {}
        for node_id, holder in self.info.record_definitions.items():
            definitions.setdefault(holder, []).append(node_id)
        literals = {id(n): n.value for n in nodes if id(n) in self.info.record_definitions}
        for holder, ids in definitions.items():
            if len(ids) != 1:
                continue       # each literal would make its own functions: several per property
            for key, value in literals[ids[0]].props:
                if isinstance(value, P.Func) and self.method_ok(value):
                    name = records.field_name(holder, records.property_key(key))
                    self.func_global_literal[name] = value
                    self.info.func_globals[name] = self.info.func_ids[id(value)]
                    if name not in self.info.globals:
                        self.info.globals[name] = len(self.info.globals)

    def method_ok(self, func: P.Func) -> bool:
        """A function a record can hold as a property: it does not read `this`, and reads
        nothing from the scope it was made in (t, enclosing locals), so calling it later
        through the record behaves as calling it where it was made."""
        if func.generator or func.is_async or records.uses_this(func):
            return False
        fid = self.info.func_ids[id(func)]
        assigned_params = {n.target.name for n in P.walk(self.info.tree)
                           if isinstance(n, (P.Assign, P.Update)) and isinstance(n.target, P.Ident)} & PARAMS
        scope = {"t", "window"} | assigned_params | {
            n for p in self.enclosing_fids(self.info.parents[fid]) for n in self.info.local_names[p]}
        return not (self.static_free_names(func) & scope)

    def is_record_definition(self, node) -> bool:
        return id(node) in self.info.record_definitions

    def record_holder(self, node) -> str | None:
        """The record's holder when `node` is `holder.prop` / `holder[key]` of a record."""
        if isinstance(node, (P.Member, P.Index)) and isinstance(node.obj, P.Ident) and \
                node.obj.name in self.info.records and resolve(self.info, self.frames, node.obj.name)[0] == "global":
            return node.obj.name
        return None

    def record_field(self, node) -> str:
        """The global of `holder.prop` (refusing the properties every object inherits)."""
        holder = self.record_holder(node)
        if node.prop in records.OBJECT_PROTOTYPE:
            raise self.refuse(f"property {node.prop} of the object {holder}", node)
        name = records.field_name(holder, node.prop)
        if name not in self.info.globals:
            self.info.globals[name] = len(self.info.globals)
        return name

    def record_lookup(self, node, holder: str) -> Kind:
        """`holder[key]`: the property the key's value names (engine.compiled.records.lookup_keys)."""
        k = self.expr(node.index)
        keys = records.lookup_keys(self.info.records[holder], k.base)
        if keys is None:
            raise self.refuse(f"key of the object {holder} that is not a one-character string or an integer",
                              node.index)
        if k.base != "undef" and k.undef and "undefined" in self.info.records[holder]:
            raise self.refuse(f"key of the object {holder} that may be undefined", node.index)
        out = UNDEF
        for prop in keys:
            name = records.field_name(holder, prop)
            if name not in self.info.globals:
                self.info.globals[name] = len(self.info.globals)
            out = out.join(_with_undef(self.info.global_kinds.get(name, NUM), True))
        return out

    def define_record(self, node) -> Kind:
        """`holder = {k: v, ...}` (its value discarded): each value's kind goes to its field."""
        holder = node.target.name
        bad = records.literal_problem(node.value, lambda f: records.field_name(holder, self.method_key(node, f))
                                      in self.info.func_globals)
        if bad is not None:
            raise self.refuse(f"object literal with {bad[1]}", bad[0])
        for key, value in node.value.props:
            name = records.field_name(holder, records.property_key(key))
            if isinstance(value, P.Func):
                self.create_function(value, name, value)
            else:
                self.set_var_kind(name, self.expr(value), value)
        return NUM

    def method_key(self, node, func) -> str:
        return next(records.property_key(k) for k, v in node.value.props if v is func)

    def array_param(self, node):
        """(frame, storage key) when `node` names an array parameter of an inlined call."""
        return bound_parameter(self.info, self.frames, node, "arrays")

    def function_param(self, node):
        """The Math function (name) or helper function (fid) a parameter of an inlined call is
        bound to, else None."""
        bound = bound_parameter(self.info, self.frames, node, "funcs")
        return None if bound is None else bound[1]

    def function_argument(self, node):
        """The Math function (its name) or helper function (its fid) an argument passes (`sin`,
        `Math.cos`, a global holding one, a parameter bound to one), or None; calls of the
        parameter call it. A helper function is passed only from a global that song-level code
        alone defines: no call can re-create it (and its captures) while the parameter holds it.
        A function literal is ("literal", fid, frames of its scope): it can only be called while
        the call it is passed to runs, so the frames it reads its outer names from still exist."""
        bound = self.function_param(node)
        if bound is not None:
            return bound
        if isinstance(node, P.Func) and not node.generator and not node.is_async:
            return ("literal", self.info.func_ids[id(node)], len(self.frames))
        if isinstance(node, P.Ident):
            where = resolve(self.info, self.frames, node.name)[0]
            if where == "song" and node.name not in self.info.locals:
                return self.math_function_named(node)
            if where == "global" and node.name in self.info.math_aliases:
                return self.info.math_aliases[node.name]
            if where == "global" and node.name in self.info.func_globals and \
                    node.name not in self.defined_in_functions and node.name not in self.info.dual_functions:
                return self.info.func_globals[node.name]
            return None
        return self.math_function_named(node) if isinstance(node, P.Member) else None

    def array_argument(self, node):
        """The storage an argument passes by reference, or None: an array parameter; a holder
        whose site is at the song's top level (no call can be running when the site runs
        again, so no parameter can miss the old array); a literal of computed values (made
        afresh for each call: calls cannot nest into the same literal without recursion)."""
        bound = self.array_param(node)
        if bound is not None:
            return bound[1]
        if isinstance(node, P.Ident) and self.array_holder(node):
            a = self.info.arrays[node.name]
            if id(a.assign) in self.song_level_ids and not a.queue and not a.growable:
                return node.name
            return None
        if arrays.is_computed_literal(node, const_number):
            key = f"[]@{node.pos}"
            if key not in self.info.arrays:
                self.info.arrays[key] = ArraySite(key, None, node, len(node.elements))
                self.changed = True
            for e in node.elements:
                self.join_array_kind(key, UNDEF if e is None else self.expr(e), e or node)
            return key
        return None

    def array_holder(self, node) -> bool:
        """Is `node` a bare read of a global that holds a mutable array (not a table)?"""
        return isinstance(node, P.Ident) and node.name in self.info.arrays and \
            self.info.arrays[node.name].rows is None and resolve(self.info, self.frames, node.name)[0] == "global"

    def table_holder(self, node) -> bool:
        """Is `node` a bare read of a global that holds a table (ArraySite.rows)?"""
        return isinstance(node, P.Ident) and node.name in self.info.arrays and \
            self.info.arrays[node.name].rows is not None and \
            resolve(self.info, self.frames, node.name)[0] == "global"

    def join_array_kind(self, name: str, kind: Kind, node) -> None:
        if kind.base in ("ref", "invalid"):
            raise self.refuse(f"array or string stored as an element of {name}", node)
        old = self.info.array_kinds.get(name)
        new = kind if old is None else old.join(kind)
        if new != old:
            self.info.array_kinds[name] = new
            self.changed = True

    def define_array(self, node) -> Kind:
        """`A = <site>` (its value discarded): the elements' kinds."""
        name = node.target.name
        if resolve(self.info, self.frames, name)[0] != "global":
            raise self.refuse(f"array stored in the local variable {name}", node)
        a = self.info.arrays[name]
        site = a.site
        if a.rows is not None:
            for row in site.elements:
                for e in row.elements:
                    self.join_array_kind(name, UNDEF if e is None else self.expr(e), e or row)
            return NUM
        if isinstance(site, P.ArrayLit):
            for e in site.elements:
                self.join_array_kind(name, UNDEF if e is None else self.expr(e), e or site)
            if a.growable:
                self.join_array_kind(name, UNDEF, site)     # holes until written
            return NUM
        fill = arrays.fill_call_parts(site)
        self.expr(arrays.array_constructor_length(fill[0] if fill else site))
        args = fill[1] if fill else ()
        for arg in args:
            self.expr(arg)
        if a.filled != (0, a.length) or not args:
            self.join_array_kind(name, UNDEF, site)       # holes
        if a.filled[1] > a.filled[0]:
            self.join_array_kind(name, self.info.kinds[id(args[0])] if args else UNDEF, site)
        return NUM

    def array_write(self, target, kind: Kind) -> None:
        """`A[i] = v` (or compound): only where i is provably an element's index."""
        name = target.obj.name
        if self.info.arrays[name].queue:
            raise self.refuse(f"assignment to an element of {name}, which shift()/push() rotate", target)
        self.index_kind(self.expr(target.index), target.index)
        t_is_index = self.info.mode != "func" and "t" not in self.info.locals
        ranges = arrays.Ranges(t_is_index, self.constants, lambda n: resolve(self.info, self.frames, n)[0],
                               counters=self.counter_bounds, assigned=self.plain,
                               remote_where=lambda n: "fn" if n in self.all_locals else (
                                   "song" if n == "t" else "fn" if n in PARAMS else "global"),
                               monotone=self.monotone, pristine_t=self.pristine_t,
                               t_divisor=self.t_divisor, static_number=self.static_number,
                               lengths={k: a.length for k, a in self.info.arrays.items()
                                        if not a.queue and not a.growable and a.rows is None and
                                        a.assign is not None})
        a = self.info.arrays[name]
        if a.growable:
            r = ranges.bounds(target.index)
            if r is None or r[0] < 0 or r[1] >= arrays.MAX_GROWN_LENGTH:
                # counters' bounds settle between passes: refused only if still unproven then
                self.deferred.append(self.refuse(f"write to {name}[i] where i is not provably an integer "
                                                 f"from 0 to {arrays.MAX_GROWN_LENGTH - 1}", target.index))
            elif r[1] + 1 > a.length:
                a.length = int(r[1]) + 1      # the room the writes need (JS grows the array)
                self.changed = True
        elif not ranges.within(target.index, a.length):
            self.deferred.append(self.refuse(f"write to {name}[i] where i is not provably an integer from 0 to "
                                             f"{a.length - 1}", target.index))
        self.join_array_kind(name, kind, target)

    def ref_type(self, k: Kind, node) -> str:
        types = {self.info.objects[o].type for o in k.objs}
        if len(types) != 1:
            raise self.refuse("a value that is sometimes a string and sometimes an array", node)
        return types.pop()

    def element_kind(self, k: Kind) -> Kind:
        out = None
        for o in k.objs:
            obj = self.info.objects[o]
            if obj.type == "str":
                ek = Kind("str")
            else:
                ek = None
                for tag, raw, _ in obj.elements:
                    e = {"num": NUM, "char": Kind("str"), "hole": UNDEF}.get(tag) or \
                        Kind("ref", False, frozenset([int(raw)]))
                    ek = e if ek is None else ek.join(e)
                ek = ek or UNDEF
            out = ek if out is None else out.join(ek)
        out = out or UNDEF
        return Kind(out.base, True, out.objs)   # out of range: undefined

    def expr(self, node, discard: bool = False) -> Kind:
        """The kind of an expression; `discard`: its value is not used (function
        definitions are allowed there)."""
        if discard:
            if defined_function(node) is not None:
                for a in function_definitions(node):      # `f = g = x => ...`: g, then f
                    self.note(a, self.define_function(a))
                return self.note(node, NUM)
            if conditional_definition(node) is not None:
                return self.note(node, self.define_function(node))
            if self.is_array_definition(node):
                return self.note(node, self.define_array(node))
            if self.is_choice_definition(node):
                return self.note(node, self.define_choice(node))
            if self.is_record_definition(node):
                return self.note(node, self.define_record(node))
            if self.is_math_alias_definition(node):
                if resolve(self.info, self.frames, node.target.name)[0] != "global":
                    raise self.refuse(f"function stored in the local variable {node.target.name}", node)
                return self.note(node, NUM)
            if isinstance(node, P.Sequence):
                for e in node.exprs:
                    self.expr(e, discard=True)
                return self.note(node, NUM)
            if isinstance(node, (P.Logical, P.Conditional)):
                # value unused: the branches are discarded too (`t>0?m=[1,2]:0` mixes no kinds);
                # the left side of &&, ||, ?? is a value: its truth picks the branch
                if isinstance(node, P.Conditional):
                    self.truthy(self.expr(node.test), node.test)
                    for branch in self.branch_order(node):
                        self.expr(branch, discard=True)
                else:
                    k = self.expr(node.left)
                    if node.op != "??":
                        self.truthy(k, node.left)
                    self.expr(node.right, discard=True)
                return self.note(node, NUM)
        if id(node) in self.info.numeric_singletons:
            if self.expr(node.elements[0]).base != "num":
                raise self.refuse("one-element array of a value that is not a number, read as a number", node)
            return self.note(node, NUM)
        method = getattr(self, "x_" + type(node).__name__, None)
        if method is None:
            raise self.refuse(_construct_name(node), node)
        return self.note(node, method(node))

    def define_function(self, node) -> Kind:
        target = node.target
        if isinstance(target, P.Ident):
            name = target.name
            where = resolve(self.info, self.frames, name)[0]
            if where != "global" and not (where == "song" and name in self.info.song_functions and not self.frames):
                raise self.refuse("function assigned to a local variable", node)
        else:
            name = self.global_member(target)
            if name is None:
                raise self.refuse("function stored in " + _construct_name(target), node)
        if node.op != "=" and (name in self.info.dual_functions or name in self.info.song_functions):
            raise self.refuse(f"'{node.op}' definition of {name}, which also holds other values", node)
        self.create_function(defined_function(node) or conditional_definition(node), name, node)
        return NUM

    def x_Num(self, node) -> Kind:
        return NUM

    def x_Str(self, node) -> Kind:
        if len(utf16_units(node.value)) == 1:
            return Kind("str")
        return Kind("ref", False, frozenset([self.make_object(node)]))

    def x_ArrayLit(self, node) -> Kind:
        return Kind("ref", False, frozenset([self.make_object(node)]))

    def x_Literal(self, node) -> Kind:
        if node.value is None:
            raise self.refuse("null", node)
        return BOOL

    def x_Ident(self, node) -> Kind:
        return self.var_kind(node.name, node)

    def x_Sequence(self, node) -> Kind:
        for e in node.exprs[:-1]:
            self.expr(e, discard=True)
        return self.expr(node.exprs[-1])

    def fold_kind(self, node, kind: Kind) -> Kind:
        """A folded node's kind, joined over every call that folds it (kinds are per node)."""
        old = self.info.fold_kinds.get(id(node))
        new = kind if old is None else old.join(kind)
        if new != old:
            self.info.fold_kinds[id(node)] = new
            self.changed = True
        return new

    def x_Conditional(self, node) -> Kind:
        test = folded_test(self.info, self.frames, node.test)
        if test is not None:
            self.expr(node.test)     # still run: reading a constant global may throw
            return self.fold_kind(node, self.expr(node.cons if test else node.alt))
        self.truthy(self.expr(node.test), node.test)
        a, b = (self.expr(branch) for branch in self.branch_order(node))
        return a.join(b)

    def branch_order(self, node) -> tuple:
        """The branches of `?:` in the order to analyze them: `t ? use : init` (the song's
        t as the test) sets its globals up in the branch written second; analyzing it
        first gives the reads their kinds in the first pass (kinds do not depend on the
        order; which refusal comes first does)."""
        test = node.test
        if isinstance(test, P.Ident) and test.name == "t" and resolve(self.info, self.frames, "t")[0] == "song":
            return node.alt, node.cons
        return node.cons, node.alt

    def x_Logical(self, node) -> Kind:
        left = folded_operand(self.info, self.frames, node.left)
        if left is not None:
            self.expr(node.left)     # still run: reading a constant global may throw
            keep = node.op == "??" or recursion.is_truthy(left) == (node.op == "||")
            return self.fold_kind(node, NUM if keep else self.expr(node.right))
        a = self.expr(node.left)
        b = self.expr(node.right)
        if node.op == "??":
            return _with_undef(a.join(b), b.undef)
        self.truthy(a, node.left)
        return a.join(b)

    def x_Unary(self, node) -> Kind:
        if node.op in ("typeof", "void", "delete", "await"):
            raise self.refuse(f"'{node.op}' operator", node)
        k = self.expr(node.arg)
        if node.op == "!":
            self.truthy(k, node.arg)
            return BOOL
        return NUM

    def x_Binary(self, node) -> Kind:
        op = node.op
        if op in ("in", "instanceof"):
            raise self.refuse(f"'{op}' operator", node.op_pos)
        a = self.expr(node.left)
        b = self.expr(node.right)
        stringy = ("str", "any", "ref")
        if op == "+":
            if a.base in stringy or b.base in stringy:
                raise self.refuse("string concatenation", node.op_pos)
            return NUM
        if op in ("==", "!=", "===", "!=="):
            if a.base in stringy and b.base in stringy and not (a.base == b.base == "str"):
                raise self.refuse("comparison of strings or arrays", node.op_pos)
            if "numbool" in (a.base, b.base) and op in ("===", "!=="):
                raise self.refuse("strict comparison of mixed types", node.op_pos)
            return BOOL
        if op in ("<", ">", "<=", ">="):
            if a.base in stringy and b.base in stringy and not (a.base == b.base == "str"):
                raise self.refuse("comparison of strings", node.op_pos)
            return BOOL
        if op == "**":
            self.check_pow(node.right, node.op_pos)
        return NUM

    def check_pow(self, exponent, pos) -> None:
        y = const_number(exponent)
        if y in (0.0, 1.0, -1.0, 2.0, 0.5):
            return
        if "pow" in self.info.fdlibm:
            self.info.uses_fdlibm.add("pow")
            return
        raise self.refuse("'**' (needs the fdlibm port)", pos)

    def x_Update(self, node) -> Kind:
        t = node.target
        if isinstance(t, P.Ident) and t.name in self.counter_starts and \
                resolve(self.info, self.frames, t.name)[0] == "global":
            if self.loops_open:
                if t.name not in self.unbounded:
                    self.unbounded.add(t.name)
                    self.changed = True
            else:
                self.increments[t.name] += 1
        self.assign_target(node.target, NUM, read=True)
        return NUM

    def x_Assign(self, node) -> Kind:
        op = node.op
        if op == "=":
            k = self.expr(node.value)
            self.assign_target(node.target, k, read=False)
            return k
        cur = self.expr(node.target)
        k = self.expr(node.value)
        if op in ("&&=", "||=", "??="):
            if op != "??=":
                self.truthy(cur, node.target)
            result = cur.join(k) if op != "??=" else _with_undef(cur.join(k), k.undef)
            self.assign_target(node.target, k, read=True)
            return result
        if op == "+=" and (cur.base in ("str", "any") or k.base in ("str", "any")):
            raise self.refuse("string concatenation", node.op_pos)
        if op == "**=":
            self.check_pow(node.value, node.op_pos)
        self.assign_target(node.target, NUM, read=True)
        return NUM

    def assign_target(self, target, kind: Kind, read: bool) -> None:
        if isinstance(target, P.Ident):
            name = target.name
            if name in BUILTIN_GLOBALS:
                if name in ("NaN", "Infinity", "undefined"):
                    return  # non-writable: the assignment is silently ignored
                raise self.refuse(f"assignment to built-in {name}", target)
            if read:
                self.var_kind(name, target)
            self.set_var_kind(name, kind, target)
            self.note(target, self.var_kind(name, target))
            return
        if isinstance(target, P.Member) and self.record_holder(target) is not None:
            name = self.record_field(target)
            if read:
                self.expr(target)
            self.set_var_kind(name, kind, target)
            self.note(target, _with_undef(self.info.global_kinds[name], True))
            return
        gname = self.global_member(target)
        if gname is not None:
            if gname in BUILTIN_GLOBALS:
                raise self.refuse(f"assignment to built-in {gname}", target)
            self.set_var_kind(gname, kind, target)
            self.note(target, self.info.global_kinds[gname])
            return
        if isinstance(target, P.Member) and isinstance(target.obj, P.Ident) and target.obj.name == "Math":
            return  # Math is frozen: ignored
        if isinstance(target, P.Index) and not target.optional and self.array_holder(target.obj):
            self.array_write(target, kind)
            return
        raise self.refuse("assignment to " + _construct_name(target), target)

    def global_member(self, node) -> str | None:
        """`this.x`, `window.x`, `globalThis.x` name the global x."""
        if isinstance(node, P.Member) and not node.optional:
            obj = node.obj
            if isinstance(obj, P.This) or (isinstance(obj, P.Ident) and (
                    obj.name == "window" and "window" not in self.info.locals or obj.name == "globalThis")):
                return node.prop
        return None

    def x_Member(self, node) -> Kind:
        if self.record_holder(node) is not None and not node.optional:
            name = self.record_field(node)
            if name in self.info.func_globals:
                raise self.refuse(f"function {name} used as a value", node)
            return _with_undef(self.info.global_kinds.get(name, NUM), True)
        if node.prop == "length" and not node.optional and self.array_param(node.obj) is not None:
            return NUM
        if node.prop == "length" and not node.optional and self.array_holder(node.obj):
            if self.info.arrays[node.obj.name].growable:
                raise self.refuse(f"{node.obj.name}.length of an array that writes grow", node)
            return NUM
        gname = self.global_member(node)
        if gname is not None and gname in self.info.arrays:
            raise self.refuse(f"array {gname} used through {_construct_name(node)}", node)
        if gname is not None and gname in self.info.math_aliases:
            raise self.refuse(f"function value {gname} used as a value", node)
        if gname is not None and gname in self.info.func_globals:
            raise self.refuse(f"function {gname} used as a value", node)
        if gname is not None:
            if gname in BUILTIN_GLOBALS:
                return self.var_kind(gname, node)
            if gname not in self.info.globals:
                self.info.globals[gname] = len(self.info.globals)
            k = self.info.global_kinds.get(gname, NUM)
            return _with_undef(k, True)   # reads of an unset property give undefined
        obj = node.obj
        if isinstance(obj, P.Ident) and obj.name == "Math" and not node.optional:
            if node.prop in MATH_CONSTANTS:
                return NUM
            raise self.refuse(f"Math.{node.prop} used as a value", node)
        if node.prop == "length" and isinstance(obj, (P.Str, P.ArrayLit)):
            if isinstance(obj, P.ArrayLit):
                self.array_elements(obj)
            return NUM
        if not isinstance(obj, P.Ident) or obj.name not in BUILTIN_GLOBALS:
            k = self.expr(obj)     # report an unsupported object first
            if k.base == "ref" and node.prop == "length" and not node.optional:
                return NUM
        raise self.refuse(f"property '.{node.prop}'", node.prop_pos)

    def array_elements(self, node) -> Kind:
        kind = None
        for e in node.elements:
            if isinstance(e, P.Spread):
                raise self.refuse("spread in array", e)
            k = UNDEF if e is None else self.expr(e)
            kind = k if kind is None else kind.join(k)
        return kind or UNDEF

    def x_Index(self, node) -> Kind:
        if node.optional:
            raise self.refuse("optional chaining", node)
        holder = self.record_holder(node)
        if holder is not None:
            return self.record_lookup(node, holder)
        obj = node.obj
        if isinstance(obj, P.Index) and not obj.optional and self.table_holder(obj.obj):
            self.index_kind(self.expr(obj.index), obj.index)
            self.index_kind(self.expr(node.index), node.index)
            return _with_undef(self.info.array_kinds.get(obj.obj.name, UNDEF), True)
        bound = self.array_param(obj)
        if bound is not None:
            self.index_kind(self.expr(node.index), node.index)
            return _with_undef(self.info.param_array_kinds.get((bound[0].fid, obj.name), UNDEF), True)
        if self.array_holder(obj):
            self.index_kind(self.expr(node.index), node.index)
            return _with_undef(self.info.array_kinds.get(obj.name, UNDEF), True)
        if arrays.is_nested_table(obj, const_number) and self.number_rows(obj):
            k = None
            for row in obj.obj.elements:
                if arrays.is_scalar_row(row):
                    continue
                rk = self.array_elements(row)
                k = rk if k is None else k.join(rk)
            if k.base in ("ref", "invalid"):
                raise self.refuse("array of computed values used as a value", obj.obj)
            self.note(obj.obj, k)
            self.note(obj, _with_undef(k, True))
            self.index_kind(self.expr(obj.index), obj.index)
            self.index_kind(self.expr(node.index), node.index)
            return _with_undef(k, True)
        if isinstance(obj, P.Str):
            self.index_kind(self.expr(node.index), node.index)
            return Kind("str", True)
        if isinstance(obj, P.ArrayLit):
            k = self.array_elements(obj)
            self.note(obj, k)
            self.index_kind(self.expr(node.index), node.index)
            return _with_undef(k, True)
        k = self.expr(obj)
        if k.base == "ref":
            # strings and arrays alike: a string's elements are its one-unit strings, in the
            # same element tables, and out-of-range or fractional indices give undefined for both
            self.index_kind(self.expr(node.index), node.index)
            return self.element_kind(k)
        if k.base == "undef" or self.kind_not_seen_yet(obj) or (
                isinstance(obj, P.Ident) and resolve(self.info, self.frames, obj.name)[0] == "global" and
                obj.name not in self.info.func_globals and obj.name not in self.info.math_aliases):
            # `t ? a[i] : (a = '...')`, or a global assigned a string or array later in the
            # code: its kind is known once the pass settles
            self.deferred.append(self.refuse("indexing " + _construct_name(obj), node))
            self.index_kind(self.expr(node.index), node.index)
            return UNDEF
        raise self.refuse("indexing " + _construct_name(obj), node)

    def kind_not_seen_yet(self, node) -> bool:
        """A global this pass has not seen assigned yet (read as a number until then)."""
        return isinstance(node, P.Ident) and resolve(self.info, self.frames, node.name)[0] == "global" and \
            node.name not in self.info.global_kinds
    def number_rows(self, table) -> bool:
        """Are the rows of a nested table that are not array literals numbers (never
        undefined)? If not, the table is an array of values like any other."""
        rows = arrays.scalar_rows(table)
        if not rows:
            return True
        kinds = [self.expr(r) for r in rows]
        ok = all(k.base in ("num", "bool", "numbool") and not k.undef for k in kinds)
        if ok:
            self.info.number_row_tables.add(id(table))
        return ok

    def index_kind(self, k: Kind, node) -> None:
        """Numbers index elements; so does a one-character string, by its text (codegen
        index_number); other keys (booleans, longer strings) are refused."""
        if k.base not in ("num", "str"):
            raise self.refuse("index that is not a number", node)

    def rest_of_spread(self, spread):
        """(name, count) when `spread` is `...a` of the rest parameter of the current call."""
        return rest_of_spread(self.info, self.frames, spread)

    def x_Call(self, node) -> Kind:
        callee = node.callee
        if node.optional:
            raise self.refuse("optional call", node)
        if any(isinstance(a, P.Spread) for a in node.args):
            call = restparams.expanded_call(self.info.spread_calls, node, self.rest_of_spread)
            if call is None:
                raise self.refuse("spread arguments", next(a for a in node.args if isinstance(a, P.Spread)))
            return self.expr(call)
        if arrays.queue_call(node) and self.array_holder(callee.obj):
            kinds = [self.expr(a) for a in node.args]
            if arrays.queue_call(node) == "push":
                self.join_array_kind(callee.obj.name, kinds[0], node)
                return NUM
            return _with_undef(self.info.array_kinds.get(callee.obj.name, UNDEF), True)
        chosen = self.chosen_math_functions(callee)
        if chosen is not None:        # `(c ? sin : cos)(x)`
            self.truthy(self.expr(callee.test), callee.test)
            for name in chosen:
                self.use_math_function(name, callee)
            for a in node.args:
                self.expr(a)
            self.info.chosen_math_calls[id(node)] = tuple("floor" if n == "int" else n for n in chosen)
            return NUM
        name = self.function_param(callee)
        if isinstance(name, int):      # a parameter bound to a helper function
            return self.call_function(name, node.args, node, snapshot=True)
        if isinstance(name, tuple):    # a parameter bound to a function literal
            return self.call_function(name[1], node.args, node, snapshot=False, outer=name[2])
        if name is not None:
            pass
        elif isinstance(callee, P.Ident) and callee.name in PARAMS and callee.name not in self.info.locals and \
                callee.name not in self.info.song_functions:
            if resolve(self.info, self.frames, callee.name)[0] != "song":
                raise self.refuse(f"call of {callee.name}, a variable", callee)
            name = callee.name
        elif self.math_alias(callee):
            name = self.info.math_aliases[callee.name]
        elif isinstance(callee, P.Member) and isinstance(callee.obj, P.Ident) and \
                callee.obj.name == "Math" and not callee.optional:
            name = callee.prop
            if name not in MATH_FUNCTIONS:
                raise self.refuse(f"Math.{name}", callee)
        if name is not None:
            self.use_math_function(name, callee)
            for a in node.args:
                self.expr(a)
            return NUM
        if isinstance(callee, P.Member) and callee.prop == "charCodeAt" and not callee.optional and \
                not (isinstance(callee.obj, P.Ident) and callee.obj.name in BUILTIN_GLOBALS):
            k = self.expr(callee.obj)
            if not isinstance(callee.obj, P.Str) and k.base != "str" and \
                    (k.base != "ref" or self.ref_type(k, callee.obj) != "str"):
                raise self.refuse("charCodeAt of a value that is not a string", callee)
            for a in node.args:
                self.expr(a)
            return NUM
        if isinstance(callee, P.Ident) and callee.name in ("isNaN", "isFinite") and \
                resolve(self.info, self.frames, callee.name)[0] == "global":
            for a in node.args:
                self.expr(a)
            return BOOL
        if isinstance(callee, P.Ident) and callee.name == "parseInt" and callee.name not in self.info.globals:
            if not node.args:
                return NUM
            k = self.expr(node.args[0])
            if k.base not in ("str", "undef") and not (k.base == "ref" and self.ref_type(k, node.args[0]) == "str"):
                raise self.refuse("parseInt of a non-string", node.args[0])
            if len(node.args) > 1:
                r = const_number(node.args[1])
                if r is None:
                    raise self.refuse("parseInt with a variable radix", node.args[1])
                for a in node.args[1:]:
                    self.expr(a)
            return NUM
        if isinstance(callee, P.Member) and self.record_holder(callee) is not None and \
                self.record_field(callee) in self.info.func_globals:      # a record's function property
            return self.call_function(self.info.func_globals[self.record_field(callee)], node.args, node,
                                      snapshot=True)
        if isinstance(callee, P.Ident) and callee.name in self.info.choices and \
                resolve(self.info, self.frames, callee.name)[0] == "global":
            out = None
            for fid in dict.fromkeys(self.info.choices[callee.name]):    # each candidate once
                k = self.call_function(fid, node.args, node, snapshot=True)
                out = k if out is None else out.join(k)
            return out
        if defined_function(callee) is not None:     # `(f = x => ...)(args)`: define, then call it here
            self.expr(callee, discard=True)
            return self.call_function(self.info.func_ids[id(defined_function(callee))], node.args, node,
                                      snapshot=False)
        inlined = self.inlined_callee(node)
        if inlined is not None:
            return self.call_function(inlined[0], node.args, node, *inlined[1:])
        raise self.refuse("call of " + _construct_name(callee), node)

    def result_callee(self, node):
        """inlined_callee of a call that is the song's result, where no built-in of the same
        name (parseInt, a Math function, a parameter bound to one) takes the call first."""
        if not isinstance(node, P.Call):
            return None
        c = node.callee
        if isinstance(c, P.Ident) and (c.name in PARAMS or c.name in ("isNaN", "isFinite", "parseInt") or
                                       self.math_alias(c) or self.function_param(c) is not None):
            return None
        return self.inlined_callee(node)

    def use_math_function(self, name: str, callee) -> None:
        """A call of Math.<name> (`int` is floor): note what the kernel needs for it."""
        if name == "int":
            name = "floor"
        if name not in MATH_FUNCTIONS:
            raise self.refuse(f"call of {name}", callee)
        if name in FDLIBM_MATH:
            if name not in self.info.fdlibm:
                raise self.refuse(f"Math.{name} (needs the fdlibm port)", callee)
            self.info.uses_fdlibm.add(name)
        if name == "random":
            self.info.uses_random = True

    def chosen_math_functions(self, callee):
        """(a, b) for a callee `c ? a : b` whose branches name Math functions other than
        random (reading them has no effect, calling them none but the result)."""
        if not isinstance(callee, P.Conditional):
            return None
        names = []
        for branch in (callee.cons, callee.alt):
            name = self.function_param(branch)
            if name is None and (not isinstance(branch, P.Ident) or
                                 resolve(self.info, self.frames, branch.name)[0] == "song"):
                name = self.math_function_named(branch)
            if name is None or name == "random" or (name != "int" and name not in MATH_FUNCTIONS):
                return None
            names.append(name)
        return tuple(names)

    def inlined_callee(self, node):
        """(fid, snapshot, toplevel) when `node` calls one of the song's function literals."""
        if not isinstance(node, P.Call) or node.optional:
            return None
        return inlined_callee(self.info, self.frames, node.callee, self.global_member)


def _construct_name(node) -> str:
    names = {
        P.Func: "function expression", P.Regex: "regular expression literal",
        P.Template: "template literal", P.ObjectLit: "object literal", P.New: "'new' expression",
        P.ClassExpr: "class expression", P.BigIntLit: "BigInt literal", P.This: "this",
        P.Spread: "spread", P.Call: "call result", P.Index: "indexing result",
        P.ArrayLit: "array literal", P.Str: "string literal",
    }
    if isinstance(node, P.Func):
        if node.generator:
            return "generator function"
        if node.is_async:
            return "async function"
        return "arrow function" if node.arrow else "function expression"
    if isinstance(node, P.Ident):
        return node.name
    if isinstance(node, P.Member):
        inner = _construct_name(node.obj) if isinstance(node.obj, (P.Ident, P.Member, P.This)) else "value"
        return f"{inner}.{node.prop}"
    return names.get(type(node), type(node).__name__)


def analyze(source: str, tree: P.Node, mode: str, rest: tuple = ()) -> SongInfo:
    """Check the song against the compiled subset; returns what codegen needs.
    `rest`: statements after the returned expression (only reached by hoisting)."""
    with P.deep_recursion():
        tree, rest = rewrites.prepare(source, tree, rest, PARAMS, BUILTIN_GLOBALS)
    # rewrites into constructs taken below
    tree = spreads.inline_constant_spreads(named_methods.method_names_in_globals(tree))
    tree = returned_tables.inline_returned_tables(folds.unroll_folds(tree))
    tree = stereo.unstored_stereo_results(renames.split_reused_names(tree))
    a = Analyzer(source, tree, mode)
    decls = []
    for stmt in rest:
        if isinstance(stmt, P.FuncDecl):
            if stmt.func.name is None or stmt.func.generator or stmt.func.is_async:
                raise a.refuse("function declaration", stmt)
            decls.append(stmt.func)
            continue
        for node in a.song_level_nodes(stmt):
            if isinstance(node, P.FuncDecl):
                raise a.refuse("function declaration in a block", node)
            if isinstance(node, P.VarDecl) and node.kind == "var":
                raise a.refuse("'var' declaration", node)
    a.declarations = decls
    with P.deep_recursion():
        return a.run()
