"""Build the fdlibm port as one object file of machine code that loads without numba.

    python -m engine.fdlibm.object_code OUT.o [OUT.bc]

numba compiles each port function (engine.fdlibm.cfuncs); this takes the LLVM IR numba
generated, keeps each function's body (not numba's C wrapper, which needs the Python
runtime to report errors), adds plain entry points

    double bytebeat_fdlibm_<name>(double)         (atan2 and pow take two doubles)

links the 21 into one module where everything else is internal, optimizes it with LLVM's
O2 pipeline for the JIT's target machine and writes the object file (and the module's
bitcode). The result calls no numba or Python function, so a render process loads it in
about a millisecond (engine.compiled.fdlibm_object) instead of importing numba and loading
21 functions from numba's cache (about half a second).

numba shows the IR only of what it compiled in this process, not of what it loaded from
its disk cache: run this with NUMBA_CACHE_DIR set to an empty directory (the loader does).
"""
from __future__ import annotations

import re
import sys

import llvmlite.binding as llvm

from engine.compiled.vector_math import FDLIBM_SYMBOL_PREFIX as ENTRY_PREFIX
_CFUNC_WRAPPER = re.compile(r'^define [^\n]*@"?cfunc\.[^\n]*\{\n.*?^\}\n', re.M | re.S)
# what numba links into every module to count references; it folds away with the arrays
# on the stack (engine.fdlibm._bits._stack_array), so nothing may call it after O2
_RUNTIME = re.compile(r"^(NRT_|numba_|Py)")


class PortBuildError(RuntimeError):
    """The port's object code cannot be built (the render engine falls back to numba's cfuncs)."""


def _function_ir(name: str) -> tuple[str, str]:
    """(IR text of numba's module for Math.<name> without its C wrapper, the body's symbol)."""
    from engine.fdlibm.cfuncs import cfunc  # noqa: PLC0415 - imports numba

    text = cfunc(name)._library.get_llvm_str()
    inner = re.search(r'^define [^\n]*@"?(_ZN6engine6fdlibm6cfuncs\d+c_' + name + r'\w*?)"?\(', text, re.M)
    if inner is None:
        raise PortBuildError(f"numba's IR for {name} has no body function (was it loaded from numba's cache?)")
    return _CFUNC_WRAPPER.sub("", text), inner.group(1)


def _entry_ir(name: str, inner: str, arity: int) -> str:
    params = ", ".join(f"double %a{i}" for i in range(arity))
    return (f"define double @{ENTRY_PREFIX}{name}({params}) {{\n"
            f"  %ret = alloca double\n  %exc = alloca ptr\n"
            f"  %status = call i32 @\"{inner}\"(ptr %ret, ptr %exc, {params})\n"
            f"  %v = load double, ptr %ret\n  ret double %v\n}}\n")


def port_module(target_machine) -> llvm.ModuleRef:
    """The 21 functions in one optimized module; only the entry points are external."""
    from engine.fdlibm.cfuncs import BINARY_WRAPPERS, WRAPPERS  # noqa: PLC0415

    context = llvm.get_global_context()
    merged = None
    for name in WRAPPERS:
        text, inner = _function_ir(name)
        module = llvm.parse_assembly(text + _entry_ir(name, inner, 2 if name in BINARY_WRAPPERS else 1), context)
        for fn in module.functions:     # shared callees (scalbn, the sin/cos kernels) merge
            if not fn.is_declaration and not fn.name.startswith(ENTRY_PREFIX):
                fn.linkage = "linkonce_odr"
        for gv in module.global_variables:
            if not gv.is_declaration and gv.linkage.name not in ("internal", "private"):
                gv.linkage = "linkonce_odr"
        if merged is None:
            merged = module
        else:
            merged.link_in(module)
    merged.name = "bytebeat_fdlibm"
    for fn in merged.functions:
        if not fn.is_declaration and not fn.name.startswith(ENTRY_PREFIX):
            fn.linkage = "internal"
    for gv in merged.global_variables:
        if not gv.is_declaration:
            gv.linkage = "internal"
    merged.triple = llvm.get_process_triple()
    merged.data_layout = str(target_machine.target_data)
    merged.verify()
    pto = llvm.create_pipeline_tuning_options(speed_level=2)
    pb = llvm.create_pass_builder(target_machine, pto)
    pb.getModulePassManager().run(merged, pb)
    called = _called_runtime(str(merged))
    if called:
        raise PortBuildError("the port's machine code would call numba's runtime: " + ", ".join(sorted(called)))
    return merged


def _called_runtime(ir_text: str) -> set[str]:
    """numba/Python runtime functions the optimized module still references outside declarations."""
    names = set()
    for line in ir_text.splitlines():
        if line.startswith("declare"):
            continue
        for symbol in re.findall(r'@"?([\w.$]+)"?', line):
            if _RUNTIME.match(symbol):
                names.add(symbol)
    return names


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    from engine.compiled.jit import OPTIMIZED  # noqa: PLC0415 - the loader's target machine

    tm = OPTIMIZED.target_machine()
    module = port_module(tm)
    with open(argv[0], "wb") as f:
        f.write(tm.emit_object(module))
    if len(argv) == 2:
        with open(argv[1], "wb") as f:
            f.write(module.as_bitcode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
