"""A real headless Chromium driven over the Chrome DevTools Protocol, for the
dashboard's tests.

No playwright or selenium: they download their browsers from outside the
package registries. Debian's `chromium` package and aiohttp's websocket client
are enough: start the browser with `--remote-debugging-port=0`, read the port
it chose from the DevToolsActivePort file, open a page target and send it
protocol commands as JSON messages.
"""
from __future__ import annotations

import asyncio
import fcntl
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import aiohttp

INSTALL_LOCK = Path(tempfile.gettempdir()) / "bytebeat-render-chromium-install.lock"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def ensure_chromium() -> tuple[str | None, str]:
    """The browser's path, installing Debian's `chromium` when missing and we are
    root (under a file lock, so parallel test runs install it once); else None
    and the reason."""
    path = find_chromium()
    if path:
        return path, ""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None, "chromium is not installed and cannot be installed here (needs root and apt-get)"
    with open(INSTALL_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = find_chromium()  # another run may have installed it while we waited
        if path:
            return path, ""
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                             capture_output=True, text=True, env=env)
        if run.returncode != 0:
            subprocess.run(["apt-get", "update"], capture_output=True, env=env)
            run = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                                 capture_output=True, text=True, env=env)
        path = find_chromium()
        if not path:
            return None, f"`apt-get install -y chromium` failed: {run.stderr.strip()[-500:]}"
        return path, ""


class CdpError(Exception):
    """A DevTools Protocol command answered with an error, or JavaScript threw."""


class Browser:
    """One headless Chromium process with a throwaway profile."""

    def __init__(self, executable: str, profile_dir: Path):
        self.executable, self.profile_dir = executable, profile_dir
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.http: aiohttp.ClientSession | None = None

    async def start(self, timeout: float = 30.0) -> "Browser":
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [self.executable, "--headless=new", "--no-sandbox", "--remote-debugging-port=0",
             f"--user-data-dir={self.profile_dir}", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--disable-dev-shm-usage", "--mute-audio",
             "--autoplay-policy=no-user-gesture-required", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=open(self.profile_dir / "chromium.log", "wb"))
        port_file = self.profile_dir / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.proc.returncode}: "
                                   + (self.profile_dir / "chromium.log").read_text(errors="replace")[-2000:])
            if time.monotonic() > deadline:
                raise TimeoutError("chromium wrote no DevToolsActivePort")
            await asyncio.sleep(0.05)
        self.port = int(port_file.read_text().splitlines()[0])
        self.http = aiohttp.ClientSession()
        return self

    async def new_page(self) -> "Page":
        assert self.http is not None
        async with self.http.put(f"http://127.0.0.1:{self.port}/json/new?about:blank") as r:
            target = await r.json()
        page = Page(self.http, target["webSocketDebuggerUrl"])
        await page.connect()
        return page

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                await asyncio.to_thread(self.proc.wait, 10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Page:
    """One tab: commands, Runtime.evaluate, and the dialogs and console errors it raised."""

    def __init__(self, http: aiohttp.ClientSession, ws_url: str):
        self.http, self.ws_url = http, ws_url
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future] = {}
        self._reader: asyncio.Task | None = None
        self.dialogs: list[str] = []       # alert/confirm/prompt messages the page opened
        self.exceptions: list[str] = []    # uncaught JavaScript exceptions
        self.prompt_answer = ""            # what window.prompt() answers
        self._dialog_answers: set[asyncio.Task] = set()

    async def connect(self) -> None:
        self.ws = await self.http.ws_connect(self.ws_url, max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        await self.send("Page.enable")
        await self.send("Runtime.enable")

    async def _read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if "id" in data:
                future = self._pending.pop(data["id"], None)
                if future and not future.done():
                    future.set_result(data)
            elif data.get("method") == "Page.javascriptDialogOpening":
                params = data["params"]
                self.dialogs.append(f'{params["type"]}: {params["message"]}')
                task = asyncio.create_task(self.send("Page.handleJavaScriptDialog", accept=True,
                                                     promptText=self.prompt_answer))
                self._dialog_answers.add(task)
                task.add_done_callback(self._dialog_answers.discard)
            elif data.get("method") == "Runtime.exceptionThrown":
                details = data["params"]["exceptionDetails"]
                self.exceptions.append(details.get("exception", {}).get("description") or details["text"])
        for future in self._pending.values():
            if not future.done():
                future.set_exception(CdpError("the browser closed the connection"))

    async def send(self, method: str, **params) -> dict:
        assert self.ws is not None
        msg_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = future
        await self.ws.send_str(json.dumps({"id": msg_id, "method": method, "params": params}))
        answer = await asyncio.wait_for(future, 30)
        if "error" in answer:
            raise CdpError(f"{method}: {answer['error']}")
        return answer["result"]

    async def goto(self, url: str) -> None:
        await self.send("Page.navigate", url=url)
        await self.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'")

    async def evaluate(self, expression: str):
        """The value of a JavaScript expression (promises awaited)."""
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                                 awaitPromise=True, userGesture=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise CdpError(details.get("exception", {}).get("description") or details["text"])
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 30.0, interval: float = 0.05):
        """Poll an expression until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = await self.evaluate(expression)
            if last:
                return last
            await asyncio.sleep(interval)
        raise TimeoutError(f"not true within {timeout} s: {expression} (last value: {last!r})")

    async def close(self) -> None:
        await asyncio.gather(*self._dialog_answers, return_exceptions=True)
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            try:
                await asyncio.wait_for(self._reader, 10)
            except asyncio.TimeoutError:
                pass  # wait_for cancelled the reader
