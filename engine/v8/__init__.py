"""The embedded-V8 tier: songs run in a fresh, sandboxed V8 context (mini-racer).

    runner = load_song(code, mode, sample_rate)           # compile + test call at t = 0
    stereo = runner.fill(t0, left, right)                  # one V8 call per block
    runner.close()

Each `load_song` gets its own V8 isolate/context (mini-racer), prepared the way
`shared/bytebeat/reference.mjs` prepares Node 20: only Node 20's global names remain and
the built-ins lose the properties added after Node 20 (engine/v8/node20_builtins.js),
`console` is silent, `Math.random` is V8's xorshift128+ seeded like `--random-seed`,
Math's names are Node 20's (43), the Math functions whose results changed after V8 11.3
(sin, cos, pow) are replaced by the fdlibm ports of `engine/v8/fdlibm.js` and `**` / `**=`
are rewritten to calls of the ported pow (engine/v8/powrewrite.py; constant `a ** b` are
folded with it, as V8's parser does); then the player's deleteGlobals/freezeGlobals run,
the song is compiled with `new Function(...Math names, int, window, t, ...)` exactly as
the player does, and the test call runs. Timers (Atomics.waitAsync) and
FinalizationRegistry callbacks cannot run song code between two calls.

V8 runs with --max-old-space-size=8192 --no-maglev (set when this tier first initialises
mini-racer): Node 20 had no Maglev, and V8 14's Maglev compiled one 300 kB corpus song on
the main thread for minutes, beyond the reach of termination. Unlike mini-racer's default,
V8 is not --single-threaded: TurboFan compiles on a background thread as in Node, and
only so does V8 14 re-optimise the render loop (with the song inlined) after a song's
first deoptimisation; single-threaded, the loop stays in baseline code calling the song
through its 45 bound arguments, 6x slower (bench/v8_tier.py). mini-racer chose
--single-threaded against crashes after fork(); the service starts its render workers
with "spawn", so no process forks after V8 started its threads.

`fill` renders a block inside V8 (the render loop is JavaScript: call, exception -> NaN,
array -> stereo, `+value` of the right channel then the left) into a Float64Array of
2n values (left block, then right block); Python reads that buffer's memory directly
(mini-racer hands an ArrayBuffer to Python as a memoryview over its backing store), so
one block costs one V8 call and one numpy copy.

Limits: a hard heap limit (`memory_mb`) and a time limit per V8 call (`block_timeout`,
and an optional absolute `deadline` on `time.monotonic()`); on either the context is
terminated and discarded and an EngineError is raised; the process stays usable.
"""
from __future__ import annotations

import asyncio
import json
import os
import queue
import re
import secrets
import threading
import time
from pathlib import Path

import numpy as np

from engine.errors import (EngineError, InvalidRequestError, RenderTimeoutError,
                           SongRuntimeError, SongSyntaxError, SourcePosition)
from engine.v8.powrewrite import apply_plan, const_operands, count_pow_operators, plan_pow

__all__ = ["load_song", "V8SongRunner", "v8_version", "SongMemoryError"]

MODES = ("uint8", "int8", "float", "func")
_HERE = Path(__file__).resolve().parent
_HARNESS = (_HERE / "harness.js").read_text(encoding="utf-8")
_FDLIBM_PATH = _HERE / "fdlibm.js"
_BUILTINS = (_HERE / "node20_builtins.js").read_text(encoding="utf-8").strip()

DEFAULT_MEMORY_MB = 256
DEFAULT_BLOCK_TIMEOUT = 30.0   # seconds for one V8 call (one block, or compile + test call)
_WATCH_PERIOD = 0.02          # seconds between two checks of a running V8 call
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss() -> int:
    """Resident set size of this process in bytes (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


class SongMemoryError(SongRuntimeError):
    """The song used more memory than its limit."""


# ---------------------------------------------------------------- mini-racer plumbing

_loop_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def _event_loop() -> asyncio.AbstractEventLoop:
    """One private asyncio loop (in a daemon thread) serves every context: mini-racer
    dispatches its completions there, so runners work the same whether or not the caller
    runs inside an event loop of its own, and time limits always apply."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.run_forever()

            threading.Thread(target=run, name="engine-v8-loop", daemon=True).start()
            _loop = loop
        return _loop


