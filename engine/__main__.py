"""Command line: `python -m engine render ...`, `python -m engine check ...` and
`python -m engine prepare`."""
from __future__ import annotations

import argparse
import sys

from engine import BytebeatRequest, check, render_to_file
from engine.errors import EngineError
from engine.request import MODES


def _code(args) -> str:
    if args.stdin:
        return sys.stdin.read()
    if args.code is None:
        raise SystemExit("error: give CODE or --stdin")
    return args.code


def _prepare() -> int:
    """The fdlibm port's object code (about 12 s with numba, once per machine and port
    version), the sample mappings and the Math functions' vector variants: kept on disk,
    so the first song rendered after an install does not wait for them."""
    import time  # noqa: PLC0415
    from engine.compiled import fdlibm_object, warm_up  # noqa: PLC0415
    started = time.monotonic()
    warm_up()
    if fdlibm_object.addresses() is None:
        print("prepare: the fdlibm object code could not be built here; songs use numba's "
              "functions instead (the same bits, slower to load)", file=sys.stderr)
    print(f"prepare: engine machine code ready in {time.monotonic() - started:.1f} s")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m engine", description="Bytebeat engine")
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render", help="render a song to a WAV file")
    r.add_argument("code", nargs="?")
    r.add_argument("--stdin", action="store_true", help="read the code from standard input")
    r.add_argument("--mode", default="uint8", choices=MODES)
    r.add_argument("--rate", type=int, default=8000)
    r.add_argument("--seconds", type=float, default=10.0)
    r.add_argument("-o", "--output", required=True)
    r.add_argument("--tier", default="auto", choices=("auto", "compiled", "v8"))
    r.add_argument("--fade-in", type=float, default=0.0)
    r.add_argument("--fade-out", type=float, default=0.0)
    c = sub.add_parser("check", help="does the compiled tier take the song, and which tier will render it?")
    c.add_argument("code", nargs="?")
    c.add_argument("--stdin", action="store_true")
    c.add_argument("--mode", default="uint8", choices=MODES)
    sub.add_parser("prepare", help="build the machine code every process would otherwise build on first use "
                                   "(make runs it after installing)")
    args = ap.parse_args(argv)

    if args.command == "prepare":
        return _prepare()
    if args.command == "check":
        try:
            result = check(_code(args), args.mode)
        except EngineError as e:
            print(e.message, file=sys.stderr)
            return 2
        if result.compiled:
            print("compiled")
            print("tier: compiled")
            return 0
        print(result.message)
        # What the service's `auto` does with it: the V8 tier runs every other song.
        print("tier: v8" if result.status != "syntax error" else "tier: v8 (which will report its own syntax error)")
        return 2 if result.status == "syntax error" else 1

    try:
        request = BytebeatRequest(_code(args), args.mode, args.rate, args.seconds, args.fade_in, args.fade_out)
        info = render_to_file(request, args.output, tier=args.tier)
    except EngineError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 1
    print(f"{info.path}: {info.tier}, {info.mode}, {info.channels} ch, {info.sample_rate} Hz, "
          f"{info.samples} samples ({info.seconds:g} s), {info.bytes} bytes, sha256 {info.sha256}, "
          f"{info.render_s:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
