import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=REPO, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_render(tmp_path):
    out = tmp_path / "x.wav"
    p = run("render", "t*(t>>5|t>>8)", "--mode", "uint8", "--rate", "8000", "--seconds", "2", "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert out.stat().st_size == 44 + 16000
    assert "compiled" in p.stdout and p.stdout.count("\n") == 1


def test_render_stdin_and_fades(tmp_path):
    out = tmp_path / "y.wav"
    p = run("render", "--stdin", "--mode", "float", "--seconds", "1", "--fade-in", "0.5", "-o", str(out),
            stdin="sin(t/10)" if False else "t%256/128-1")
    assert p.returncode == 0, p.stderr
    assert out.exists()


def test_render_bad_input_fails_with_message(tmp_path):
    p = run("render", "t)", "-o", str(tmp_path / "z.wav"), "--tier", "compiled")
    assert p.returncode != 0 and "syntax error at 1:2" in p.stderr
    p = run("render", "t", "-o", str(tmp_path / "z.wav"), "--seconds", "-1")
    assert p.returncode != 0 and "invalid seconds" in p.stderr


def test_check_exit_codes():
    p = run("check", "t*(t>>5|t>>8)")
    assert (p.returncode, p.stdout.splitlines()) == (0, ["compiled", "tier: compiled"])
    p = run("check", "t+/a/.source.length")
    lines = p.stdout.splitlines()
    assert p.returncode == 1 and lines[0].startswith("not compiled: regular expression literal at 1:3")
    assert lines[1] == "tier: v8"
    p = run("check", "t*(")
    assert p.returncode == 2 and p.stdout.splitlines()[0] == "syntax error at 1:4: unexpected end of input"
    p = run("check", "--stdin", stdin="t>>4")
    assert p.returncode == 0


def test_prepare_leaves_the_engines_machine_code_on_disk(tmp_path):
    """After `python -m engine prepare` (make runs it after installing), a new process
    loads the fdlibm port, its vector variants and the sample mappings from disk."""
    import os
    env = dict(os.environ, ENGINE_CACHE_DIR=str(tmp_path))
    p = subprocess.run([sys.executable, "-m", "engine", "prepare"], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr
    assert "engine machine code ready" in p.stdout
    probe = ("from engine.compiled import warm_up; from engine.compiled.jit import object_cache_hits, OPTIMIZED;"
             "from engine.compiled.analysis import fdlibm_names; warm_up();"
             "print(object_cache_hits(), len(OPTIMIZED.vector_variants_loaded), len(fdlibm_names()))")
    p = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    hits, loaded, functions = map(int, p.stdout.split())
    # the variants of every Math function and of `%`, and the 3 mappings
    assert loaded == functions + 1 and hits >= functions + 1 + 3