# V8's own heap limit must sit far above the per-song hard limit: mini-racer's hard limit
# terminates a song at its next interrupt check, and an allocation that crosses V8's heap
# limit before that aborts the whole process (Fatal JavaScript out of memory).
V8_FLAGS = ("--max-old-space-size=8192", "--no-maglev")
_v8_init_done = False


def _init_v8() -> None:
    global _v8_init_done
    if _v8_init_done:
        return
    from py_mini_racer import init_mini_racer
    # no effect if mini-racer was initialised before (then V8's default limit applies)
    init_mini_racer(flags=V8_FLAGS, ignore_duplicate_init=True)
    _v8_init_done = True


def _open_context():
    """A fresh mini-racer context on the private loop, without the setTimeout shim that
    MiniRacer() installs (its `var` globals could not be deleted and its timers would
    run song code between two fill() calls). Falls back to the public API."""
    from py_mini_racer import MiniRacer
    _init_v8()
    loop = _event_loop()
    try:
        from py_mini_racer._mini_racer import _make_context
    except ImportError:  # pragma: no cover - other mini-racer versions
        from py_mini_racer import mini_racer
        cm = mini_racer(loop)
        return cm, cm.__enter__()

    class _BareRacer(MiniRacer):
        def __init__(self, context) -> None:  # noqa: D401 - skips INSTALL_SET_TIMEOUT
            self._own_context_maker = None
            self._ctx = context

    cm = _make_context(loop)
    ctx = cm.__enter__()
    return cm, _BareRacer(ctx)


def _limit_reached(rss_cap: int, end: float) -> str | None:
    """Which limit a running V8 call has passed: "memory" (resident size over
    rss_cap), "time" (past `end`), or None."""
    if _rss() > rss_cap:
        return "memory"
    if time.monotonic() >= end:
        return "time"
    return None


def _direct_eval(mr, src: str, timeout: float, rss_cap: int):
    """mr_eval without the asyncio round trip: the result arrives from V8's thread in
    mini-racer's queue for uncancelable tasks, which this thread polls while watching the
    clock and the resident size (the context belongs to one runner, used by one thread at
    a time, so that queue holds only this call's result). Relies on mini-racer 0.14
    internals; returns None when they are not there (the asyncio path is used then)."""
    ctx = getattr(mr, "_ctx", None)
    q = getattr(ctx, "_non_cancelable_mr_task_results_queue", None)
    dll = getattr(ctx, "_dll", None)
    if q is None or dll is None or not hasattr(ctx, "_python_to_value_handle"):
        return None
    code_handle = ctx._python_to_value_handle(src)
    task_id = dll.mr_eval(ctx._ctx, code_handle.raw, 0)
    end = time.monotonic() + timeout
    while True:
        try:
            val_handle = q.get(timeout=_WATCH_PERIOD)
            break
        except queue.Empty:
            pass
        reason = _limit_reached(rss_cap, end)
        if reason is not None:
            dll.mr_cancel_task(ctx._ctx, task_id)
            try:
                q.get(timeout=5.0)  # the terminated task's result
            except queue.Empty:
                # V8 did not stop (a long non-interruptible operation, e.g. compiling a
                # huge function): freeing the context would block until it does
                return reason + "-stuck", None
            return reason, None
    del code_handle
    return "ok", ctx._value_handle_to_python(val_handle)


def _fdlibm_source() -> str | None:
    try:
        src = _FDLIBM_PATH.read_text(encoding="utf-8")
    except OSError:
        return None
    return src if "FDLIBM" in src else None


def v8_version() -> str:
    from py_mini_racer import init_mini_racer
    _init_v8()
    return init_mini_racer(ignore_duplicate_init=True).mr_v8_version().decode()


