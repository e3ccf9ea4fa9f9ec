"""Stage 4: analyzed tree -> LLVM IR (text) of one kernel.

The kernel is

    i32 fill(double* left, double* right, i64 t0, i64 n, double* state)

It evaluates the song for t = t0 .. t0+n-1 inside machine code, writes each channel's
`+value` (NaN when the value is undefined/NaN or the call threw) and returns 1 if any
call returned an array. `state` holds the song's globals: for global k, state[2k] is
the value and state[2k+1] its status (0: never assigned -> reading it throws a
ReferenceError; 1: a value; 2: undefined). Every value is a double (a JS number);
booleans are 0/1, one-character strings their UTF-16 code unit, with a separate i1
"is undefined" flag where the analysis says a value may be undefined. A value proven to be
an exact integer also carries it as an i64 with bounds (engine.compiled.integers): then
ToInt32 is a truncation, `%` an integer remainder and + - * stay in integers; constant
subexpressions (fdlibm calls included) are folded while generating.
"""
from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass

import llvmlite.ir as ir

from engine.compiled import (arrays, choices, destructuring, integers, parser as P, records, restparams, tabulate,
                              vector_math)
from engine.compiled.analysis import (
    MATH_CONSTANTS, BUILTIN_GLOBALS, Kind, SongInfo, const_number, NUM, UNDEF, Frame, resolve,
    bound_parameter, is_array_definition, stored_constant_pair,
    defined_function, function_definitions, conditional_definition, constant_arguments, folded_operand,
    folded_test, rest_of_spread)
from engine.compiled.recursion import is_truthy
from engine.compiled.vector_math import FDLIBM_SYMBOL_PREFIX
from engine.compiled.jsvalues import (char_to_number, fold_binary, from_utf16_units, parse_int_string, string_to_number,
                                      to_int32, utf16_units)

BITWISE_OPS = ("&", "|", "^", "<<", ">>", ">>>")
# LLVM's IR optimizer gets slow (seconds to minutes) on huge kernels: beyond these sizes the
# kernel is compiled without IR optimizations (still correct, slower to run).
MAX_OPTIMIZED_ARRAY_CELLS = 4096
MAX_OPTIMIZED_IR = 4_000_000
# the kernel's contract: 0 <= t <= T_MAX. Renders stay below it (at most 384 kHz x 3600 s
# = 1.38e9 samples, engine.request). The bound keeps products such as t*15 exact integers
# (2^53 at most), and ToInt32(t) = t: `t>>4`, `t&255`, `t>>3)%1544` are known non-negative,
# so their integer facts flow on (engine.compiled.integers) and LLVM can vectorise them
T_MAX = (1 << 31) - 1
LOOP_BUDGET = 1 << 31      # loop iterations per fill() call before the kernel gives up (returns -1)
DBL = ir.DoubleType()
I1 = ir.IntType(1)
I8 = ir.IntType(8)
I32 = ir.IntType(32)
I64 = ir.IntType(64)
DPTR = DBL.as_pointer()
NAN = math.nan


def dconst(x: float) -> ir.Constant:
    return ir.Constant(DBL, x)


TRUE = ir.Constant(I1, 1)
FALSE = ir.Constant(I1, 0)


@dataclass(frozen=True)
class Val:
    base: str            # num | bool | str | any | numbool
    d: ir.Value          # the number (str: the code unit)
    u: ir.Value | None   # i1 "is undefined", None when it cannot be
    i: ir.Value | None = None                # i64 equal to d, when d is proven an integer
    rng: tuple[int, int] | None = None       # bounds of i (engine.compiled.integers)


def integer_fact(v: Val, d: ir.Value) -> tuple | None:
    """(i64, (lo, hi)) when `d`, the number of `v`, is a proven integer."""
    return (v.i, v.rng) if d is v.d and v.i is not None and v.rng is not None and v.u is None else None


UNDEF_VAL = Val("undef", dconst(NAN), TRUE)


