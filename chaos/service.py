"""The real service as a subprocess (`python -m listener run`), for end-to-end tests and `make chaos`."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import asyncpg

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServiceProcess:
    started: list["ServiceProcess"] = []  # every instance started, for failure reports (tests)

    def __init__(self, database_url: str, workdir: Path, worker_id: str, **env: str):
        self.port = free_port()
        self.worker_id = worker_id
        self.workdir = workdir
        self.storage_dir = workdir / "storage"
        self.log_path = workdir / f"{worker_id}.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DATA_DIR": str(workdir / f"data-{worker_id}"),
            "STORAGE_DIR": str(self.storage_dir),
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(self.port),
            "WORKER_ID": worker_id,
            "RENDER_PROCESSES": "1",
            "FADE_OUT_SECONDS": "0",
            "LOG_LEVEL": "INFO",
            **env,
        }
        self.proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, timeout: float = 60.0) -> "ServiceProcess":
        self._log = open(self.log_path, "ab")
        ServiceProcess.started.append(self)
        self.proc = subprocess.Popen([sys.executable, "-m", "listener", "run"], cwd=ROOT,
                                     env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"service exited with {self.proc.returncode}:\n{self.log()}")
                try:
                    async with http.get(self.base_url + "/health") as r:
                        if r.status == 200:
                            return self
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise TimeoutError(f"service did not become healthy:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the service and its render processes, like a lost machine."""
        if self.proc and self.proc.poll() is None:
            children = _children(self.proc.pid)
            self.proc.kill()
            self.proc.wait()
            for pid in children:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    async def terminate(self, timeout: float = 60.0) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self.proc.poll() is None:
            self.kill()
            raise TimeoutError("service did not stop on SIGTERM")
        return self.proc.returncode

    def close(self) -> None:
        self.kill()
        if hasattr(self, "_log"):
            self._log.close()


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return []
    return [int(p) for p in out.split()]


async def wait_for(predicate, timeout: float = 30.0, interval: float = 0.02):
    """Await `predicate()` (async) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


async def post_state(db: asyncpg.Connection, post_id: int):
    return await db.fetchrow("SELECT * FROM posts WHERE id = $1", post_id)