def _js_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=True)


_PARSE_LINE = re.compile(r"<anonymous>:(\d+): (\w*Error): ([^\n]*)")


# ---------------------------------------------------------------- the runner

class V8SongRunner:
    """A compiled song in its own V8 context (implements engine.runner.SongRunner)."""

    tier = "v8"

    def __init__(self, code: str, mode: str, sample_rate: float, *, memory_mb: int,
                 random_seed: int, block_timeout: float, deadline: float | None) -> None:
        self.mode = mode
        self.sample_rate = float(sample_rate)
        self.memory_mb = int(memory_mb)
        self.block_timeout = float(block_timeout)
        # off-heap allowance: the V8 heap itself (up to memory_mb) also shows in the RSS
        self.rss_limit_mb = 2 * self.memory_mb + 128
        self._rss_base = _rss()
        self.deadline = deadline
        self.random_seed_value = int(random_seed)
        self.test_call_error: str | None = None
        self.pow_rewritten = False
        self.math_installed: list[str] = []
        self._entry = "__bb_" + secrets.token_hex(8)
        self._buf: np.ndarray | None = None
        self._buf_len = 0
        self._dead: EngineError | None = None
        self._lock = threading.RLock()
        self._cm, self._mr = _open_context()
        try:
            self._mr.set_hard_memory_limit(self.memory_mb * 1024 * 1024)
            self._mr.set_soft_memory_limit(self.memory_mb * 1024 * 1024 * 3 // 4)
            self._setup(code)
        except BaseException:
            self.close()
            raise

    # -- V8 calls with limits ------------------------------------------------------
    def _eval(self, src: str, what: str):
        """One V8 evaluation under the time limit, the heap limit and the watchdog on
        off-heap memory (ArrayBuffer/WebAssembly memory is outside V8's heap limit: the
        process's resident size may not grow more than `rss_limit_mb` past its size when
        the song was loaded; checked every 20 ms while V8 runs)."""
        with self._lock:
            return self._eval_locked(src, what)

    def _eval_locked(self, src: str, what: str):
        from py_mini_racer import JSEvalException, JSOOMException

        if self._dead is not None:
            raise self._dead
        timeout = self.block_timeout
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                self._kill(RenderTimeoutError(f"render passed its deadline before {what}"))
            timeout = min(timeout, left)
        mr = self._mr
        rss_cap = self._rss_base + self.rss_limit_mb * 1024 * 1024

        async def run():
            task = asyncio.ensure_future(mr.eval_cancelable(src))
            end = time.monotonic() + timeout
            while True:
                done, _ = await asyncio.wait((task,), timeout=_WATCH_PERIOD)
                if done:
                    return "ok", task.result()
                reason = _limit_reached(rss_cap, end)
                if reason is not None:
                    task.cancel()
                    try:
                        await task
                    except BaseException:  # noqa: BLE001 - cancelled / terminated
                        pass
                    return reason, None

        try:
            direct = _direct_eval(mr, src, timeout, rss_cap)
            if direct is not None:
                status, value = direct
            else:
                status, value = asyncio.run_coroutine_threadsafe(run(), _event_loop()).result()
        except JSOOMException:
            self._kill(SongMemoryError(f"song exceeded its memory limit of {self.memory_mb} MB"))
        except JSEvalException:
            if self._mr is not None and self._mr.was_hard_memory_limit_reached():
                self._kill(SongMemoryError(f"song exceeded its memory limit of {self.memory_mb} MB"))
            raise
        if status.endswith("-stuck"):
            self._stuck = True
            status = status[:-len("-stuck")]
        if status == "ok":
            return value
        if status == "memory":
            self._kill(SongMemoryError(
                f"song exceeded its memory limit of {self.memory_mb} MB "
                f"(buffers outside the JavaScript heap grew the process by more than {self.rss_limit_mb} MB)"))
        if self.deadline is not None and time.monotonic() >= self.deadline - 1e-3:
            msg = f"render passed its deadline during {what} (song too slow or in an endless loop)"
        else:
            msg = f"song took longer than {timeout:g} s for {what} (too slow or in an endless loop)"
        self._kill(RenderTimeoutError(msg))

    def _kill(self, err: EngineError):
        self._dead = err
        self.close()
        raise err

    def _after_call(self) -> None:
        if self._mr is not None and self._mr.was_hard_memory_limit_reached():
            self._kill(SongMemoryError(f"song exceeded its memory limit of {self.memory_mb} MB"))

    # -- setup: globals, compile, test call ---------------------------------------
    def _setup(self, code: str) -> None:
        cfg = {"entry": self._entry, "seed": int(self.random_seed_value), "mode": self.mode,
               "rate": self.sample_rate}
        fd = _fdlibm_source()
        fd_expr = "null" if fd is None else \
            f"(function(){{\n{fd}\n;return typeof FDLIBM === 'object' ? FDLIBM : null;}})()"
        status = json.loads(self._eval(f"({_HARNESS})({json.dumps(cfg)}, {fd_expr}, {_BUILTINS})", "setup"))
        self.math_installed = status.get("installed", [])
        E = self._entry
        prepared = self._eval(f"{E}.prepare({_js_str(code)})", "setup")
        chosen = prepared
        self.pow_status = "none"
        if status.get("pow") and "**" in prepared:
            rewritten = self._rewrite_pow(prepared)
            # "unparsed": `**` operators the scanner could not rewrite (native pow used)
            self.pow_status = "none" if count_pow_operators(prepared) == 0 else "unparsed"
            if rewritten is not None:
                # the original must compile (its errors are the song's errors); the
                # rewritten text is used only if it compiles too
                self._check_syntax(prepared)
                self.pow_status = "fallback"
                if self._syntax_ok(rewritten):
                    chosen = rewritten
                    self.pow_rewritten = True
                    self.pow_status = "rewritten"
        res = json.loads(self._eval(f"{E}.compile({_js_str(chosen)})", "compile and test call"))
        self._after_call()
        if not res["ok"]:
            self._raise_compile_error(prepared, res)
        self.test_call_error = res.get("testError")

    def _rewrite_pow(self, code: str) -> str | None:
        plan = plan_pow(code)
        if plan is None:
            return None
        consts = const_operands(code, plan)
        folded = None
        if consts:
            res = self._eval(f"{self._entry}.fold({_js_str(json.dumps(consts))})", "setup")
            folded = json.loads(res) if isinstance(res, str) else None
        return apply_plan(code, plan, self._entry + "_pow", folded)

    def _syntax_ok(self, code: str) -> bool:
        return bool(self._eval(f"{self._entry}.check({_js_str(code)})", "compile"))

    def _check_syntax(self, code: str) -> None:
        if not self._syntax_ok(code):
            res = json.loads(self._eval(f"{self._entry}.compile({_js_str(code)})", "compile"))
            self._raise_compile_error(code, res)

    def _raise_compile_error(self, code: str, res: dict) -> None:
        what = res.get("text") or "cannot compile"
        if res.get("name") == "SyntaxError":
            pos = self._syntax_position(code)
            raise SongSyntaxError(res.get("message") or what, pos or SourcePosition.at(code, 0))
        raise SongRuntimeError(f"song does not compile: {what}")

    def _syntax_position(self, code: str) -> SourcePosition | None:
        """V8's `new Function` errors carry no position: parse the same function text as
        a script (the song failed to compile, so this context is thrown away anyway)."""
        from py_mini_racer import JSEvalException
        if self.mode == "func":
            text, first = f"(function anonymous(\n) {{\n{code}\n}})", 3
        else:
            text, first = f"(function anonymous(t\n) {{\nreturn 0,\n{code or 0};\n}})", 4
        try:
            self._mr.eval(text, timeout_sec=2.0)
        except JSEvalException as e:
            msg = str(e)
            m = _PARSE_LINE.search(msg)
            if not m:
                return None
            line = int(m.group(1)) - first + 1
            lines = msg.split("\n")
            col = 1
            for i, ln in enumerate(lines[:-1]):
                if ln.startswith("<anonymous>:"):
                    if i + 2 < len(lines) and "^" in lines[i + 2]:
                        col = lines[i + 2].index("^") + 1
                    break
            if line < 1:
                return SourcePosition.at(code, 0)
            src_lines = code.split("\n")
            if line > len(src_lines):
                return SourcePosition.at(code, len(code))
            offset = sum(len(x) + 1 for x in src_lines[:line - 1]) + min(col - 1, len(src_lines[line - 1]))
            return SourcePosition.at(code, offset)
        except Exception:
            return None
        return None

    # -- rendering ------------------------------------------------------------------
    def fill(self, t0: int, left: np.ndarray, right: np.ndarray) -> bool:
        n = len(left)
        if len(right) != n:
            raise InvalidRequestError("left and right blocks differ in length")
        if n == 0:
            return False
        if self._dead is not None:
            raise self._dead
        r = self._eval(f"{self._entry}.fill({int(t0)},{n})", f"samples {t0}..{t0 + n - 1}")
        self._after_call()
        if r == -1:
            raise SongRuntimeError("the song's render loop was re-entered")
        if self._buf is None or self._buf_len < 2 * n:
            mv = self._eval(f"{self._entry}.buffer()", "reading samples")
            self._buf = np.frombuffer(mv, dtype=np.float64)
            self._buf_len = len(self._buf)
        buf = self._buf
        left[:] = buf[:n]
        right[:] = buf[n:2 * n]
        return bool(r)

    # -- extras ---------------------------------------------------------------------
    def stats(self) -> dict:
        """Exceptions so far (count, first), random() calls: from the V8 side."""
        return json.loads(self._eval(f"{self._entry}.stats()", "stats"))

    def close(self) -> None:
        self._buf = None
        cm, self._cm, self._mr = getattr(self, "_cm", None), None, None
        if cm is not None:
            def free() -> None:
                try:
                    cm.__exit__(None, None, None)
                except Exception:
                    pass
            if getattr(self, "_stuck", False):
                # V8 still runs the terminated call: free the context when it ends,
                # without making the caller wait
                threading.Thread(target=free, name="engine-v8-free", daemon=True).start()
            else:
                free()
        if self._dead is None:
            self._dead = EngineError("the song's V8 context is closed")

    def __enter__(self) -> "V8SongRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def load_song(code: str, mode: str, sample_rate: float, *, memory_mb: int = DEFAULT_MEMORY_MB,
              random_seed: int = 42, block_timeout: float = DEFAULT_BLOCK_TIMEOUT,
              deadline: float | None = None) -> V8SongRunner:
    """Compile `code` for `mode` ('uint8', 'int8', 'float', 'func') at `sample_rate` Hz in a
    fresh V8 context and run the test call at t = 0 (an exception there is not fatal; it is
    kept in `runner.test_call_error`).

    Raises SongSyntaxError (V8's message and position) when the code does not compile,
    RenderTimeoutError when a V8 call passes `block_timeout` seconds or `deadline`
    (`time.monotonic()` value), SongMemoryError (a SongRuntimeError) past `memory_mb`."""
    if not isinstance(code, str):
        raise InvalidRequestError("expression must be text")
    if mode not in MODES:
        raise InvalidRequestError(f"invalid mode {mode!r}: expected one of {', '.join(MODES)}")
    if not isinstance(memory_mb, int) or not 16 <= memory_mb <= 4096:
        raise InvalidRequestError(f"invalid memory limit {memory_mb!r}: expected 16 to 4096 MB")
    rate = float(sample_rate)
    if not (rate > 0 and rate < float("inf")):
        raise InvalidRequestError(f"invalid sample rate {sample_rate!r}")
    return V8SongRunner(code, mode, rate, memory_mb=memory_mb, random_seed=random_seed,
                        block_timeout=block_timeout, deadline=deadline)
