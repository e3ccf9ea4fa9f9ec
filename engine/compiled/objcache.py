"""Machine code of compiled kernels kept on disk, so a restarted process does not pay
LLVM's optimizer and code generator again for a formula it has seen.

MCJIT asks the cache for each module it is about to compile (`get`) and hands it the
object file it compiled (`put`). A module is named by the digest of its IR text; the
directory is per llvmlite version and CPU (the code is compiled for this CPU's features).
Object files keep their relocations: the fdlibm port's functions are referenced by symbol
and resolved against this process's addresses when the object is loaded.

Directory: $ENGINE_CACHE_DIR, else $NUMBA_CACHE_DIR/bytebeat-kernels, else
$XDG_CACHE_HOME (~/.cache)/bytebeat-render/kernels. A cache that cannot be written is
skipped silently (rendering only gets slower); a damaged file fails its checksum and is
compiled again.

The engine's own modules (the sample mappings, the same for every song) are kept apart,
beside the package's bytecode (engine/compiled/__pycache__/objects-<machine>), so a new
or cleared kernel cache does not make every process compile them again; a read-only
package keeps them in the kernel directory.

Size: at most $ENGINE_CACHE_MAX_MB (default 256) MiB. A hit refreshes the file's mtime;
when a write takes the directory past the limit, the least recently used files are
deleted down to three quarters of it. Writes are rare (one per new formula and
optimisation level), so the directory is scanned then rather than tracked: several
processes share it.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import llvmlite
import llvmlite.binding as llvm

_MAGIC = b"bytebeat-kernel-1\n"
_DIGEST = 32
DEFAULT_MAX_MB = 256


def write_checked(path: Path, magic: bytes, obj: bytes) -> None:
    """Write `magic`, the digest of `obj` and `obj` to `path` atomically (a reader sees the
    old file or the whole new one)."""
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(magic + hashlib.sha256(obj).digest() + obj)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def read_checked(data: bytes, magic: bytes) -> bytes | None:
    """The object in what write_checked wrote, or None if it is not whole (machine code
    from a damaged file would crash the loader, not raise)."""
    digest, obj = data[len(magic):len(magic) + _DIGEST], data[len(magic) + _DIGEST:]
    return obj if data.startswith(magic) and hashlib.sha256(obj).digest() == digest else None


def default_max_bytes() -> int:
    """$ENGINE_CACHE_MAX_MB in bytes; an unreadable value falls back to the default."""
    try:
        mb = float(os.environ.get("ENGINE_CACHE_MAX_MB") or DEFAULT_MAX_MB)
    except ValueError:
        mb = DEFAULT_MAX_MB
    return int(max(mb, 1.0) * 1024 * 1024)


def module_key(ir_text: str, optimize: bool, engine_part: bool = False) -> str:
    """The cache name of a module: its IR and whether LLVM's IR optimizer runs on it.
    Songs' kernels are named k..., the engine's own modules (the sample mappings) e..."""
    return ("e" if engine_part else "k") + hashlib.sha256(f"{int(optimize)}\n{ir_text}".encode()).hexdigest()[:32]


def default_dir() -> Path:
    if os.environ.get("ENGINE_CACHE_DIR"):
        base = Path(os.environ["ENGINE_CACHE_DIR"])
    elif os.environ.get("NUMBA_CACHE_DIR"):
        base = Path(os.environ["NUMBA_CACHE_DIR"]) / "bytebeat-kernels"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "bytebeat-render" / "kernels"
    return base / machine_id()


def engine_dir() -> Path:
    """Where the engine's own modules are kept: beside the package's bytecode, like numba's
    cache of the fdlibm port, so a new kernel cache directory does not drop them."""
    return Path(__file__).resolve().parent / "__pycache__" / f"objects-{machine_id()}"


def machine_id() -> str:
    """What machine code compiled here depends on: llvmlite's LLVM and this CPU's features."""
    return hashlib.sha256(f"{llvmlite.__version__} {llvm.get_process_triple()} {llvm.get_host_cpu_name()} "
                          f"{llvm.get_host_cpu_features().flatten()}".encode()).hexdigest()[:16]


class ObjectCache:
    """get/put of object files by module name (callbacks of ExecutionEngine.set_object_cache)."""

    def __init__(self, directory: Path | None = None, max_bytes: int | None = None,
                 engine_directory: Path | None = None):
        self.directory = directory or default_dir()
        self.engine_directory = engine_directory or engine_dir()
        self.max_bytes = max_bytes if max_bytes is not None else default_max_bytes()
        self.hits = 0
        self.evicted = 0
        self.pinned: dict[str, bytes] = {}    # loaded ahead for the next get of that module

    def _paths(self, name: str) -> list[Path]:
        """Where module `name` may be kept, in order of preference."""
        if not name[1:].isalnum():
            return []
        if name.startswith("k"):
            return [self.directory / f"{name}.o"]
        if name.startswith("e"):     # a read-only package keeps them with the kernels
            return [self.engine_directory / f"{name}.o", self.directory / f"{name}.o"]
        return []

    def _path(self, name: str) -> Path | None:
        paths = self._paths(name)
        return paths[0] if paths else None

    def load(self, key: str) -> bytes | None:
        """The object file of module `key`, if cached and intact."""
        for path in self._paths(key):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            obj = read_checked(data, _MAGIC)
            if obj is None:
                return None
            try:
                os.utime(path)  # recently used: the last to be evicted
            except OSError:
                pass
            return obj
        return None

    def get(self, module) -> bytes | None:
        obj = self.pinned.pop(module.name, None) or self.load(module.name)
        if obj is not None:
            self.hits += 1
        return obj

    def put(self, module, obj: bytes) -> None:
        for path in self._paths(module.name):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                write_checked(path, _MAGIC, obj)
                if path.parent == self.directory:
                    self._trim()
                return
            except OSError:
                continue

    def _trim(self) -> None:
        """Delete the least recently used object files while the directory is over its limit."""
        files = []
        for entry in os.scandir(self.directory):
            if entry.name.endswith(".o"):
                try:
                    st = entry.stat()
                except OSError:
                    continue  # another process removed it
                files.append((st.st_mtime, st.st_size, entry.path))
        total = sum(size for _, size, _ in files)
        if total <= self.max_bytes:
            return
        for _, size, path in sorted(files):
            if total <= self.max_bytes * 3 // 4:
                break
            try:
                os.unlink(path)
                self.evicted += 1
            except FileNotFoundError:
                pass
            total -= size