class CodeGen:
    def __init__(self, info: SongInfo):
        self.info = info
        self.module = ir.Module("song")
        self.fn = ir.Function(self.module, ir.FunctionType(I32, [DPTR, DPTR, I64, I64, DPTR]), "fill")
        self.left, self.right, self.t0, self.n, self.state = self.fn.args
        for a in (self.left, self.right, self.state):
            a.add_attribute("noalias")
        self.b: ir.IRBuilder = None
        self.counter = 0
        self.tables: dict = {}
        self.vectorisable_calls: list[str] = []  # functions with vector variants the kernel calls
        self.intrinsics: dict = {}
        self.local_slots: dict[str, tuple] = {}
        self.song_function_flags: dict[str, ir.Value] = {}   # song parameter -> i1 "holds its function"
        self.frames: list[Frame] = []
        self.loops: list = []
        self.array_cells = 0      # elements of computed array literals (costly for LLVM's optimizer)
        self.layout = info.array_layout()   # mutable arrays' places in the state

    # ------------------------------------------------------------ helpers
    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def block(self, name: str) -> ir.Block:
        return self.fn.append_basic_block(self.fresh(name))

    def intrinsic(self, name: str, types=(DBL,)) -> ir.Function:
        key = (name, tuple(str(t) for t in types))
        if key not in self.intrinsics:
            # declared by hand: llvmlite's declare_intrinsic guesses some signatures wrong
            if name == "llvm.copysign":
                f = ir.Function(self.module, ir.FunctionType(DBL, [DBL, DBL]), "llvm.copysign.f64")
            elif name == "llvm.ctlz":
                f = ir.Function(self.module, ir.FunctionType(I32, [I32, I1]), "llvm.ctlz.i32")
            else:
                f = self.module.declare_intrinsic(name, list(types))
            self.intrinsics[key] = f
        return self.intrinsics[key]

    def call_intr(self, name: str, *args) -> ir.Value:
        return self.b.call(self.intrinsic(name), list(args))

    def table(self, values: list[float]) -> ir.GlobalVariable:
        key = tuple(struct_key(v) for v in values)
        if key not in self.tables:
            ty = ir.ArrayType(DBL, len(values))
            g = ir.GlobalVariable(self.module, ty, self.fresh("table"))
            g.global_constant = True
            g.linkage = "private"
            g.initializer = ir.Constant(ty, [dconst(v) for v in values])
            self.tables[key] = g
        return self.tables[key]

    # ------------------------------------------------------------ constant objects
    def object_table(self, which: str, oid) -> ir.Value:
        """Per-object constant: number (ToNumber), truthy, length, offset (into elements)."""
        objs = self.info.objects
        if which == "number":
            values = [o.number for o in objs]
        elif which == "truthy":
            values = [1.0 if (o.type == "arr" or o.length > 0) else 0.0 for o in objs]
        elif which == "isarray":
            values = [1.0 if o.type == "arr" else 0.0 for o in objs]
        elif which == "length":
            values = [float(o.length) for o in objs]
        elif which == "offset":
            values, off = [], 0
            for o in objs:
                values.append(float(off))
                off += o.length
        elif which.startswith("parseInt"):
            radix = None if which == "parseInt" else float(which[len("parseInt"):])
            values = [parse_int_string(from_utf16_units(o.units), radix) if o.type == "str" else NAN
                      for o in objs]
        else:
            raise AssertionError(which)
        return self.load_table(values or [NAN], self.b.fptosi(oid, I64))

    def element_tables(self):
        raw, num, und = [], [], []
        for o in self.info.objects:
            if o.type == "str":
                raw.extend(float(u) for u in o.units)
                num.extend(char_to_number(u) for u in o.units)
                und.extend(0.0 for _ in o.units)
            else:
                for tag, r, n in o.elements:
                    raw.append(r)
                    num.append(n)
                    und.append(1.0 if tag == "hole" else 0.0)
        return raw or [NAN], num or [NAN], und or [0.0]

    def ref_check_defined(self, v: Val) -> None:
        """Reading a property of undefined throws a TypeError."""
        if v.u is not None:
            self.throw_unless(self.b.not_(v.u))

    def index_ref(self, v: Val, idx, kind: Kind) -> Val:
        b = self.b
        self.ref_check_defined(v)
        length = self.object_table("length", v.d)
        ok = b.and_(b.fcmp_ordered(">=", idx, dconst(0.0)), b.fcmp_ordered("<", idx, length))
        ok = b.and_(ok, b.fcmp_ordered("==", self.call_intr("llvm.floor", idx), idx))
        pos = b.fadd(self.object_table("offset", v.d), b.select(ok, idx, dconst(0.0)))
        k = b.fptosi(pos, I64)
        raw, num, und = self.element_tables()
        d = self.load_table(raw if kind.base in ("str", "ref") else num, k)
        u = b.or_(b.not_(ok), b.fcmp_ordered("!=", self.load_table(und, k), dconst(0.0)))
        return Val(kind.base, d, u)

    def isnan(self, d) -> ir.Value:
        return self.b.fcmp_unordered("uno", d, d)

    def throw_unless(self, ok: ir.Value) -> None:
        cont = self.block("ok")
        self.b.cbranch(ok, cont, self.throw_bb)
        self.b.position_at_end(cont)

    # ------------------------------------------------------------ conversions
    def to_number(self, v: Val) -> ir.Value:
        b = self.b
        if v.base == "undef":
            return dconst(NAN)
        if v.base == "ref":
            d = self.object_table("number", v.d)
            return b.select(v.u, dconst(NAN), d) if v.u is not None else d
        if v.base == "str":
            c = v.d
            digit = b.and_(b.fcmp_ordered(">=", c, dconst(48)), b.fcmp_ordered("<=", c, dconst(57)))
            space = FALSE
            for code in (9, 10, 11, 12, 13, 32, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF):
                space = b.or_(space, b.fcmp_ordered("==", c, dconst(code)))
            space = b.or_(space, b.and_(b.fcmp_ordered(">=", c, dconst(0x2000)),
                                        b.fcmp_ordered("<=", c, dconst(0x200A))))
            d = b.select(digit, b.fsub(c, dconst(48)), b.select(space, dconst(0.0), dconst(NAN)))
        else:
            d = v.d
        if v.u is not None:
            d = b.select(v.u, dconst(NAN), d)
        return d

    def index_number(self, node) -> ir.Value:
        """The element index a property key selects (NaN: no element). A one-character
        string is a key by its text: "0".."9" name elements 0..9, any other character a
        property that arrays and strings do not have (not ToNumber: " " is not 0)."""
        v = self.expr(node)
        if v.base != "str":
            return self.to_number(v)
        b = self.b
        c = v.d
        digit = b.and_(b.fcmp_ordered(">=", c, dconst(48)), b.fcmp_ordered("<=", c, dconst(57)))
        if v.u is not None:
            digit = b.and_(digit, b.not_(v.u))
        return b.select(digit, b.fsub(c, dconst(48)), dconst(NAN))

    def truthy(self, v: Val) -> ir.Value:
        b = self.b
        if v.base == "undef":
            return FALSE
        if v.i is not None:
            return b.icmp_signed("!=", v.i, ir.Constant(I64, 0))
        if v.base == "ref":
            t = b.fcmp_ordered("!=", self.object_table("truthy", v.d), dconst(0.0))
        elif v.base == "str":
            t = TRUE
        else:
            t = b.fcmp_ordered("!=", v.d, dconst(0.0))
        if v.u is not None:
            t = b.and_(b.not_(v.u), t)
        return t

    def convert(self, v: Val, kind: Kind) -> Val:
        """Represent v in the representation of `kind` (for phis and stores)."""
        if v.base == "undef" or kind.base == "undef":
            return Val(kind.base, dconst(NAN), TRUE if kind.undef else None)
        if kind.base == v.base or (kind.base == "numbool" and v.base in ("num", "bool")):
            d = v.d
        elif kind.base in ("any", "num", "numbool"):
            d = self.to_number(Val(v.base, v.d, None))
        else:
            raise AssertionError(f"cannot convert {v.base} to {kind.base}")
        u = None
        if kind.undef:
            u = v.u if v.u is not None else FALSE
        return Val(kind.base, d, u)

    def toint32(self, d) -> ir.Value:
        return self.b.call(self.helper_toint32(), [d])

    def helper_toint32(self) -> ir.Function:
        name = "js_toint32"
        if name in self.module.globals:
            return self.module.globals[name]
        f = ir.Function(self.module, ir.FunctionType(I32, [DBL]), name)
        f.linkage = "internal"
        f.attributes.add("alwaysinline")
        x = f.args[0]
        b = ir.IRBuilder(f.append_basic_block("entry"))
        # Without branches, so that LLVM can vectorise loops that use it:
        # |x| < 2^63: the low 32 bits of the truncated value (fptosi to i64);
        # |x| >= 2^63 (finite): x is the integer m * 2^s (m the 53-bit mantissa, s >= 11),
        # whose low 32 bits are (m << s) mod 2^32 (0 once s >= 32), negated for negative x;
        # NaN and the infinities: 0.
        bits = b.bitcast(x, I64)
        exponent = b.and_(b.lshr(bits, ir.Constant(I64, 52)), ir.Constant(I64, 0x7FF))
        small = b.icmp_unsigned("<", exponent, ir.Constant(I64, 1023 + 63))
        fast = b.trunc(b.fptosi(b.select(small, x, dconst(0.0)), I64), I32)
        mantissa = b.or_(b.and_(bits, ir.Constant(I64, (1 << 52) - 1)), ir.Constant(I64, 1 << 52))
        s = b.sub(exponent, ir.Constant(I64, 1075))
        low = b.trunc(b.shl(mantissa, b.and_(s, ir.Constant(I64, 31))), I32)
        low = b.select(b.icmp_unsigned("<", s, ir.Constant(I64, 32)), low, ir.Constant(I32, 0))
        low = b.select(b.icmp_signed("<", bits, ir.Constant(I64, 0)), b.neg(low), low)
        low = b.select(b.icmp_unsigned("<", exponent, ir.Constant(I64, 0x7FF)), low, ir.Constant(I32, 0))
        b.ret(b.select(small, fast, low))
        return f

    def helper_random(self) -> ir.Function:
        """V8's Math.random: xorshift128+, 64 values per refill handed out last-first,
        value (state0 >> 12) / 2**52. rs[0], rs[1]: state0, state1 (bits); rs[2]: index;
        rs[3..66]: the cache."""
        name = "js_random"
        if name in self.module.globals:
            return self.module.globals[name]
        f = ir.Function(self.module, ir.FunctionType(DBL, [DPTR]), name)
        f.linkage = "internal"
        rs = f.args[0]
        entry, refill, loop, done, take = (f.append_basic_block(n) for n in
                                           ("entry", "refill", "loop", "done", "take"))
        b = ir.IRBuilder(entry)
        ip = b.bitcast(rs, I64.as_pointer())
        c = lambda v: ir.Constant(I64, v)  # noqa: E731
        idx_p = b.gep(rs, [c(2)])
        idx = b.fptosi(b.load(idx_p), I64)
        b.cbranch(b.icmp_signed("==", idx, c(0)), refill, take)
        b.position_at_end(refill)
        b.branch(loop)
        b.position_at_end(loop)
        i = b.phi(I64)
        i.add_incoming(c(0), refill)
        s1 = b.load(b.gep(ip, [c(0)]))       # s1 = state0
        s0 = b.load(b.gep(ip, [c(1)]))       # s0 = state1
        b.store(s0, b.gep(ip, [c(0)]))       # state0 = s0
        s1 = b.xor(s1, b.shl(s1, c(23)))
        s1 = b.xor(s1, b.lshr(s1, c(17)))
        s1 = b.xor(s1, s0)
        s1 = b.xor(s1, b.lshr(s0, c(26)))
        b.store(s1, b.gep(ip, [c(1)]))       # state1 = s1
        value = b.fdiv(b.uitofp(b.lshr(s0, c(12)), DBL), dconst(4503599627370496.0))
        b.store(value, b.gep(rs, [b.add(i, c(3))]))
        nxt = b.add(i, c(1))
        i.add_incoming(nxt, loop)
        b.cbranch(b.icmp_signed("<", nxt, c(64)), loop, done)
        b.position_at_end(done)
        b.branch(take)
        b.position_at_end(take)
        cur = b.phi(I64)
        cur.add_incoming(idx, entry)
        cur.add_incoming(c(64), done)
        k = b.sub(cur, c(1))
        b.store(b.sitofp(k, DBL), idx_p)
        b.ret(b.load(b.gep(rs, [b.add(k, c(3))])))
        return f

    # ------------------------------------------------------------ variables
    def global_ptrs(self, name: str):
        k = self.info.globals[name]
        vp = self.b.gep(self.state, [ir.Constant(I64, 2 * k)])
        sp = self.b.gep(self.state, [ir.Constant(I64, 2 * k + 1)])
        return vp, sp

    def global_kind(self, name: str) -> Kind:
        return self.info.global_kinds.get(name, NUM)

    def read_global(self, name: str, soft: bool) -> Val:
        """Bare `x` throws a ReferenceError while x was never assigned; `this.x` gives undefined."""
        vp, sp = self.global_ptrs(name)
        status = self.b.load(sp)
        kind = self.global_kind(name)
        if not soft:
            self.throw_unless(self.b.fcmp_ordered("!=", status, dconst(0.0)))
            u = self.b.fcmp_ordered("==", status, dconst(2.0)) if kind.undef else None
        else:
            u = self.b.fcmp_ordered("!=", status, dconst(1.0))
        return Val(kind.base, self.b.load(vp), u)

    def write_global(self, name: str, v: Val) -> None:
        kind = self.global_kind(name)
        v = self.convert(v, kind)
        vp, sp = self.global_ptrs(name)
        self.b.store(v.d, vp)
        status = dconst(1.0) if v.u is None else self.b.select(v.u, dconst(2.0), dconst(1.0))
        self.b.store(status, sp)

    def local_kind(self, name: str) -> Kind:
        base = NUM
        assigned = self.info.locals.get(name)
        return base if assigned is None else base.join(assigned)

    def capture_ptrs(self, fid: int, name: str):
        k = self.info.capture_slot(fid, name)
        return (self.b.gep(self.state, [ir.Constant(I64, 2 * k)]),
                self.b.gep(self.state, [ir.Constant(I64, 2 * k + 1)]))

    def read_var(self, name: str) -> Val:
        where = resolve(self.info, self.frames, name)
        if where[0] == "fn":
            frame = where[1]
            dp, up = frame.slots[name]
            kind = self.info.var_kinds.get((frame.fid, name), UNDEF)
            return Val(kind.base, self.b.load(dp), self.b.load(up) if up is not None else None)
        if where[0] == "capture":
            fid = where[1].fid
            kind = self.info.capture_kinds.get((fid, name), NUM)
            vp, up = self.capture_ptrs(fid, name)
            u = self.b.fcmp_ordered("!=", self.b.load(up), dconst(0.0)) if kind.undef else None
            return Val(kind.base, self.b.load(vp), u)
        return self.read_song_var(name)

    def read_song_var(self, name: str) -> Val:
        if name in self.local_slots:
            dp, up = self.local_slots[name]
            kind = self.local_kind(name)
            return Val(kind.base, self.b.load(dp), self.b.load(up) if up is not None else None)
        if name == "t":
            if self.info.mode != "func":
                return Val("num", self.tval, None, self.tint, (0, T_MAX))
            return Val("num", self.tval, None)
        if name in MATH_CONSTANTS:
            return Val("num", dconst(MATH_CONSTANTS[name]), None)
        if name in BUILTIN_GLOBALS:
            if name == "NaN":
                return Val("num", dconst(NAN), None)
            if name == "Infinity":
                return Val("num", dconst(math.inf), None)
            if name == "undefined":
                return UNDEF_VAL
        return self.read_global(name, soft=False)

    def write_var(self, name: str, v: Val) -> None:
        where = resolve(self.info, self.frames, name)
        if where[0] == "fn":
            frame = where[1]
            dp, up = frame.slots[name]
            v = self.convert(v, self.info.var_kinds.get((frame.fid, name), UNDEF))
            self.b.store(v.d, dp)
            if up is not None:
                self.b.store(v.u, up)
            return
        assert where[0] != "capture"
        if name in self.local_slots:
            dp, up = self.local_slots[name]
            v = self.convert(v, self.local_kind(name))
            self.b.store(v.d, dp)
            if up is not None:
                self.b.store(v.u, up)
            return
        if name in BUILTIN_GLOBALS:
            return  # NaN, Infinity, undefined are non-writable: ignored
        self.write_global(name, v)

    # ------------------------------------------------------------ the kernel
    def build(self) -> str:
        entry = self.fn.append_basic_block("entry")
        self.b = b = ir.IRBuilder(entry)
        i_slot = b.alloca(I64, name="i")
        stereo_slot = b.alloca(I32, name="stereo")
        self.budget = b.alloca(I64, name="budget")
        b.store(ir.Constant(I64, 0), self.budget)
        b.store(ir.Constant(I64, 0), i_slot)
        b.store(ir.Constant(I32, 0), stereo_slot)
        for name in self.info.locals:
            dp = b.alloca(DBL, name="local_" + name)
            up = b.alloca(I1, name="undef_" + name) if self.local_kind(name).undef else None
            self.local_slots[name] = (dp, up)
        for name in self.info.song_functions:
            self.song_function_flags[name] = b.alloca(I1, name="defined_" + name)
        self.entry_builder_block = entry
        head = self.block("head")
        body = self.block("body")
        self.throw_bb = self.block("throw")
        self.abort_bb = self.block("abort")
        nxt = self.block("next")
        done = self.block("done")
        b.branch(head)
        b.position_at_end(head)
        i = b.load(i_slot)
        b.cbranch(b.icmp_signed("<", i, self.n), body, done)

        b.position_at_end(body)
        self.index = i
        self.tint = b.add(self.t0, i)
        self.tval = b.sitofp(self.tint, DBL)
        if self.info.mode == "func":
            self.tval = b.fdiv(self.tval, dconst(self.info.rate))   # Funcbeat: time in seconds
        for name, (dp, up) in self.local_slots.items():
            init = self.tval if name == "t" else dconst(MATH_CONSTANTS.get(name, NAN))
            b.store(init, dp)
            if up is not None:
                b.store(FALSE, up)
        for flag in self.song_function_flags.values():
            b.store(FALSE, flag)     # the parameter holds Math's constant again
        lv, rv, stereo = self.result(self.info.tree)
        b.store(lv, b.gep(self.left, [i]))
        b.store(rv, b.gep(self.right, [i]))
        st = b.load(stereo_slot)
        b.store(b.or_(st, b.zext(stereo, I32)), stereo_slot)
        b.branch(nxt)

        b.position_at_end(self.throw_bb)
        b.store(dconst(NAN), b.gep(self.left, [i]))
        b.store(dconst(NAN), b.gep(self.right, [i]))
        b.branch(nxt)

        b.position_at_end(nxt)
        b.store(b.add(i, ir.Constant(I64, 1)), i_slot)
        b.branch(head)

        b.position_at_end(done)
        b.ret(b.load(stereo_slot))

        b.position_at_end(self.abort_bb)
        b.ret(ir.Constant(I32, -1))
        text = str(self.module)
        if self.vectorisable_calls:
            text += vector_math.declarations(self.vectorisable_calls)
        return text

    def result(self, node):
        """(left, right, stereo) of the song's return value."""
        b = self.b
        if isinstance(node, P.ArrayLit):
            vals = [None if e is None else self.expr(e) for e in node.elements]
            def chan(k):
                if k >= len(vals) or vals[k] is None:
                    return dconst(NAN)
                return self.to_number(vals[k])
            return chan(0), chan(1), TRUE
        if isinstance(node, P.Sequence):
            for e in node.exprs[:-1]:
                self.expr(e, discard=True)
            return self.result(node.exprs[-1])
        if isinstance(node, P.Conditional):
            cond = self.truthy(self.expr(node.test))
            then_bb, else_bb, merge = self.block("rthen"), self.block("relse"), self.block("rmerge")
            b.cbranch(cond, then_bb, else_bb)
            b.position_at_end(then_bb)
            a = self.result(node.cons)
            a_bb = b.block
            b.branch(merge)
            b.position_at_end(else_bb)
            c = self.result(node.alt)
            c_bb = b.block
            b.branch(merge)
            b.position_at_end(merge)
            out = []
            for x, y, ty in zip(a, c, (DBL, DBL, I1)):
                phi = b.phi(ty)
                phi.add_incoming(x, a_bb)
                phi.add_incoming(y, c_bb)
                out.append(phi)
            return tuple(out)
        if defined_function(node) is not None:    # the song returns a function: NaN, held
            self.expr(node, discard=True)
            return dconst(NAN), dconst(NAN), FALSE
        if isinstance(node, P.Call) and id(node) in self.info.stereo_calls:
            return self.inlined_function_call(node, stereo=True)
        if self.is_array_definition(node) or self.array_holder(node):
            if self.is_array_definition(node):
                self.expr(node, discard=True)
                name = node.target.name
            else:
                name = node.name
                self.read_global(name, soft=False)      # ReferenceError before the array exists
            length = self.info.arrays[name].length
            chan = [self.to_number(self.load_cell(name, ir.Constant(I64, k))) if k < length else dconst(NAN)
                    for k in (0, 1)]
            return chan[0], chan[1], TRUE
        if stored_constant_pair(node):
            self.expr(node)
            elements = node.value.elements
            chan = [const_number(elements[k]) if k < len(elements) and elements[k] is not None else NAN
                    for k in (0, 1)]
            return dconst(chan[0]), dconst(chan[1]), TRUE
        v = self.expr(node)
        if v.base == "ref":
            return self.constant_object_result(v)
        d = self.to_number(v)
        return d, d, FALSE

    def constant_object_result(self, v: Val):
        """A constant array returned is stereo, [v[0], v[1]] each converted with ToNumber (a
        missing one is undefined); a string is its ToNumber; undefined is NaN."""
        b = self.b
        defined = TRUE if v.u is None else b.not_(v.u)
        is_array = b.and_(defined, b.fcmp_ordered("!=", self.object_table("isarray", v.d), dconst(0.0)))
        mono = b.select(defined, self.object_table("number", v.d), dconst(NAN))
        length, offset = self.object_table("length", v.d), self.object_table("offset", v.d)
        _, num, und = self.element_tables()
        channels = []
        for k in (0, 1):
            ok = b.fcmp_ordered(">", length, dconst(float(k)))
            at = b.fptosi(b.fadd(offset, b.select(ok, dconst(float(k)), dconst(0.0))), I64)
            hole = b.fcmp_ordered("!=", self.load_table(und, at), dconst(0.0))
            element = b.select(b.and_(ok, b.not_(hole)), self.load_table(num, at), dconst(NAN))
            channels.append(b.select(is_array, element, mono))
        return channels[0], channels[1], is_array

    # ------------------------------------------------------------ expressions
    def kind(self, node) -> Kind:
        return self.info.kinds[id(node)]

    def expr(self, node, discard: bool = False) -> Val:
        if discard:
            if defined_function(node) is not None:
                for a in reversed(function_definitions(node)):    # `f = g = x => ...`: g, then f
                    self.define_function(a)
                return Val("num", dconst(NAN), None)
            if conditional_definition(node) is not None:
                self.define_function_once(node)
                return Val("num", dconst(NAN), None)
            if self.is_array_definition(node):
                self.define_array(node)
                return Val("num", dconst(NAN), None)
            if id(node) in self.info.record_definitions:
                self.define_record(node)
                return Val("num", dconst(NAN), None)
            if self.is_choice_definition(node):
                self.define_choice(node)
                return Val("num", dconst(NAN), None)
            if self.is_math_alias_definition(node):
                self.write_global(node.target.name, Val("num", dconst(0.0), None))   # now defined
                return Val("num", dconst(NAN), None)
            if isinstance(node, P.Sequence):
                for e in node.exprs:
                    self.expr(e, discard=True)
                return Val("num", dconst(NAN), None)
            if isinstance(node, (P.Logical, P.Conditional)):
                self.discarded_branches(node)
                return Val("num", dconst(NAN), None)
        if id(node) in self.info.numeric_singletons:
            return self.singleton_number(node)
        return getattr(self, "x_" + type(node).__name__)(node)

    def singleton_number(self, node) -> Val:
        """`[x]` read as a number (engine.compiled.arrays.numeric_singletons): x, with -0
        as 0 and undefined as 0 (String gives "-0" -> 0 and "" -> 0)."""
        v = self.expr(node.elements[0])
        d = v.d if v.u is None else self.b.select(v.u, dconst(0.0), v.d)
        return Val("num", self.b.fadd(d, dconst(0.0)), None)

    def discarded_branches(self, node) -> None:
        b = self.b
        if isinstance(node, P.Conditional):
            cond = self.truthy(self.expr(node.test))
            first, second = node.cons, node.alt
        else:
            a = self.expr(node.left)
            if node.op == "??":
                cond = a.u if a.u is not None else FALSE   # true: evaluate the right side
            else:
                t = self.truthy(a)
                cond = t if node.op == "&&" else b.not_(t)
            first, second = node.right, None
        then_bb, else_bb, merge = self.block("dthen"), self.block("delse"), self.block("dmerge")
        b.cbranch(cond, then_bb, else_bb)
        b.position_at_end(then_bb)
        self.expr(first, discard=True)
        b.branch(merge)
        b.position_at_end(else_bb)
        if second is not None:
            self.expr(second, discard=True)
        b.branch(merge)
        b.position_at_end(merge)

    # ------------------------------------------------------------ helper functions (inlined)
    def global_name_of(self, target) -> str:
        return target.name if isinstance(target, P.Ident) else target.prop

    def define_function_once(self, node) -> None:
        """`this.f ??= <literal>` (or `||=`): the global holds only this function or nothing, so
        it is defined exactly while unset. A bare `f ??= ...` reads f first: while f was never
        assigned that throws a ReferenceError, so only the member form ever defines."""
        b = self.b
        vp, sp = self.global_ptrs(self.global_name_of(node.target))
        if isinstance(node.target, P.Ident):
            self.throw_unless(b.fcmp_ordered("!=", b.load(sp), dconst(0.0)))
            return
        define_bb, done_bb = self.block("define"), self.block("defined")
        b.cbranch(b.fcmp_ordered("==", b.load(sp), dconst(0.0)), define_bb, done_bb)
        b.position_at_end(define_bb)
        self.define_function(node)
        b.branch(done_bb)
        b.position_at_end(done_bb)

    def define_function(self, node) -> None:
        """`f = <function literal>`: mark the global defined and snapshot what it captures."""
        name = self.global_name_of(node.target)
        self.store_function(self.info.func_ids[id(defined_function(node) or conditional_definition(node))], name)

    def store_function(self, fid: int, name: str) -> None:
        """The global `name` now holds the function `fid`, with a snapshot of what it captures."""
        for cname in self.info.captures.get(fid, ()):
            v = self.convert(self.read_var(cname), self.info.capture_kinds[(fid, cname)])
            vp, up = self.capture_ptrs(fid, cname)
            self.b.store(v.d, vp)
            self.b.store(dconst(0.0) if v.u is None else self.b.uitofp(v.u, DBL), up)
        if name in self.song_function_flags:
            self.b.store(TRUE, self.song_function_flags[name])
            return
        vp, sp = self.global_ptrs(name)
        if name in self.info.dual_functions:      # its value, read as a number, is NaN
            self.b.store(dconst(NAN), vp)
            self.b.store(dconst(3.0), sp)
            return
        self.b.store(dconst(1.0), sp)

    def alloca(self, ty):
        with self.b.goto_block(self.entry_builder_block):
            return self.b.alloca(ty)

    def call_arguments(self, args: tuple) -> list:
        """The arguments of a call, evaluated in order: Vals, array storage keys, (function,)."""
        return [self.array_argument(a) if id(a) in self.info.array_args else
                self.function_argument(a) if id(a) in self.info.function_args else self.expr(a)
                for a in args]

    def inline_call(self, fid: int, args: tuple, snapshot: bool, toplevel: bool = False, stereo: bool = False,
                    outer: int | None = None, arg_vals: list | None = None):
        """The call's value, or for a `stereo` call (the song's result) (left, right, stereo)."""
        b = self.b
        func = self.info.funcs[fid]
        if arg_vals is None:
            arg_vals = self.call_arguments(args)
        frame = Frame(fid, snapshot, toplevel, stereo=stereo,
                      consts=constant_arguments(self.info, self.frames, fid, args), outer=outer)
        rest = restparams.rest_parameter(func)
        if rest is not None:
            frame.rest = (rest, restparams.rest_count(func, len(args)))
        bindings = restparams.bindings(func, len(args))
        params = [name for _, name, _ in bindings]
        for name in self.info.local_names[fid]:
            kind = self.info.var_kinds.get((fid, name), UNDEF)
            dp = self.alloca(DBL)
            up = self.alloca(I1) if kind.undef else None
            frame.slots[name] = (dp, up)
            if name not in params:
                b.store(dconst(NAN), dp)
                if up is not None:
                    b.store(TRUE, up)
        self.frames.append(frame)
        try:
            for i, name, default in bindings:
                if i < len(arg_vals) and isinstance(arg_vals[i], str):
                    frame.arrays[name] = arg_vals[i]      # an array passed by reference
                    continue
                if i < len(arg_vals) and isinstance(arg_vals[i], tuple):
                    frame.funcs[name] = arg_vals[i][0]    # a Math function
                    continue
                if i >= len(arg_vals) and default is not None and id(default) in self.info.function_args:
                    frame.funcs[name] = self.function_argument(default)[0]
                    continue
                kind = self.info.var_kinds.get((fid, name), UNDEF)
                v = arg_vals[i] if i < len(arg_vals) else UNDEF_VAL
                if default is not None and v.u is not None:
                    cur_bb = b.block
                    dflt_bb = self.block("default")
                    keep_bb = self.block("given")
                    b.cbranch(v.u, dflt_bb, keep_bb)
                    b.position_at_end(dflt_bb)
                    dv = self.expr(default)
                    dv_bb = b.block
                    v = self.merge(kind, [(Val(v.base, v.d, FALSE), keep_bb), (dv, dv_bb)])
                self.write_var(name, v)
            for i, p in enumerate(func.params):       # `([a, b]) => ...` (engine.compiled.destructuring)
                if isinstance(p.target, P.ArrayLit):
                    for name, read in destructuring.element_reads(self.info.pattern_reads, p, i):
                        self.write_var(name, self.expr(read))
            if stereo:
                return self.stereo_body(func, frame)
            ret_kind = self.info.ret_kinds.get(fid, UNDEF)
            if func.expression_body:
                return self.convert(self.expr(func.body), ret_kind)
            ret_bb = self.block("return")
            rd = self.alloca(DBL)
            ru = self.alloca(I1) if ret_kind.undef else None
            frame.ret = (ret_bb, rd, ru, ret_kind)
            self.statements(func.body)
            if not b.block.is_terminated:
                self.store_return(frame, UNDEF_VAL)
            b.position_at_end(ret_bb)
            return Val(ret_kind.base, b.load(rd), b.load(ru) if ru is not None else None)
        finally:
            self.frames.pop()

    def stereo_body(self, func, frame):
        """(left, right, stereo) of a function body run as the song's result: each return's
        value goes through `result` (a literal `[l, r]` is stereo)."""
        if func.expression_body:
            return self.result(func.body)
        b = self.b
        frame.ret = (self.block("return"), self.alloca(DBL), self.alloca(DBL), self.alloca(I1))
        self.statements(func.body)
        if not b.block.is_terminated:
            self.store_stereo_return(frame, (dconst(NAN), dconst(NAN), FALSE))
        b.position_at_end(frame.ret[0])
        return tuple(b.load(p) for p in frame.ret[1:])

    def store_stereo_return(self, frame, values) -> None:
        for v, p in zip(values, frame.ret[1:]):
            self.b.store(v, p)
        self.b.branch(frame.ret[0])

    def store_return(self, frame, v: Val) -> None:
        ret_bb, rd, ru, kind = frame.ret
        v = self.convert(v, kind)
        self.b.store(v.d, rd)
        if ru is not None:
            self.b.store(v.u, ru)
        self.b.branch(ret_bb)

    def statements(self, body) -> None:
        for st in body:
            if self.b.block.is_terminated:
                self.b.position_at_end(self.block("dead"))
            self.statement(st)

    def statement(self, st) -> None:
        b = self.b
        if isinstance(st, P.ExprStmt):
            self.expr(st.expr, discard=True)
        elif isinstance(st, P.Return) and self.frames[-1].stereo:
            values = (dconst(NAN), dconst(NAN), FALSE) if st.arg is None else self.result(st.arg)
            self.store_stereo_return(self.frames[-1], values)
        elif isinstance(st, P.Return):
            v = UNDEF_VAL if st.arg is None else self.expr(st.arg)
            self.store_return(self.frames[-1], v)
        elif isinstance(st, P.Throw):
            self.expr(st.arg, discard=True)     # the sample becomes NaN; the thrown value is unseen
            b.branch(self.throw_bb)
        elif isinstance(st, P.VarDecl):
            for target, init in st.decls:
                if init is not None:
                    self.write_var(target.name, self.expr(init))
                elif st.kind != "var":
                    self.write_var(target.name, UNDEF_VAL)
        elif isinstance(st, P.If):
            cond = self.truthy(self.expr(st.test))
            then_bb, else_bb, merge = self.block("ifthen"), self.block("ifelse"), self.block("ifend")
            b.cbranch(cond, then_bb, else_bb)
            b.position_at_end(then_bb)
            self.statement(st.cons)
            if not b.block.is_terminated:
                b.branch(merge)
            b.position_at_end(else_bb)
            if st.alt is not None:
                self.statement(st.alt)
            if not b.block.is_terminated:
                b.branch(merge)
            b.position_at_end(merge)
        elif isinstance(st, P.Block):
            self.statements(st.body)
        elif isinstance(st, P.Empty):
            pass
        elif isinstance(st, (P.For, P.While, P.DoWhile)):
            self.loop(st)
        elif isinstance(st, P.Jump):
            brk, cont = self.loops[-1]
            b.branch(brk if st.kind == "break" else cont)
        else:
            raise AssertionError(type(st).__name__)

    def loop(self, st) -> None:
        b = self.b
        if isinstance(st, P.For) and st.init is not None:
            if isinstance(st.init, P.VarDecl):
                self.statement(st.init)
            else:
                self.expr(st.init, discard=True)
        head, body, cont, done = self.block("lhead"), self.block("lbody"), self.block("lcont"), self.block("ldone")
        b.branch(body if isinstance(st, P.DoWhile) else head)
        b.position_at_end(head)
        test = None if isinstance(st, P.For) and st.test is None else st.test
        if test is not None:
            b.cbranch(self.truthy(self.expr(test)), body, done)
        else:
            b.branch(body)
        b.position_at_end(body)
        self.loops.append((done, cont))
        self.statement(st.body)
        self.loops.pop()
        if not b.block.is_terminated:
            b.branch(cont)
        b.position_at_end(cont)
        if isinstance(st, P.For) and st.update is not None:
            self.expr(st.update, discard=True)
        # the iteration guard: a song that loops forever stops the block instead of hanging
        n = b.add(b.load(self.budget), ir.Constant(I64, 1))
        b.store(n, self.budget)
        more = self.block("lguard")
        b.cbranch(b.icmp_signed("<", n, ir.Constant(I64, LOOP_BUDGET)), more, self.abort_bb)
        b.position_at_end(more)
        b.branch(head)
        b.position_at_end(done)

    def x_Num(self, node) -> Val:
        fact = integers.literal(node.value)
        if fact is not None:
            return Val("num", dconst(node.value), None, *fact)
        return Val("num", dconst(node.value), None)

    def x_Str(self, node) -> Val:
        units = utf16_units(node.value)
        if len(units) == 1:
            return Val("str", dconst(float(units[0])), None)
        return Val("ref", dconst(float(self.info.object_ids[id(node)])), None)

    def x_ArrayLit(self, node) -> Val:
        return Val("ref", dconst(float(self.info.object_ids[id(node)])), None)

    def x_Literal(self, node) -> Val:
        k = 1 if node.value else 0
        return Val("bool", dconst(float(k)), None, ir.Constant(I64, k), (k, k))

    def x_Ident(self, node) -> Val:
        return self.read_var(node.name)

    def x_Sequence(self, node) -> Val:
        for e in node.exprs[:-1]:
            self.expr(e, discard=True)
        return self.expr(node.exprs[-1])

    def merge(self, kind: Kind, branches) -> Val:
        """Phi of (Val, block) pairs converted to `kind` (conversion done in each block)."""
        b = self.b
        merge = self.block("merge")
        incoming = []
        for val, blk in branches:
            b.position_at_end(blk)
            cv = self.convert(val, kind)
            incoming.append((cv, b.block))
            b.branch(merge)
        b.position_at_end(merge)
        d = b.phi(DBL)
        for cv, blk in incoming:
            d.add_incoming(cv.d, blk)
        u = None
        if kind.undef:
            u = b.phi(I1)
            for cv, blk in incoming:
                u.add_incoming(cv.u, blk)
        return Val(kind.base, d, u)

    def x_Conditional(self, node) -> Val:
        test = folded_test(self.info, self.frames, node.test)
        if test is not None:      # decided by constant parameters (engine.compiled.recursion)
            self.expr(node.test)  # still run: reading a constant global may throw
            return self.convert(self.expr(node.cons if test else node.alt), self.kind(node))
        b = self.b
        cond = self.truthy(self.expr(node.test))
        then_bb, else_bb = self.block("then"), self.block("else")
        b.cbranch(cond, then_bb, else_bb)
        b.position_at_end(then_bb)
        a = self.expr(node.cons)
        a_bb = b.block
        b.position_at_end(else_bb)
        c = self.expr(node.alt)
        c_bb = b.block
        return self.merge(self.kind(node), [(a, a_bb), (c, c_bb)])

    def x_Logical(self, node) -> Val:
        left = folded_operand(self.info, self.frames, node.left)
        if left is not None:      # decided by constant parameters (engine.compiled.recursion)
            self.expr(node.left)  # still run: reading a constant global may throw
            keep = node.op == "??" or is_truthy(left) == (node.op == "||")
            v = Val("num", dconst(left), None) if keep else self.expr(node.right)
            return self.convert(v, self.kind(node))
        b = self.b
        a = self.expr(node.left)
        a_bb = b.block
        if node.op == "??":
            if a.u is None:
                return a
            cond = a.u
        else:
            t = self.truthy(a)
            cond = b.not_(t) if node.op == "&&" else t
        # cond true: the result is a (no evaluation of the right side)
        rhs_bb = self.block("rhs")
        keep_bb = self.block("keep")
        if node.op == "??":
            b.cbranch(cond, rhs_bb, keep_bb)
        else:
            b.cbranch(cond, keep_bb, rhs_bb)
        b.position_at_end(rhs_bb)
        c = self.expr(node.right)
        c_bb = b.block
        kind = self.kind(node)
        if node.op == "??":
            a = Val(a.base, a.d, FALSE)   # on the keep path a is not undefined
        return self.merge(kind, [(a, keep_bb), (c, c_bb)])

    def x_Unary(self, node) -> Val:
        v = self.expr(node.arg)
        b = self.b
        if node.op == "!":
            return Val("bool", b.uitofp(b.not_(self.truthy(v)), DBL), None)
        d = self.to_number(v)
        k = constant_of(d)
        if k is not None and node.op in "-~":
            return Val("num", dconst(-k if node.op == "-" else float(~to_int32(k))), None)
        if node.op == "-":
            return Val("num", b.fneg(d), None)
        if node.op == "+":
            return Val("num", d, None)
        if node.op == "~":
            x = integers.to_int32(b, v.i) if v.i is not None else self.toint32(d)
            r = b.xor(x, ir.Constant(I32, -1))
            return Val("num", b.sitofp(r, DBL), None, b.sext(r, I64), integers.INT32)
        raise AssertionError(node.op)

    def arith(self, op: str, a: ir.Value, c: ir.Value, exponent_node=None, exponent_fact=None) -> ir.Value:
        """`a op c` of doubles, for an arithmetic operator or two constants;
        exponent_fact: integers.py's fact about c, when `**`."""
        b = self.b
        folded = fold_binary(op, constant_of(a), constant_of(c), self.fdlibm_scalar)
        if folded is not None and (op != "**" or "pow" in self.info.fdlibm):
            return dconst(folded)
        if op == "+":
            return b.fadd(a, c)
        if op == "-":
            return b.fsub(a, c)
        if op == "*":
            return b.fmul(a, c)
        if op == "/":
            return b.fdiv(a, c)
        if op == "%":
            return self.remainder(a, c)
        if op == "**":
            return self.pow(a, c, exponent_node, exponent_fact)
        raise AssertionError(op)     # bitwise operators: folded above, or CodeGen.bitwise

    def pow(self, x, y, exponent_node, exponent_fact=None) -> ir.Value:
        b = self.b
        k = const_number(exponent_node) if exponent_node is not None else None
        if k == 0.0:
            return dconst(1.0)
        if k == 1.0:
            return x
        if k == -1.0:
            return b.fdiv(dconst(1.0), x)
        if k == 2.0:
            return b.fmul(x, x)
        if k == 0.5 and "pow" not in self.info.fdlibm:
            s = self.call_intr("llvm.sqrt", x)
            s = b.select(b.fcmp_ordered("==", x, dconst(0.0)), dconst(0.0), s)
            return b.select(b.fcmp_ordered("==", x, dconst(-math.inf)), dconst(math.inf), s)
        return self.fdlibm_call("pow", x, y, exponent_fact=exponent_fact)

    def remainder(self, a: ir.Value, c: ir.Value) -> ir.Value:
        """JS `%` of doubles, C's fmod. By a constant power of two 2^k >= 1 it is
        a - trunc(a / 2^k) * 2^k (the quotient is exact, so the product is a's multiple of
        2^k nearest 0, and fmod's result is representable, so the difference is exact
        too), with a's sign for a zero result; NaN for a = +-Infinity. By another constant
        integer, or a divisor known at run time, it is engine.compiled.vector_rem's
        function (exact without fmod for integer divisors and dividends below 2^53, fmod
        otherwise), which has vector variants; by a constant that is not an integer,
        fmod. (tests/engine/test_semantics)"""
        b = self.b
        divisor = constant_of(c)
        if divisor is not None:
            if not math.isfinite(divisor) or divisor != math.trunc(divisor) or not 1 <= abs(divisor) < 2.0 ** 53:
                return b.frem(a, c)
            mantissa, exponent = math.frexp(abs(divisor))
            if mantissa == 0.5:             # 2^k, 0 <= k < 53
                whole = self.call_intr("llvm.trunc", b.fmul(a, dconst(1.0 / abs(divisor))))
                return self.call_intr("llvm.copysign", b.fsub(a, b.fmul(whole, dconst(abs(divisor)))), a)
        return b.call(self.vectorisable_function("remainder"), [a, c])

    def vectorisable_function(self, name: str) -> ir.Function:
        """The declaration of a function with vector variants (the port's `name`, or
        "remainder": engine.compiled.vector_math), resolved by the JIT. Pure: LLVM may
        share repeated calls; its variants are named for the loop vectoriser (through a
        string attribute, which llvmlite does not know)."""
        symbol = vector_math.scalar_symbol(name)
        f = self.module.globals.get(symbol)
        if f is None:
            f = ir.Function(self.module, ir.FunctionType(DBL, [DBL] * vector_math.arity(name)), symbol)
            for attr in ("nounwind", "readnone"):
                f.attributes.add(attr)
            set.add(f.attributes, f'"vector-function-abi-variant"="{vector_math.abi_variants(name)}"')
            self.vectorisable_calls.append(name)
        return f

    def fdlibm_call(self, name: str, *args, exponent_fact=None) -> ir.Value:
        consts = [constant_of(a) for a in args]
        if all(k is not None for k in consts):
            # folded with the port's own machine code: exactly the value a call would give
            return dconst(self.fdlibm_scalar(name)(*consts))
        tabulated = self.tabulated_call(name, args, consts)
        if tabulated is not None:
            return tabulated
        if name == "pow" and consts[0] == 2.0:
            if exponent_fact is not None and -1022 <= exponent_fact[1][0] and exponent_fact[1][1] <= 1023:
                # 2**k of an integer k is the port's value exactly (tests/engine/test_speed_paths):
                # the double with exponent field k + 1023 and a zero mantissa
                b = self.b
                field = b.add(exponent_fact[0], ir.Constant(I64, 1023))
                return b.bitcast(b.shl(field, ir.Constant(I64, 52)), DBL)
        return self.b.call(self.vectorisable_function(name), list(args))

    def tabulated_call(self, name: str, args, consts) -> ir.Value | None:
        """Math.<name> of a pure function of one constant table's element
        (`2**(notes[i]/12)`, `2**(parseInt("KMNP"[i],36)/12)`): a lookup in a table of its
        results, computed with the port's own machine code, instead of a call per sample.
        The index's out-of-range test (a select of a constant) may sit on the way: then
        there is a second table, or a constant, for when it holds (engine.compiled.tabulate)."""
        varying = [k for k, c in enumerate(consts) if c is None]
        if len(varying) != 1:
            return None
        dag = tabulate.element_function(args[varying[0]], self.tables.values())
        if dag is None:
            return None
        scalar = self.fdlibm_scalar(name)

        def result(element: float, cond: bool) -> float:
            call = list(consts)
            call[varying[0]] = dag.evaluate(element, cond, self.fdlibm_scalar)
            return scalar(*call)

        b = self.b
        index = [ir.Constant(I64, 0), dag.index]

        def lookup(cond: bool) -> ir.Value:
            values = [result(x, cond) for x in dag.table]
            if all(struct_key(v) == struct_key(values[0]) for v in values):
                return dconst(values[0])
            return b.load(b.gep(self.table(values), index))
        r = lookup(False)
        if dag.cond is not None:
            r = b.select(dag.cond, lookup(True), r)
        return r

    def fdlibm_scalar(self, name: str):
        """The port's function `name` callable from Python (for constant folding)."""
        from engine.compiled.analysis import fdlibm_address  # noqa: PLC0415
        arity = vector_math.arity(name)
        return ctypes.CFUNCTYPE(ctypes.c_double, *[ctypes.c_double] * arity)(fdlibm_address(name))

    def compare(self, op: str, a: Val, c: Val) -> ir.Value:
        b = self.b
        if op in ("<", ">", "<=", ">="):
            if a.base == "str" and c.base == "str":
                r = b.fcmp_ordered(op, a.d, c.d)
                for v in (a, c):
                    if v.u is not None:
                        r = b.and_(r, b.not_(v.u))
                return r
            return b.fcmp_ordered(op, self.to_number(a), self.to_number(c))
        strict = op in ("===", "!==")
        negate = op in ("!=", "!==")
        bases = {a.base, c.base}
        if strict and len(bases) == 2:
            eq = FALSE
            ua, uc = a.u or FALSE, c.u or FALSE
            eq = b.and_(ua, uc)   # both undefined are equal whatever their other type
        else:
            if len(bases) == 1 and a.base in ("str", "num", "bool", "numbool"):
                x, y = a.d, c.d
            else:
                x, y = self.to_number(Val(a.base, a.d, None)), self.to_number(Val(c.base, c.d, None))
            eq = b.fcmp_ordered("==", x, y)
            if a.u is not None or c.u is not None:
                ua, uc = a.u or FALSE, c.u or FALSE
                both = b.and_(ua, uc)
                neither = b.and_(b.not_(ua), b.not_(uc))
                eq = b.or_(both, b.and_(neither, eq))
        return b.not_(eq) if negate else eq

    def x_Binary(self, node) -> Val:
        a = self.expr(node.left)
        c = self.expr(node.right)
        if a.i is not None and c.i is not None and not (isinstance(a.i, ir.Constant) and isinstance(c.i, ir.Constant)):
            if node.op in ("<", ">", "<=", ">=", "==", "!=") or node.op in ("===", "!==") and a.base == c.base:
                r = integers.compare(self.b, node.op, a.i, c.i)
                return Val("bool", self.b.uitofp(r, DBL), None, self.b.zext(r, I64), (0, 1))
            exact = None if node.op in BITWISE_OPS else integers.binary(self.b, node.op, a.i, a.rng, c.i, c.rng)
            if exact is not None:
                return Val("num", exact[0], None, exact[1], exact[2])
        if node.op in ("<", ">", "<=", ">=", "==", "!=", "===", "!=="):
            return Val("bool", self.b.uitofp(self.compare(node.op, a, c), DBL), None)
        return self.binary_value(node.op, a, c, node.right)

    def binary_value(self, op: str, a: Val, c: Val, right_node) -> Val:
        """`a op c` for an arithmetic or bitwise operator, in doubles (x_Binary when the
        integer code does not apply, and compound assignments)."""
        da, dc = self.to_number(a), self.to_number(c)
        if op in BITWISE_OPS and (constant_of(da) is None or constant_of(dc) is None):
            return self.bitwise(op, a, da, c, dc)
        return Val("num", self.arith(op, da, dc, right_node, integer_fact(c, dc)), None)

    def bitwise(self, op: str, a: Val, da, c: Val, dc) -> Val:
        """A bitwise operator (of integer facts or not): its result is an integer fact (an
        int32, or a uint32 for >>>), so the integer code goes on from here."""
        b = self.b
        x = integers.to_int32(b, a.i) if a.i is not None else self.toint32(da)
        y = integers.to_int32(b, c.i) if c.i is not None else self.toint32(dc)
        xr = integers.int32_range(a.rng) if a.i is not None else integers.INT32
        yr = integers.int32_range(c.rng) if c.i is not None else integers.INT32
        k = constant_of(dc)
        shift = (yr[0] & 31) if yr[0] == yr[1] else (to_int32(k) & 31 if k is not None else None)
        i, rng = integers.bitwise32(b, op, x, xr, y, yr, shift)
        return Val("num", b.sitofp(i, DBL), None, i, rng)

    # ------------------------------------------------------------ assignment
    def target_ref(self, target):
        """(read function, write function) of an assignment target."""
        if isinstance(target, P.Ident):
            name = target.name
            return (lambda: self.read_var(name)), (lambda v: self.write_var(name, v))
        if isinstance(target, P.Member) and self.record_holder(target) is not None:
            name = self.record_field(target)      # the holder is evaluated before the value
            return (lambda: self.read_global(name, soft=True)), (lambda v: self.write_global(name, v))
        if isinstance(target, P.Member):
            if isinstance(target.obj, P.Ident) and target.obj.name == "Math":
                return (lambda: self.x_Member(target)), (lambda v: None)
            name = target.prop
            if name in BUILTIN_GLOBALS:
                return (lambda: self.read_var(name)), (lambda v: None)
            return (lambda: self.read_global(name, soft=True)), (lambda v: self.write_global(name, v))
        if isinstance(target, P.Index) and self.array_holder(target.obj):
            return self.array_element_ref(target)
        raise AssertionError(type(target).__name__)

    def x_Update(self, node) -> Val:
        read, write = self.target_ref(node.target)
        old = self.to_number(read())
        op = self.b.fadd if node.op == "++" else self.b.fsub
        new = op(old, dconst(1.0))
        write(Val("num", new, None))
        return Val("num", new if node.prefix else old, None)

    def x_Assign(self, node) -> Val:
        read, write = self.target_ref(node.target)
        op = node.op
        if op == "=":
            v = self.expr(node.value)
            write(v)
            return v
        cur = read()
        if op in ("&&=", "||=", "??="):
            b = self.b
            cur_bb = b.block
            if op == "??=":
                if cur.u is None:
                    return cur
                cond = cur.u
            else:
                t = self.truthy(cur)
                cond = t if op == "&&=" else b.not_(t)
            set_bb, keep_bb = self.block("set"), self.block("keep")
            b.cbranch(cond, set_bb, keep_bb)
            b.position_at_end(set_bb)
            v = self.expr(node.value)
            write(v)
            v_bb = b.block
            if op == "??=":
                cur = Val(cur.base, cur.d, FALSE)
            return self.merge(self.kind(node), [(cur, keep_bb), (v, v_bb)])
        v = self.expr(node.value)
        res = self.binary_value(op[:-1], cur, v, node.value)
        write(res)
        return res

    # ------------------------------------------------------------ members, indexing, calls
    # ------------------------------------------------------------ function choices (engine.compiled.choices)
    def is_choice_definition(self, node) -> bool:
        return isinstance(node, P.Assign) and node.op == "=" and isinstance(node.target, P.Ident) and \
            node.target.name in self.info.choices and choices.choice_site(node.value) is not None and \
            resolve(self.info, self.frames, node.target.name)[0] == "global"

    def define_choice(self, node) -> None:
        """`V = [f1, ...][index]`: the elements are read (each must be defined), then the index;
        V keeps the index, or is undefined when the index is off the list."""
        b = self.b
        for e in node.value.obj.elements:
            self.read_global(e.name, soft=False)
        idx = self.to_number(self.expr(node.value.index))
        n = len(node.value.obj.elements)
        ok, _ = self.index_in_range(idx, n)
        vp, sp = self.global_ptrs(node.target.name)
        b.store(idx, vp)
        b.store(b.select(ok, dconst(1.0), dconst(2.0)), sp)

    def call_choice(self, node) -> Val:
        """`V(args)`: V read (ReferenceError while unset), the arguments once, then the function
        V's index picks; undefined is not callable (TypeError)."""
        b = self.b
        name = node.callee.name
        vp, sp = self.global_ptrs(name)
        status = b.load(sp)
        self.throw_unless(b.fcmp_ordered("!=", status, dconst(0.0)))
        idx = b.load(vp)
        arg_vals = self.call_arguments(node.args)
        self.throw_unless(b.fcmp_ordered("==", status, dconst(1.0)))
        kind = self.kind(node)
        done = self.block("chosen")
        incoming = []
        fids = self.info.choices[name]
        for k, fid in enumerate(fids):
            here, other = self.block("choice"), self.block("notchoice")
            if k == len(fids) - 1:
                b.branch(here)     # a defined V holds an index on the list
            else:
                b.cbranch(b.fcmp_ordered("==", idx, dconst(float(k))), here, other)
            b.position_at_end(here)
            v = self.convert(self.inline_call(fid, node.args, snapshot=True, arg_vals=arg_vals), kind)
            incoming.append((v, b.block))
            b.branch(done)
            b.position_at_end(other)
        b.unreachable()
        b.position_at_end(done)
        d = b.phi(DBL)
        for v, blk in incoming:
            d.add_incoming(v.d, blk)
        u = None
        if kind.undef:
            u = b.phi(I1)
            for v, blk in incoming:
                u.add_incoming(v.u, blk)
        return Val(kind.base, d, u)

    # ------------------------------------------------------------ records (engine.compiled.records)
    def record_holder(self, node) -> str | None:
        if isinstance(node, (P.Member, P.Index)) and isinstance(node.obj, P.Ident) and \
                node.obj.name in self.info.records and resolve(self.info, self.frames, node.obj.name)[0] == "global":
            return node.obj.name
        return None

    def record_field(self, node) -> str:
        """The global of `holder.prop`, once the holder is known to hold an object: reading a
        property of a global never assigned throws a ReferenceError."""
        holder = self.record_holder(node)
        self.read_global(holder, soft=False)
        return records.field_name(holder, node.prop)

    def record_lookup(self, node, holder: str) -> Val:
        """`holder[key]`: the property whose name the key's value prints as, else undefined."""
        b = self.b
        self.read_global(holder, soft=False)
        key = self.expr(node.index)
        kind = self.kind(node)
        out = self.convert(UNDEF_VAL, kind)
        for prop, code in records.lookup_keys(self.info.records[holder], key.base).items():
            v = self.convert(self.read_global(records.field_name(holder, prop), soft=True), kind)
            hit = TRUE if key.base == "undef" else b.fcmp_ordered("==", key.d, dconst(code))
            if key.u is not None and key.base != "undef":
                hit = b.and_(hit, b.not_(key.u))
            out = Val(kind.base, b.select(hit, v.d, out.d), b.select(hit, v.u, out.u))
        return out

    def define_record(self, node) -> None:
        """`holder = {k: v, ...}`: a new object: the values in order, the other properties gone."""
        holder = node.target.name
        values = [(records.property_key(k), v if isinstance(v, P.Func) else self.expr(v)) for k, v in node.value.props]
        present = {k for k, _ in values}
        for prop in self.info.records[holder]:
            name = records.field_name(holder, prop)
            if prop not in present and name in self.info.globals:
                self.b.store(dconst(0.0), self.global_ptrs(name)[1])    # absent: reads give undefined
        for prop, v in values:
            if isinstance(v, P.Func):       # a function property (made, like the values, in order)
                self.store_function(self.info.func_ids[id(v)], records.field_name(holder, prop))
            else:
                self.write_global(records.field_name(holder, prop), v)
        self.write_global(holder, Val("num", dconst(0.0), None))     # assigned

    def x_Member(self, node) -> Val:
        if self.record_holder(node) is not None:
            return self.read_global(self.record_field(node), soft=True)
        obj = node.obj
        if node.prop == "length" and self.array_param(obj) is not None:
            return Val("num", dconst(float(self.info.arrays[self.array_param(obj)].length)), None)
        if node.prop == "length" and self.array_holder(obj):
            self.read_global(obj.name, soft=False)      # ReferenceError before the array exists
            if self.info.arrays[obj.name].queue:
                return Val("num", self.b.load(self.queue_ptrs(obj.name)[1]), None)
            return Val("num", dconst(float(self.info.arrays[obj.name].length)), None)
        if isinstance(obj, P.Ident) and obj.name == "Math":
            return Val("num", dconst(MATH_CONSTANTS[node.prop]), None)
        if node.prop == "length" and isinstance(obj, P.Str):
            return Val("num", dconst(float(len(utf16_units(obj.value)))), None)
        if node.prop == "length" and isinstance(obj, P.ArrayLit):
            for e in obj.elements:
                if e is not None:
                    self.expr(e)
            return Val("num", dconst(float(len(obj.elements))), None)
        if not (isinstance(obj, P.This) or isinstance(obj, P.Ident) and obj.name in ("window", "globalThis")):
            v = self.expr(obj)          # .length of a string or array value
            self.ref_check_defined(v)
            return Val("num", self.object_table("length", v.d), None)
        name = node.prop
        if name in BUILTIN_GLOBALS:
            return self.read_var(name)
        return self.read_global(name, soft=True)

    def index_in_range(self, idx, n: int):
        b = self.b
        ok = b.and_(b.fcmp_ordered(">=", idx, dconst(0.0)), b.fcmp_ordered("<", idx, dconst(float(n))))
        ok = b.and_(ok, b.fcmp_ordered("==", self.call_intr("llvm.floor", idx), idx))
        k = b.fptosi(b.select(ok, idx, dconst(0.0)), I64)
        return ok, k

    def load_table(self, values: list[float], k) -> ir.Value:
        g = self.table(values)
        return self.b.load(self.b.gep(g, [ir.Constant(I64, 0), k]))

    # ------------------------------------------------------------ mutable arrays (in the state)
    def is_math_alias_definition(self, node) -> bool:
        return isinstance(node, P.Assign) and node.op == "=" and isinstance(node.target, P.Ident) and \
            node.target.name in self.info.math_aliases and (
                isinstance(node.value, P.Ident) or isinstance(node.value, P.Member))

    def is_array_definition(self, node) -> bool:
        return is_array_definition(self.info, node)

    def array_holder(self, node) -> bool:
        return isinstance(node, P.Ident) and node.name in self.info.arrays and \
            self.info.arrays[node.name].rows is None and resolve(self.info, self.frames, node.name)[0] == "global"

    def table_holder(self, node) -> bool:
        return isinstance(node, P.Ident) and node.name in self.info.arrays and \
            self.info.arrays[node.name].rows is not None and \
            resolve(self.info, self.frames, node.name)[0] == "global"

    def table_read(self, node) -> Val:
        """`N[i][j]` of a table held by a global: a row index off the rows reads a property
        of undefined (TypeError); a column off the row gives undefined."""
        b = self.b
        name = node.obj.obj.name
        rows = self.info.arrays[name].rows
        self.read_global(name, soft=False)
        i = self.index_number(node.obj.index)
        j = self.index_number(node.index)
        ok_i, ki = self.index_in_range(i, len(rows))
        self.throw_unless(ok_i)
        offsets = [float(sum(rows[:r])) for r in range(len(rows))]
        length = self.load_table([float(n) for n in rows], ki)
        ok_j = b.and_(b.fcmp_ordered(">=", j, dconst(0.0)), b.fcmp_ordered("<", j, length))
        ok_j = b.and_(ok_j, b.fcmp_ordered("==", self.call_intr("llvm.floor", j), j))
        k = b.fptosi(b.fadd(self.load_table(offsets, ki), b.select(ok_j, j, dconst(0.0))), I64)
        return self.load_cell(name, k, b.not_(ok_j))

    def array_param(self, node):
        """The storage key of an array parameter of an inlined call, else None."""
        bound = bound_parameter(self.info, self.frames, node, "arrays")
        return None if bound is None else bound[1]

    def function_param(self, node):
        """The Math function (name) or helper function (fid) a parameter of an inlined call is
        bound to, else None."""
        bound = bound_parameter(self.info, self.frames, node, "funcs")
        return None if bound is None else bound[1]

    def function_argument(self, node) -> tuple:
        """(Math function name,) or (helper function fid,) of an argument that passes one
        (analysis chose which)."""
        bound = self.function_param(node)
        if bound is not None:
            return (bound,)
        if isinstance(node, P.Func):
            return (("literal", self.info.func_ids[id(node)], len(self.frames)),)
        if isinstance(node, P.Member):
            return (node.prop,)
        if node.name in self.info.func_globals and resolve(self.info, self.frames, node.name)[0] == "global":
            vp, sp = self.global_ptrs(node.name)      # the global read before its definition ran
            self.throw_unless(self.b.fcmp_ordered("!=", self.b.load(sp), dconst(0.0)))
            return (self.info.func_globals[node.name],)
        if node.name in self.info.math_aliases and resolve(self.info, self.frames, node.name)[0] == "global":
            vp, sp = self.global_ptrs(node.name)      # the alias read before its assignment
            self.throw_unless(self.b.fcmp_ordered("!=", self.b.load(sp), dconst(0.0)))
            return (self.info.math_aliases[node.name],)
        return (node.name,)

    def array_argument(self, node) -> str:
        """Evaluate an argument that passes an array by reference (analysis chose which):
        the storage key of an array parameter or holder, or a computed literal stored now."""
        key = self.array_param(node)
        if key is not None:
            return key
        if isinstance(node, P.Ident):
            self.read_global(node.name, soft=False)     # ReferenceError before the array exists
            return node.name
        key = f"[]@{node.pos}"
        vals = [UNDEF_VAL if e is None else self.expr(e) for e in node.elements]
        for j, v in enumerate(vals):
            self.store_cell(key, ir.Constant(I64, j), v)
        return key

    def array_kind(self, name: str) -> Kind:
        return self.info.array_kinds.get(name, UNDEF)

    def array_cell(self, name: str, k):
        """(value ptr, undefined-flag ptr or None) of element k (i64) of the holder's array."""
        voff, foff, _, _ = self.layout[name]
        b = self.b
        vp = b.gep(self.state, [b.add(ir.Constant(I64, voff), k)])
        fp = b.gep(self.state, [b.add(ir.Constant(I64, foff), k)]) if foff is not None else None
        return vp, fp

    def load_cell(self, name: str, k, out_of_range=None) -> Val:
        kind = self.array_kind(name)
        vp, fp = self.array_cell(name, k)
        u = self.b.fcmp_ordered("!=", self.b.load(fp), dconst(0.0)) if fp is not None else None
        if out_of_range is not None:
            u = out_of_range if u is None else self.b.or_(out_of_range, u)
        return Val(kind.base, self.b.load(vp), u)

    def store_cell(self, name: str, k, v: Val) -> None:
        kind = self.array_kind(name)
        v = self.convert(v, Kind(kind.base, kind.undef))
        vp, fp = self.array_cell(name, k)
        self.b.store(v.d, vp)
        if fp is not None:
            self.b.store(self.b.uitofp(v.u, DBL), fp)

    def array_read(self, node) -> Val:
        """`A[i]`: undefined outside the elements (no other property can exist)."""
        name = node.obj.name
        self.read_global(name, soft=False)
        idx = self.index_number(node.index)
        if self.info.arrays[name].queue:
            b = self.b
            head_p, len_p = self.queue_ptrs(name)
            n = b.load(len_p)
            ok = b.and_(b.fcmp_ordered(">=", idx, dconst(0.0)), b.fcmp_ordered("<", idx, n))
            ok = b.and_(ok, b.fcmp_ordered("==", self.call_intr("llvm.floor", idx), idx))
            k = self.ring_index(b.load(head_p), b.select(ok, idx, dconst(0.0)), name)
            return self.load_cell(name, k, b.not_(ok))
        ok, k = self.index_in_range(idx, self.info.arrays[name].length)
        return self.load_cell(name, k, self.b.not_(ok))

    def queue_ptrs(self, name: str):
        """(head ptr, length ptr) of a queue array (doubles in the state)."""
        qoff = self.layout[name][3]
        return (self.b.gep(self.state, [ir.Constant(I64, qoff)]),
                self.b.gep(self.state, [ir.Constant(I64, qoff + 1)]))

    def ring_index(self, head, offset, name: str):
        """i64 cell of element `offset` (double, 0 <= offset < L) counted from `head`."""
        b = self.b
        cap = float(self.info.arrays[name].length)
        pos = b.fadd(head, offset)
        pos = b.select(b.fcmp_ordered(">=", pos, dconst(cap)), b.fsub(pos, dconst(cap)), pos)
        return b.fptosi(pos, I64)

    def queue_call(self, node) -> Val:
        """`A.shift()`: the first element (undefined when empty); `A.push(v)`: the new length
        (analysis proved the length stays within the buffer)."""
        b = self.b
        name = node.callee.obj.name
        self.read_global(name, soft=False)
        args = [self.expr(a) for a in node.args]
        head_p, len_p = self.queue_ptrs(name)
        head, n = b.load(head_p), b.load(len_p)
        cap = float(self.info.arrays[name].length)
        if node.callee.prop == "push":
            self.store_cell(name, self.ring_index(head, n, name), args[0])
            n1 = b.fadd(n, dconst(1.0))
            b.store(n1, len_p)
            return Val("num", n1, None)
        nonempty = b.fcmp_ordered(">", n, dconst(0.0))
        v = self.load_cell(name, b.fptosi(head, I64), b.not_(nonempty))
        h1 = b.fadd(head, dconst(1.0))
        h1 = b.select(b.fcmp_ordered(">=", h1, dconst(cap)), dconst(0.0), h1)
        b.store(b.select(nonempty, h1, head), head_p)
        b.store(b.select(nonempty, b.fsub(n, dconst(1.0)), n), len_p)
        return v

    def array_element_ref(self, target):
        """(read, write) of `A[i]` as an assignment target; analysis proved i an element index."""
        name = target.obj.name
        self.read_global(name, soft=False)
        idx = self.to_number(self.expr(target.index))
        k = self.b.fptosi(idx, I64)
        return (lambda: self.load_cell(name, k)), (lambda v: self.store_cell(name, k, v))

    def define_array(self, node) -> None:
        """`A = <site>`: evaluate the site into A's storage, then mark A assigned."""
        name = node.target.name
        a = self.info.arrays[name]
        site = a.site
        b = self.b
        if a.rows is not None:
            vals = [UNDEF_VAL if e is None else self.expr(e) for row in site.elements for e in row.elements]
            for j, v in enumerate(vals):
                self.store_cell(name, ir.Constant(I64, j), v)
        elif isinstance(site, P.ArrayLit):
            vals = [UNDEF_VAL if e is None else self.expr(e) for e in site.elements]
            for j, v in enumerate(vals):
                self.store_cell(name, ir.Constant(I64, j), v)
            if a.growable:
                self.fill_cells(name, 0, a.length, UNDEF_VAL)     # `[]`: holes wherever writes go
        else:
            fill = arrays.fill_call_parts(site)
            self.expr(arrays.array_constructor_length(fill[0] if fill else site))
            args = [self.expr(x) for x in fill[1]] if fill else []
            value = args[0] if args else UNDEF_VAL
            start, end = a.filled
            self.fill_cells(name, 0, start, UNDEF_VAL)
            self.fill_cells(name, start, end, value)
            self.fill_cells(name, end, a.length, UNDEF_VAL)
        if a.queue:
            head_p, len_p = self.queue_ptrs(name)
            b.store(dconst(0.0), head_p)
            b.store(dconst(float(a.length)), len_p)
        self.write_global(name, Val("num", dconst(0.0), None))

    def fill_cells(self, name: str, lo: int, hi: int, v: Val) -> None:
        if hi <= lo:
            return
        b = self.b
        pre = b.block
        loop, done = self.block("fill"), self.block("filled")
        b.branch(loop)
        b.position_at_end(loop)
        k = b.phi(I64)
        k.add_incoming(ir.Constant(I64, lo), pre)
        self.store_cell(name, k, v)
        nxt = b.add(k, ir.Constant(I64, 1))
        k.add_incoming(nxt, b.block)
        b.cbranch(b.icmp_signed("<", nxt, ir.Constant(I64, hi)), loop, done)
        b.position_at_end(done)

    def nested_table_read(self, node) -> Val:
        """`[[..], [..]][i][j]`: every element (in order), then i, then j; a row index
        outside the rows reads a property of undefined, which throws."""
        b = self.b
        rows = node.obj.obj.elements
        kind = self.kind(node.obj.obj)
        cell = Kind(kind.base, True)
        vals = []
        for r in rows:
            if arrays.is_scalar_row(r):
                self.expr(r)           # a number: indexing it gives undefined
                vals.append([])
            else:
                vals.append([UNDEF_VAL if e is None else self.convert(self.expr(e), cell) for e in r.elements])
        i = self.index_number(node.obj.index)
        j = self.index_number(node.index)
        ok_i, ki = self.index_in_range(i, len(rows))
        self.throw_unless(ok_i)
        flat = [v for r in vals for v in r]
        offsets, off = [], 0
        for r in vals:
            offsets.append(float(off))
            off += len(r)
        length = self.load_table([float(len(r)) for r in vals], ki)
        ok_j = b.and_(b.fcmp_ordered(">=", j, dconst(0.0)), b.fcmp_ordered("<", j, length))
        ok_j = b.and_(ok_j, b.fcmp_ordered("==", self.call_intr("llvm.floor", j), j))
        if not flat:
            return Val(kind.base, dconst(NAN), TRUE)
        pos = b.fptosi(b.fadd(self.load_table(offsets, ki), b.select(ok_j, j, dconst(0.0))), I64)
        self.array_cells += len(flat)
        with b.goto_block(self.entry_builder_block):
            darr = b.alloca(ir.ArrayType(DBL, len(flat)))
            uarr = b.alloca(ir.ArrayType(I1, len(flat)))
        for n, v in enumerate(flat):
            b.store(v.d, b.gep(darr, [ir.Constant(I64, 0), ir.Constant(I64, n)]))
            b.store(v.u if v.u is not None else FALSE, b.gep(uarr, [ir.Constant(I64, 0), ir.Constant(I64, n)]))
        d = b.load(b.gep(darr, [ir.Constant(I64, 0), pos]))
        u = b.or_(b.not_(ok_j), b.load(b.gep(uarr, [ir.Constant(I64, 0), pos])))
        return Val(kind.base, d, u)

    def x_Index(self, node) -> Val:
        b = self.b
        obj = node.obj
        if self.record_holder(node) is not None:
            return self.record_lookup(node, obj.name)
        if isinstance(obj, P.Index) and self.table_holder(obj.obj):
            return self.convert(self.table_read(node), self.kind(node))
        key = self.array_param(obj)
        if key is not None:
            idx = self.index_number(node.index)
            ok, k = self.index_in_range(idx, self.info.arrays[key].length)
            return self.convert(self.load_cell(key, k, b.not_(ok)), self.kind(node))
        if self.array_holder(obj):
            return self.array_read(node)
        if arrays.is_nested_table(obj, const_number) and (
                not arrays.scalar_rows(obj) or id(obj) in self.info.number_row_tables):
            return self.nested_table_read(node)
        if not isinstance(obj, (P.Str, P.ArrayLit)):
            v = self.expr(obj)
            idx = self.index_number(node.index)
            return self.index_ref(v, idx, self.kind(node))
        if isinstance(obj, P.Str):
            units = [float(u) for u in utf16_units(obj.value)]
            idx = self.index_number(node.index)
            if not units:
                return Val("str", dconst(0.0), TRUE)
            ok, k = self.index_in_range(idx, len(units))
            return Val("str", self.load_table(units, k), b.not_(ok))
        # array literal: every element is evaluated, then the index
        kind = self.kind(obj)
        n = len(obj.elements)
        consts = [const_number(e) if e is not None else None for e in obj.elements]
        if n and all(c is not None for c in consts) and kind.base == "num":
            idx = self.index_number(node.index)
            ok, k = self.index_in_range(idx, n)
            return Val("num", self.load_table(consts, k), b.not_(ok))
        vals = []
        for e in obj.elements:
            if e is None:
                vals.append(Val(kind.base, dconst(NAN), TRUE))
            else:
                vals.append(self.convert(self.expr(e), Kind(kind.base, True, kind.objs)))
        idx = self.index_number(node.index)
        if n == 0:
            return Val(kind.base, dconst(NAN), TRUE)
        ok, k = self.index_in_range(idx, n)
        self.array_cells += n
        with b.goto_block(self.entry_builder_block):
            darr = b.alloca(ir.ArrayType(DBL, n))
            uarr = b.alloca(ir.ArrayType(I1, n))
        for j, v in enumerate(vals):
            b.store(v.d, b.gep(darr, [ir.Constant(I64, 0), ir.Constant(I64, j)]))
            b.store(v.u, b.gep(uarr, [ir.Constant(I64, 0), ir.Constant(I64, j)]))
        d = b.load(b.gep(darr, [ir.Constant(I64, 0), k]))
        u = b.or_(b.not_(ok), b.load(b.gep(uarr, [ir.Constant(I64, 0), k])))
        return Val(kind.base, d, u)

    def x_Call(self, node) -> Val:
        if any(isinstance(a, P.Spread) for a in node.args):    # `...rest` (engine.compiled.restparams)
            return self.expr(restparams.expanded_call(
                self.info.spread_calls, node, lambda spread: rest_of_spread(self.info, self.frames, spread)))
        callee = node.callee
        b = self.b
        if arrays.queue_call(node) and self.array_holder(callee.obj):
            return self.queue_call(node)
        if id(node) in self.info.chosen_math_calls:
            return self.chosen_math_call(node)
        if isinstance(callee, P.Member) and callee.prop == "charCodeAt" and not isinstance(callee.obj, P.Str):
            v = self.expr(callee.obj)
            self.ref_check_defined(v)          # undefined.charCodeAt throws before the arguments run
            args = [self.expr(a) for a in node.args]
            pos = self.to_number(args[0]) if args else dconst(0.0)
            pos = self.call_intr("llvm.trunc", b.select(self.isnan(pos), dconst(0.0), pos))
            if v.base == "str":                # one code unit, held as its value
                ok = b.fcmp_ordered("==", pos, dconst(0.0))
                return Val("num", b.select(ok, v.d, dconst(NAN)), None)
            length = self.object_table("length", v.d)
            ok = b.and_(b.fcmp_ordered(">=", pos, dconst(0.0)), b.fcmp_ordered("<", pos, length))
            k = b.fptosi(b.fadd(self.object_table("offset", v.d), b.select(ok, pos, dconst(0.0))), I64)
            raw, _, _ = self.element_tables()
            return Val("num", b.select(ok, self.load_table(raw, k), dconst(NAN)), None)
        if isinstance(callee, P.Member) and callee.prop == "charCodeAt":
            units = [float(u) for u in utf16_units(callee.obj.value)]
            args = [self.expr(a) for a in node.args]
            pos = self.to_number(args[0]) if args else dconst(0.0)
            pos = self.call_intr("llvm.trunc", b.select(self.isnan(pos), dconst(0.0), pos))
            if not units:
                return Val("num", dconst(NAN), None)
            ok = b.and_(b.fcmp_ordered(">=", pos, dconst(0.0)), b.fcmp_ordered("<", pos, dconst(float(len(units)))))
            k = b.fptosi(b.select(ok, pos, dconst(0.0)), I64)
            return Val("num", b.select(ok, self.load_table(units, k), dconst(NAN)), None)
        if isinstance(callee, P.Ident) and callee.name in self.info.choices and \
                resolve(self.info, self.frames, callee.name)[0] == "global":
            return self.call_choice(node)
        if isinstance(callee, P.Member) and self.record_holder(callee) is not None and \
                records.field_name(callee.obj.name, callee.prop) in self.info.func_globals:
            name = self.record_field(callee)     # the holder read first: ReferenceError while unset
            return self.inline_call(self.info.func_globals[name], node.args, snapshot=True)
        if defined_function(callee) is not None:     # `(f = x => ...)(args)`: define, then call it here
            self.expr(callee, discard=True)
            return self.inline_call(self.info.func_ids[id(defined_function(callee))], node.args, snapshot=False)
        inlined = self.inlined_function_call(node, stereo=False)
        if inlined is not None:
            return inlined
        if isinstance(callee, P.Ident) and callee.name == "parseInt":
            return self.parse_int(node)
        if isinstance(callee, P.Ident) and callee.name in ("isNaN", "isFinite"):
            args = [self.expr(a) for a in node.args]
            x = self.to_number(args[0]) if args else dconst(NAN)
            if callee.name == "isNaN":
                r = self.isnan(x)
            else:
                r = b.fcmp_ordered("<", self.call_intr("llvm.fabs", x), dconst(math.inf))
            return Val("bool", b.uitofp(r, DBL), None)
        name = callee.name if isinstance(callee, P.Ident) else callee.prop
        if isinstance(self.function_param(callee), int):     # a parameter bound to a helper function
            return self.inline_call(self.function_param(callee), node.args, snapshot=True)
        if isinstance(self.function_param(callee), tuple):   # a parameter bound to a function literal
            _, fid, outer = self.function_param(callee)
            return self.inline_call(fid, node.args, snapshot=False, outer=outer)
        if self.function_param(callee) is not None:
            name = self.function_param(callee)
        elif isinstance(callee, P.Ident) and callee.name in self.info.math_aliases and \
                resolve(self.info, self.frames, callee.name)[0] == "global":
            vp, sp = self.global_ptrs(callee.name)     # `s(x)` before `s=sin` ran: ReferenceError
            self.throw_unless(self.b.fcmp_ordered("!=", self.b.load(sp), dconst(0.0)))
            name = self.info.math_aliases[callee.name]
        if name == "int":
            name = "floor"
        vals = [self.expr(a) for a in node.args]
        args = [self.to_number(v) for v in vals]
        if name == "random":
            rs = self.b.gep(self.state, [ir.Constant(I64, self.info.random_offset)])
            return Val("num", self.b.call(self.helper_random(), [rs]), None)
        return Val("num", self.math(name, args, [integer_fact(v, d) for v, d in zip(vals, args)]), None)

    def chosen_math_call(self, node) -> Val:
        """`(c ? f : g)(x)`, f and g Math functions: the test, then the arguments, then the
        chosen function (both are computed: they have no effects)."""
        cond = self.truthy(self.expr(node.callee.test))
        vals = [self.expr(a) for a in node.args]
        args = [self.to_number(v) for v in vals]
        facts = [integer_fact(v, d) for v, d in zip(vals, args)]
        a, b = (self.math(name, args, facts) for name in self.info.chosen_math_calls[id(node)])
        return Val("num", self.b.select(cond, a, b), None)

    def inlined_function_call(self, node, stereo: bool):
        """A call of one of the song's function literals, inlined (None: `node` calls something
        else). `stereo`: the call is the song's result; gives (left, right, stereo)."""
        callee = node.callee
        if isinstance(callee, P.Func):
            return self.inline_call(self.info.func_ids[id(callee)], node.args, snapshot=False, stereo=stereo)
        if isinstance(callee, P.Ident) and callee.name in self.info.declared and \
                resolve(self.info, self.frames, callee.name)[0] == "global":
            return self.inline_call(self.info.declared[callee.name], node.args, snapshot=False, toplevel=True,
                                    stereo=stereo)
        fname = callee.name if isinstance(callee, P.Ident) else (
            callee.prop if isinstance(callee, P.Member) and not (
                isinstance(callee.obj, P.Ident) and callee.obj.name == "Math") else None)
        if isinstance(callee, P.Ident) and callee.name in self.song_function_flags and \
                resolve(self.info, self.frames, callee.name)[0] == "song":
            self.throw_unless(self.b.load(self.song_function_flags[callee.name]))   # else Math.E(): TypeError
            return self.inline_call(self.info.func_globals[callee.name], node.args, snapshot=True, stereo=stereo)
        if fname is not None and fname in self.info.func_globals and (
                not isinstance(callee, P.Ident) or resolve(self.info, self.frames, fname)[0] == "global"):
            vp, sp = self.global_ptrs(fname)
            held = 3.0 if fname in self.info.dual_functions else None   # else a value: TypeError
            self.throw_unless(self.b.fcmp_ordered("!=", self.b.load(sp), dconst(0.0)) if held is None else
                              self.b.fcmp_ordered("==", self.b.load(sp), dconst(held)))
            return self.inline_call(self.info.func_globals[fname], node.args, snapshot=True, stereo=stereo)
        return None

    def parse_int(self, node) -> Val:
        b = self.b
        if not node.args:
            return Val("num", dconst(NAN), None)
        arg = node.args[0]
        radix = None
        if len(node.args) > 1:
            radix = const_number(node.args[1])
        v = self.expr(arg)
        for a in node.args[1:]:
            self.expr(a)
        r = 10 if radix is None else int(radix) if math.isfinite(radix) else 0
        if r == 0:
            r = 10
        if isinstance(arg, P.Str) and v.base != "str":
            return Val("num", dconst(parse_int_string(arg.value, radix)), None)
        if v.base == "undef":
            return Val("num", dconst(parse_int_string("undefined", radix)), None)
        if v.base == "ref":
            d = self.object_table("parseInt" if radix is None else f"parseInt{radix!r}", v.d)
            if v.u is not None:
                d = b.select(v.u, dconst(parse_int_string("undefined", radix)), d)
            return Val("num", d, None)
        if not 2 <= r <= 36:
            return Val("num", dconst(NAN), None)
        c = v.d
        def rng(lo, hi):
            return b.and_(b.fcmp_ordered(">=", c, dconst(lo)), b.fcmp_ordered("<=", c, dconst(hi)))
        digit = b.select(rng(48, 57), b.fsub(c, dconst(48)),
                         b.select(rng(97, 122), b.fsub(c, dconst(87)),
                                  b.select(rng(65, 90), b.fsub(c, dconst(55)), dconst(99))))
        d = b.select(b.fcmp_ordered("<", digit, dconst(float(r))), digit, dconst(NAN))
        if v.u is not None:
            d = b.select(v.u, dconst(parse_int_string("undefined", radix)), d)
        return Val("num", d, None)

    def math(self, name: str, args: list, facts: list | None = None) -> ir.Value:
        b = self.b
        a = args[0] if args else dconst(NAN)
        if name in ("floor", "ceil", "trunc", "sqrt"):
            return self.call_intr("llvm." + name, a)
        if name == "abs":
            return self.call_intr("llvm.fabs", a)
        if name == "round":
            r = self.call_intr("llvm.floor", a)
            up = b.fcmp_ordered(">=", b.fsub(a, r), dconst(0.5))
            r = b.select(up, b.fadd(r, dconst(1.0)), r)
            # a zero result keeps the sign of the argument (-0.4 -> -0)
            return b.select(b.fcmp_ordered("==", r, dconst(0.0)), self.call_intr_n("llvm.copysign", r, a), r)
        if name == "sign":
            s = b.select(b.fcmp_ordered(">", a, dconst(0.0)), dconst(1.0),
                         b.select(b.fcmp_ordered("<", a, dconst(0.0)), dconst(-1.0), a))
            return s
        if name in ("min", "max"):
            if not args:
                return dconst(math.inf if name == "min" else -math.inf)
            acc = args[0]
            for x in args[1:]:
                acc = self.minmax(name, acc, x)
            return acc
        if name == "fround":
            return b.fpext(b.fptrunc(a, ir.FloatType()), DBL)
        if name == "imul":
            c = args[1] if len(args) > 1 else dconst(NAN)
            return b.sitofp(b.mul(self.toint32(a), self.toint32(c)), DBL)
        if name == "clz32":
            ctlz = self.intrinsic("llvm.ctlz", [I32])
            return b.uitofp(b.call(ctlz, [self.toint32(a), FALSE]), DBL)
        if name in self.info.fdlibm:
            arity = vector_math.arity(name)
            padded = list(args[:arity]) + [dconst(NAN)] * (arity - len(args))
            if name == "hypot":
                raise AssertionError("hypot")
            exponent_fact = facts[1] if name == "pow" and facts and len(facts) > 1 else None
            return self.fdlibm_call(name, *padded, exponent_fact=exponent_fact)
        raise AssertionError(name)

    def call_intr_n(self, name: str, *args) -> ir.Value:
        return self.b.call(self.intrinsic(name), list(args))

    def minmax(self, name: str, x, y) -> ir.Value:
        b = self.b
        nan = b.or_(self.isnan(x), self.isnan(y))
        xi, yi = b.bitcast(x, I64), b.bitcast(y, I64)
        if name == "max":
            tie = b.bitcast(b.and_(xi, yi), DBL)    # max(+0, -0) = +0
            r = b.select(b.fcmp_ordered(">", x, y), x, b.select(b.fcmp_ordered(">", y, x), y, tie))
        else:
            tie = b.bitcast(b.or_(xi, yi), DBL)     # min(+0, -0) = -0
            r = b.select(b.fcmp_ordered("<", x, y), x, b.select(b.fcmp_ordered("<", y, x), y, tie))
        return b.select(nan, dconst(NAN), r)


def constant_of(v) -> float | None:
    """The value of a double constant, else None."""
    if isinstance(v, ir.Constant) and v.type == DBL and isinstance(v.constant, float):
        return v.constant
    return None


def struct_key(v: float):
    return math.copysign(1.0, v), v if v == v else "nan"


def generate(info: SongInfo) -> str:
    """LLVM IR text of the song's kernel."""
    with P.deep_recursion():
        gen = CodeGen(info)
        text = gen.build()
        info.optimize = gen.array_cells <= MAX_OPTIMIZED_ARRAY_CELLS and len(text) <= MAX_OPTIMIZED_IR
        return text
