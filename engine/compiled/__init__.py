"""The compiled tier: a bytebeat song compiled to machine code without any JS engine.

    tokenizer -> parser -> analysis -> codegen (LLVM IR) -> kernel (MCJIT) -> runner

`load_song(code, mode, sample_rate)` returns a SongRunner or raises SongSyntaxError,
NotCompiledError or SongLimitError. `check_song(code, mode)` runs the first three
stages only. `warm_up()` builds the JIT and loads the fdlibm port ahead of time.

The subset (everything else is refused with NotCompiledError naming the construct and
its position):
* numbers, `t`, every operator with JS precedence and ToInt32/ToUint32 semantics,
  comparisons, `&& || ?? ?:` and comma, `++ --` and all compound assignments;
* Math via bare names, `Math.` and `int()`: floor ceil round trunc abs sqrt sign min max
  fround imul clz32 natively, sin cos tan exp log pow `**` atan2 ... through V8's fdlibm
  port (engine.fdlibm), `random()` as V8's xorshift128+ seeded with 42; constants;
* globals as state between samples (ReferenceError -> NaN sample when read before
  assignment), `this.x`/`window.x`, assigned parameters as per-sample locals, the test call;
* one-character strings, constant strings and (nested) arrays of constants as values:
  indexing, `.length`, `.charCodeAt`, `parseInt(s, radix)`, ToNumber; array literals of
  computed values indexed directly (`[a,b][i]`, `[[a,b],[c,d]][i][j]`); `[l, r]` stereo results;
* mutable arrays (engine.compiled.arrays), each held by one global: `Array(N).fill(v, s, e)`,
  `Array(N)`, literals of computed values, `[]` grown at call counters; `A[i]`, `A.length`,
  `A[i] = v` (and compound forms) where i is provably an element's index, `A.shift()` /
  `A.push(v)` delay lines; such arrays and literals passed to helper functions by reference;
  lengths folded before the song runs (engine.compiled.static_values); tables `N[i][j]`;
  `[x]` read as a number; one-character strings as keys; `s[c](i)` with c='charCodeAt';
* rewrites into the above: folds `X.map(f).reduce(g)` (engine.compiled.folds), globals
  holding a helper then an array (engine.compiled.renames), `[l, r]` results stored in
  unread globals or returned by helpers (engine.compiled.stereo), tables returned by
  helpers (engine.compiled.returned_tables), spreads of constant arrays (spreads);
* Math functions held by globals (`s=sin`) and called, and globals holding parseInt/isNaN/
  isFinite called (engine.compiled.aliases); `f = g = <function>`; `(f = <function>)(x)`;
* strings built from constants ("a" + b with b set to one string, `.repeat(3)`, template
  literals, `?:` between strings, escape/unescape, the packer's replace) folded to literals,
  and a direct `eval` of such a string inlined as its expression (engine.compiled.conststrings,
  engine.compiled.consteval); `[constants].includes(x)`; `x == null` as `x === undefined`; `n.toString(8)[i]` of an
  integer n (engine.compiled.radixdigits);
* helper functions (arrow/function expressions assigned to globals, IIFEs, hoisted
  `function` declarations after the expression) inlined at each call, with default
  parameters (a parameter reassigned at the body's top level is a new variable from there,
  engine.compiled.paramversions), `let/const/var`, `if`, `switch` (engine.compiled.switches), `for/while/do`
  loops (with an iteration guard), `break/continue`, `return`, `throw` (the sample is NaN;
  text built only to be thrown is reduced to the evaluations that build it,
  engine.compiled.messages); isNaN/isFinite; Funcbeat bodies of declarations and statements
  ending in `return <function>` (engine.compiled.funcbeat), which may rebind t, Math names
  and built-ins (engine.compiled.body_names); self-calling functions unrolled
  where constant arguments bound the depth (engine.compiled.recursion); helper functions
  and function literals passed as arguments or default values; rest parameters forwarded with
  `...rest` (engine.compiled.restparams); array-destructuring parameters `([a, b]) => ...`
  given arrays (engine.compiled.destructuring); functions held by song parameters (`E=(f,t,i)=>...`)
  defined every sample; functions defined in every sample before anything can reach them read
  t live; `(f = <function>)(x)`; `this.f ??= <function>`; a function as the song's value (NaN);
* a constant array as the song's value is stereo; values that are strings at some evaluations
  and arrays at others are indexed alike;
* globals picking one of several closed helper functions, `V=[f,g][i]`, then `V(x)`
  (engine.compiled.choices); globals holding a function at times and a value at others;
* objects used as records (engine.compiled.records): a global only ever assigned object
  literals and used as `o.p` (read, written) or `o[key]` (a one-character string or integer key),
  with function properties that read neither `this` nor their scope, called as `o.f(x)`.

Before analysis, `analysis.analyze` rewrites the tree with those modules, each turning one
construct into ones the subset already takes, with the same evaluations in the same order.

"""
from __future__ import annotations

