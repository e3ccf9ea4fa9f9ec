"""Logs: JSON lines with the job's fields, text with key=value, and secrets
masked wherever they appear in a record."""
from __future__ import annotations

import io
import logging

import orjson
import pytest

from listener.logging_setup import SecretMasker, setup_logging
from tests.service.harness import ServiceProcess

TOKEN = "admin-token-0123456789abcdef"


@pytest.fixture
def capture():
    """Route logging to a buffer for one test, then restore the root logger."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    buffer = io.StringIO()
    yield buffer
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def lines(buffer: io.StringIO) -> list[str]:
    return buffer.getvalue().splitlines()


def test_json_lines_carry_the_extra_fields(capture):
    setup_logging("INFO", "json", stream=capture)
    log = logging.getLogger("listener.worker")
    log.info("job %d: %s", 42, "rendered", extra={"job_id": 42, "post_id": 7, "stage": "upload"})
    log.debug("not shown at INFO")
    [line] = lines(capture)
    entry = orjson.loads(line)
    assert entry.pop("ts").endswith("+00:00")
    assert entry == {"level": "INFO", "logger": "listener.worker", "message": "job 42: rendered",
                     "job_id": 42, "post_id": 7, "stage": "upload"}


def test_json_keeps_a_traceback_in_one_line(capture):
    setup_logging("INFO", "json", stream=capture)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("x").exception("failed", extra={"job_id": 1})
    [line] = lines(capture)
    entry = orjson.loads(line)
    assert entry["message"] == "failed" and entry["job_id"] == 1
    assert "RuntimeError: boom" in entry["exception"] and "Traceback" in entry["exception"]


def test_text_appends_the_extra_fields(capture):
    setup_logging("DEBUG", "text", stream=capture)
    logging.getLogger("listener.worker").debug("claimed", extra={"job_id": 3, "stage": "render"})
    [line] = lines(capture)
    assert line.endswith(" DEBUG listener.worker: claimed job_id=3 stage=render")


def test_secrets_are_masked_in_messages_arguments_tracebacks_and_fields(capture):
    setup_logging("INFO", "json", secrets=[TOKEN, "aws-secret-value"], stream=capture)
    log = logging.getLogger("listener.http")
    log.info("token %s accepted", TOKEN)
    log.info(f"signed with aws-secret-value and {TOKEN}")
    log.warning("cannot connect to %s", "postgresql://app:pg-password@db:5432/app?sslmode=require")
    log.info("redis at redis://:only-password@cache:6379/0")
    log.info("stage", extra={"stage": f"upload with {TOKEN}"})
    try:
        raise ConnectionError(f"login failed for https://user:url-password@s3.example.com with {TOKEN}")
    except ConnectionError:
        log.exception("upload failed")
    out = capture.getvalue()
    for secret in (TOKEN, "aws-secret-value", "pg-password", "only-password", "url-password"):
        assert secret not in out
    messages = [orjson.loads(line)["message"] for line in lines(capture)]
    assert messages[:4] == ["token *** accepted", "signed with *** and ***",
                            "cannot connect to postgresql://app:***@db:5432/app?sslmode=require",
                            "redis at redis://:***@cache:6379/0"]
    assert orjson.loads(lines(capture)[4])["stage"] == "upload with ***"
    assert "https://user:***@s3.example.com with ***" in orjson.loads(lines(capture)[5])["exception"]


def test_masking_leaves_ordinary_urls_and_text_alone():
    masker = SecretMasker(["s3cr3t-value"])
    for text in ("http://127.0.0.1:8080/files/posts/1/a.wav", "postgresql://app@db/x", "ratio 3:2 @ 44100 Hz",
                 "mailto:someone@example.com"):
        assert masker.mask(text) == text


async def test_the_service_logs_json_without_its_secrets_and_warns_when_exposed(database, tmp_path):
    service = ServiceProcess(database, tmp_path, "json-logs", LOG_FORMAT="json", ADMIN_TOKEN=TOKEN,
                             HTTP_HOST="0.0.0.0")
    try:
        await service.start()
        assert await service.terminate() == 0
    finally:
        service.close()
    log = service.log()
    entries = [orjson.loads(line) for line in log.splitlines() if line.strip()]
    assert entries, "the service logged nothing"
    assert all({"ts", "level", "logger", "message"} <= set(e) for e in entries)
    assert any("json-logs serving http://0.0.0.0" in e["message"] for e in entries)
    [exposed] = [e for e in entries if e["message"].startswith("HTTP_HOST=0.0.0.0")]
    assert exposed["level"] == "WARNING" and "reachable from other machines" in exposed["message"]
    assert TOKEN not in log
