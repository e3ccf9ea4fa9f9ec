"""The real parts a fault run needs, started on this machine: an embedded
PostgreSQL that can be restarted, and an S3 server (moto's server mode)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """pgserver in its own folder; `restart()` is a fast shutdown and a new start."""

    def __init__(self, folder: Path):
        warnings.filterwarnings("ignore", module="platformdirs")
        import pgserver

        self.server = pgserver.get_server(folder, cleanup_mode="stop")

    @property
    def url(self) -> str:
        return self.server.get_uri()

    def database_url(self, name: str) -> str:
        return urlunsplit(urlsplit(self.url)._replace(path="/" + name))

    def restart(self) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "restart"], pgdata=self.server.pgdata, user=self.server.system_user)

    def stop(self) -> None:
        self.server.cleanup()


class S3Server:
    """moto's S3 server in a subprocess (no IAM checks: the fault run is about
    the queue, the signature checks have their own tests)."""

    def __init__(self, log_path: Path):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=self._log, stderr=subprocess.STDOUT, env=os.environ.copy())
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=1).read()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the S3 server (moto) did not start")
                time.sleep(0.1)

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="chaos", aws_secret_access_key="chaos-secret")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()
