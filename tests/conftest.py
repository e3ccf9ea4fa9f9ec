"""Shared fixtures: a real PostgreSQL (embedded via pgserver unless
TEST_DATABASE_URL is given) with a fresh, migrated database per test."""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from listener.db.migrate import migrate

ROOT = Path(__file__).resolve().parent.parent


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def server_url():
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    warnings.filterwarnings("ignore", module="platformdirs")
    import pgserver

    pgdata = Path(tempfile.mkdtemp(prefix="bb-test-pg-"))
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(pgdata, ignore_errors=True)


@pytest.fixture
async def database(server_url):
    """A fresh, migrated database; yields its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = with_database(server_url, name)
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    yield url
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def db(database):
    conn = await asyncpg.connect(database)
    yield conn
    await conn.close()


@pytest.fixture(autouse=True)
def _services_of_this_test():
    """Forget the services of earlier tests, so a failure report shows this test's."""
    from chaos.service import ServiceProcess  # noqa: PLC0415
    ServiceProcess.started.clear()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed end-to-end test carries the tail of each service's log: a flaky
    failure on CI is diagnosed from the report, not re-run and hoped for."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed or call.when == "teardown":
        return
    from chaos.service import ServiceProcess  # noqa: PLC0415
    for svc in ServiceProcess.started:
        lines = svc.log().splitlines()[-80:]
        if lines:
            report.sections.append((f"service {svc.worker_id} log (last {len(lines)} lines)",
                                    "\n".join(lines)))

