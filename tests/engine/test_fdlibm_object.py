"""The fdlibm port's object code: built once per machine, loaded without numba."""
from __future__ import annotations

import ctypes
import math

import llvmlite.binding as llvm
import pytest

pytest.importorskip("numba")

from engine.compiled import fdlibm_object  # noqa: E402
from engine.compiled.jit import OPTIMIZED  # noqa: E402


def test_a_missing_object_file_is_built_once_and_loads_in_a_new_jit(tmp_path, monkeypatch):
    monkeypatch.setattr(fdlibm_object, "_candidate_dirs", lambda: [tmp_path])
    (tmp_path / "fdlibm-0123456789abcdef01234567.o").write_bytes(b"from an earlier port")
    assert fdlibm_object.object_path() is None
    path = fdlibm_object.build()
    assert path.parent == tmp_path and fdlibm_object.object_path() == path
    assert [p.name for p in tmp_path.glob("fdlibm-*.o")] == [path.name]      # the stale one is gone
    built = path.stat().st_mtime_ns
    assert fdlibm_object.build() == path and path.stat().st_mtime_ns == built  # not built again

    OPTIMIZED.target_machine()     # LLVM initialised; the new engine owns a target machine of its own
    tm = llvm.Target.from_default_triple().create_target_machine(
        cpu=llvm.get_host_cpu_name(), features=llvm.get_host_cpu_features().flatten(), opt=2, jit=True)
    engine = llvm.create_mcjit_compiler(llvm.parse_assembly(""), tm)
    engine.add_object_file(llvm.ObjectFileRef.from_data(fdlibm_object.object_code(path)))
    engine.finalize_object()
    sin = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double)(engine.get_function_address("bytebeat_fdlibm_sin"))
    pow_ = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double, ctypes.c_double)(
        engine.get_function_address("bytebeat_fdlibm_pow"))
    assert sin(1e300) == -0.8178819121159085          # the huge-argument reduction
    assert sin(1e22) == -0.8522008497671888
    assert pow_(24.0, 0.7890625) == 12.276453775399197  # V8 (glibc: 12.2764537753992)
    assert math.isnan(sin(math.inf))


def test_the_port_digest_follows_its_sources(tmp_path, monkeypatch):
    before = fdlibm_object.port_digest()
    copy = tmp_path / "fdlibm"
    copy.mkdir()
    for p in fdlibm_object.PORT_DIR.glob("*.py"):
        (copy / p.name).write_bytes(p.read_bytes())
    monkeypatch.setattr(fdlibm_object, "PORT_DIR", copy)
    assert fdlibm_object.port_digest() == before
    (copy / "trig.py").write_text((copy / "trig.py").read_text() + "\n# edited\n")
    assert fdlibm_object.port_digest() != before


def test_a_damaged_object_file_is_built_again(tmp_path, monkeypatch):
    whole = fdlibm_object.object_code(fdlibm_object.object_path() or fdlibm_object.build())
    monkeypatch.setattr(fdlibm_object, "_candidate_dirs", lambda: [tmp_path])
    path = tmp_path / f"fdlibm-{fdlibm_object.port_digest()}.o"
    path.write_bytes(b"bytebeat-fdlibm-1\n" + bytes(32) + whole[:-100])   # a crash while copying, a full disk
    assert fdlibm_object._intact(path) is None
    assert fdlibm_object.object_code(path) == whole      # not loaded (it would crash): built again
    assert fdlibm_object._intact(path) == whole
