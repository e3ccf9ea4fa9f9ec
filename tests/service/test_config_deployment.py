"""Deployment files: the systemd unit passes `systemd-analyze verify` and keeps
the service's shutdown grace; the Dockerfile's instructions, entry point and
health check do what the README says (docker itself is not run here)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from listener.config import load_settings
from tests.service.harness import ROOT, ServiceProcess, free_port

UNIT = ROOT / "deploy" / "bytebeat-render.service"
DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "deploy" / "container-start.sh"


def unit_settings(path: Path) -> dict[str, list[str]]:
    """Key -> values of a unit file (keys may repeat)."""
    out: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined."""
    out, current = [], ""
    for line in path.read_text().splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        word, _, rest = current.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
        current = ""
    return out


def seconds(value: str) -> float:
    return float(value.removesuffix("s"))


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_unit_verifies(tmp_path):
    # verify checks that ExecStart's program exists: point it at this interpreter
    text = UNIT.read_text().replace("/opt/bytebeat-render/.venv/bin/python", sys.executable)
    copy = tmp_path / UNIT.name
    copy.write_text(text)
    run = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True)
    assert run.returncode == 0 and run.stderr == "", run.stderr


def test_systemd_unit_runs_as_a_confined_user_and_outlives_the_shutdown_grace():
    unit = unit_settings(UNIT)
    one = {k: v[-1] for k, v in unit.items()}
    assert one["Type"] == "simple" and one["Restart"] == "on-failure"
    assert one["User"] not in ("", "root") and one["EnvironmentFile"].startswith("/etc/")
    assert one["ExecStart"].endswith("-m listener run")
    assert one["KillSignal"] == "SIGTERM"
    assert seconds(one["TimeoutStopSec"]) > load_settings({}).shutdown_grace_seconds
    for key, value in [("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"),
                       ("PrivateTmp", "yes"), ("CapabilityBoundingSet", "")]:
        assert one[key] == value, key
    data_dir = dict(kv.split("=", 1) for kv in one["Environment"].split())["DATA_DIR"]
    assert data_dir in one["ReadWritePaths"].split()
    assert "MemoryDenyWriteExecute" not in unit, "the JIT and V8 need executable memory"


def test_dockerfile_builds_a_non_root_image_that_listens_outside_and_checks_health():
    steps = dockerfile_instructions(DOCKERFILE)
    kinds = [k for k, _ in steps]
    assert steps[0] == ("FROM", "python:3.11-slim")
    env = " ".join(a for k, a in steps if k == "ENV")
    assert "HTTP_HOST=0.0.0.0" in env and "HTTP_PORT=8080" in env
    assert ("EXPOSE", "8080") in steps
    user = [a for k, a in steps if k == "USER"]
    assert user and user[-1] not in ("root", "0") and kinds.index("USER") < kinds.index("CMD")
    assert any(k == "RUN" and "pip install ." in a for k, a in steps)
    assert json.loads(dict(steps)["CMD"]) == ["python", "-m", "listener", "run"]
    assert json.loads(dict(steps)["ENTRYPOINT"]) == ["container-start"]
    for k, a in steps:
        if k == "COPY":
            *sources, _dest = a.split()
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: no such file"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".venv" in ignored and ".git" in ignored


def healthcheck_command() -> list[str]:
    [args] = [a for k, a in dockerfile_instructions(DOCKERFILE) if k == "HEALTHCHECK"]
    return json.loads(args[args.index("CMD") + len("CMD"):].strip())


async def test_the_healthcheck_passes_on_a_healthy_service_and_fails_on_no_service(database, tmp_path):
    command = healthcheck_command()
    assert command[0] == "python"
    command[0] = sys.executable
    service = ServiceProcess(database, tmp_path, "health")
    try:
        await service.start()
        ok = subprocess.run(command, env={**os.environ, "HTTP_PORT": str(service.port)}, capture_output=True)
        assert ok.returncode == 0, ok.stderr
    finally:
        service.close()
    down = subprocess.run(command, env={**os.environ, "HTTP_PORT": str(free_port())}, capture_output=True)
    assert down.returncode != 0


def test_the_container_refuses_to_start_without_database_url():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    run = subprocess.run(["sh", str(ENTRYPOINT), "echo", "started"], env=env, capture_output=True, text=True)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith("cannot start: DATABASE_URL is not set")
    env["DATABASE_URL"] = "postgresql://app:pw@db:5432/app"
    run = subprocess.run(["sh", str(ENTRYPOINT), "echo", "started"], env=env, capture_output=True, text=True)
    assert (run.returncode, run.stdout) == (0, "started\n")