from engine.compiled import analysis, codegen, funcbeat, parser
from engine.errors import NotCompiledError, SourcePosition
from engine.compiled.jsvalues import prepare_code
from engine.compiled.kernel import CompiledSong, get_kernel

__all__ = ["load_song", "check_song", "compile_song", "warm_up"]


def warm_up() -> None:
    """Create the process's JIT, load the fdlibm port's machine code (the first process
    on a machine builds it with numba, about 12 s: engine.compiled.fdlibm_object) and its
    vector variants, and compile the sample conversion, so a pool process's first song
    pays none of it."""
    from engine.compiled import samples  # noqa: PLC0415
    from engine.compiled.jit import OPTIMIZED, register_fdlibm_symbols, target_machine  # noqa: PLC0415
    target_machine()
    if analysis.fdlibm_names():
        register_fdlibm_symbols()
        OPTIMIZED.load_vector_variants(analysis.fdlibm_names())
    OPTIMIZED.load_vector_variants({"remainder"})
    samples.warm_up()


def check_song(code: str, mode: str = "uint8", sample_rate: float = 8000) -> analysis.SongInfo:
    """Parse and analyze; raises SongSyntaxError / NotCompiledError / SongLimitError."""
    if mode == "func":
        return _check_funcbeat(code, sample_rate)
    text = prepare_code(code, mode)
    tree, rest = parser.parse_song(text)
    return analysis.analyze(text, tree, mode, rest)


def _check_funcbeat(code: str, sample_rate: float) -> analysis.SongInfo:
    """Funcbeat: the body runs once and returns the song function, called per sample as
    f(t / rate, rate). Bodies other than `return <function>` go through engine.compiled.funcbeat."""
    body = [s for s in parser.parse_function_code(code) if not isinstance(s, parser.Empty)]
    if len(body) != 1 or not isinstance(body[0], parser.Return) or not isinstance(body[0].arg, parser.Func):
        tree, decls = funcbeat.song_of_body(code, body, sample_rate)
        info = analysis.analyze(code, tree, "func", decls)
        info.rate = float(sample_rate)
        return info
    func = body[0].arg
    funcbeat.refuse_free_t(code, body)
    tree = parser.Call(func.pos, func, (parser.Ident(func.pos, "t"), parser.Num(func.pos, float(sample_rate))), False)
    info = analysis.analyze(code, tree, "func")
    info.rate = float(sample_rate)
    return info


def compile_song(code: str, mode: str = "uint8", sample_rate: float = 8000):
    def build():
        info = check_song(code, mode, sample_rate)
        return info, codegen.generate(info)
    return get_kernel((code, mode, float(sample_rate)), build)


def load_song(code: str, mode: str = "uint8", sample_rate: float = 8000) -> CompiledSong:
    from engine.compiled import samples  # noqa: PLC0415
    # the render loop's mapping to samples first: once the song's kernel is compiled, its
    # optimized code takes LLVM's lock in the background and the mapping would wait for it
    samples.mapper(mode)
    return CompiledSong(compile_song(code, mode, sample_rate))
