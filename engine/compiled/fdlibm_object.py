"""The fdlibm port's machine code for compiled songs, loaded without numba.

Kernels call V8's Math functions as `bytebeat_fdlibm_<name>`. Their machine code is one
object file that engine.fdlibm.object_code builds from the port (numba compiles it, about
12 s) once per machine and port version; every later process loads it into the JIT in
about 2 ms, and never imports numba to render. (Before, each process imported numba and
loaded the functions from numba's cache: about half a second of a fresh process's first
audio.)

The file lives beside numba's cache of the port (engine/fdlibm/__pycache__), or in the
kernel cache's directory (engine.compiled.objcache) when the package is read-only. Its
name is a digest of the port's sources, numba's installation, llvmlite's version and the CPU, so
an edit of the port or an upgrade builds it again. A lock file makes concurrent processes
(a pool starting) build it once. If the build fails, the engine falls back to numba's
C wrappers of the same functions (engine.fdlibm.cfunc_address), which compute the same
bits, and logs why.
"""
from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import logging
import os
import sys
import tempfile
import threading
from pathlib import Path

import llvmlite
import llvmlite.binding as llvm

from engine.compiled.vector_math import FDLIBM_SYMBOL_PREFIX as ENTRY_PREFIX
from engine.compiled.objcache import default_dir, machine_id, read_checked, write_checked

log = logging.getLogger(__name__)
PORT_DIR = Path(__file__).resolve().parents[1] / "fdlibm"
BUILD_TIMEOUT_S = 600
_MAGIC = b"bytebeat-fdlibm-1\n"

_lock = threading.Lock()
_addresses: dict[str, int] | None = None
_failed: str | None = None


def port_digest() -> str:
    """Digest of everything the object code is made from: the port's sources, numba's
    installation (its package file's path and times: importlib.metadata alone takes 11 ms
    to import), llvmlite's version and the CPU."""
    h = hashlib.sha256()
    spec = importlib.util.find_spec("numba")
    numba_file = os.stat(spec.origin) if spec and spec.origin else None
    numba_id = f"{spec.origin} {numba_file.st_mtime_ns} {numba_file.st_size}" if numba_file else "no numba"
    for part in (numba_id, llvmlite.__version__, machine_id()):
        h.update(part.encode() + b"\n")
    for path in sorted(PORT_DIR.glob("*.py")):
        h.update(path.name.encode() + b"\n" + path.read_bytes())
    return h.hexdigest()[:24]


def _candidate_dirs() -> list[Path]:
    return [PORT_DIR / "__pycache__", default_dir()]


def object_path() -> Path | None:
    """The port's object file for this machine, if one was built."""
    name = f"fdlibm-{port_digest()}.o"
    for d in _candidate_dirs():
        if (d / name).is_file():
            return d / name
    return None


def build() -> Path:
    """Build the object file (engine.fdlibm.object_code, in a process of its own with an
    empty numba cache) unless another process did; returns its path."""
    name = f"fdlibm-{port_digest()}.o"
    errors = []
    for d in _candidate_dirs():
        try:
            d.mkdir(parents=True, exist_ok=True)
            with open(d / f"{name}.lock", "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)     # one builder; the others wait and load its file
                if (d / name).is_file():
                    return d / name
                _run_builder(d / name)
                return d / name
        except OSError as e:
            errors.append(f"{d}: {e}")
    raise RuntimeError("no writable directory for the fdlibm object code: " + "; ".join(errors))


def _run_builder(path: Path) -> None:
    import subprocess  # noqa: PLC0415 - rarely needed; 3 ms of a fresh process's import time
    with tempfile.TemporaryDirectory(prefix="fdlibm-build-") as tmp:
        out = Path(tmp) / path.name
        env = dict(os.environ, NUMBA_CACHE_DIR=tmp,
                   PYTHONPATH=os.pathsep.join(filter(None, [str(PORT_DIR.parents[1]), os.environ.get("PYTHONPATH")])))
        p = subprocess.run([sys.executable, "-m", "engine.fdlibm.object_code", str(out)], env=env,
                           capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
        if p.returncode != 0:
            tail = (p.stderr.strip().splitlines() or [f"exit {p.returncode}"])[-1]
            raise RuntimeError(f"building the fdlibm object code failed: {tail}")
        write_checked(path, _MAGIC, out.read_bytes())
    for stale in path.parent.glob("fdlibm-*.o"):        # built from an earlier port or numba
        if stale != path:
            stale.unlink(missing_ok=True)


def addresses() -> dict[str, int] | None:
    """{Math name: address} of the 21 functions in this process (loaded once, built if
    needed); None when the object code cannot be had here (see the fallback above)."""
    global _addresses, _failed
    with _lock:
        if _addresses is None and _failed is None:
            try:
                _addresses = _load(object_path() or build())
            except Exception as e:  # noqa: BLE001 - numba's cfuncs compute the same bits
                _failed = str(e)
                log.warning("fdlibm object code unavailable, using numba's cfuncs: %s", e)
        return _addresses


def _intact(path: Path) -> bytes | None:
    """The object code in `path` if the file is whole."""
    return read_checked(path.read_bytes(), _MAGIC)


def object_code(path: Path) -> bytes:
    """The object code in `path`, built again if the file is damaged."""
    code = _intact(path)
    if code is None:
        log.warning("%s is damaged; building it again", path)
        path.unlink(missing_ok=True)
        path = build()
        code = _intact(path)
        if code is None:
            raise RuntimeError(f"{path} is damaged right after its build")
    return code


def _load(path: Path) -> dict[str, int]:
    from engine.compiled.analysis import FDLIBM_FUNCTIONS  # noqa: PLC0415
    from engine.compiled.jit import OPTIMIZED  # noqa: PLC0415

    obj = llvm.ObjectFileRef.from_data(object_code(path))
    with OPTIMIZED.lock:
        OPTIMIZED.target_machine()
        OPTIMIZED.engine.add_object_file(obj)
        OPTIMIZED.engine.finalize_object()
        found = {name: OPTIMIZED.engine.get_function_address(ENTRY_PREFIX + name) for name in FDLIBM_FUNCTIONS}
    missing = sorted(name for name, address in found.items() if not address)
    if missing:
        raise RuntimeError(f"{path} lacks " + ", ".join(missing))
    return found
