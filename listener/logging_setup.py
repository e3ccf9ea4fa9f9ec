"""Logging: level, text or JSON lines, and secrets masked in every record.

The service's logs go to files and log collectors that many people can read,
so a secret must never reach them: `SecretMasker` rewrites each record (its
message, arguments, traceback) before any handler formats it, replacing the
configured secret values and the password of any URL with `***`.

Structured fields: pass them as `extra`, e.g.
    log.info("job %d done", job.id, extra={"job_id": job.id, "post_id": post.id, "stage": "upload"})
With LOG_FORMAT=json each record is one JSON object per line (ts, level, logger,
message, and every `extra` field as a key); with LOG_FORMAT=text the extra
fields are appended as `key=value`.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import sys
from typing import Iterable, TextIO

import orjson

MASK = "***"
# scheme://user:password@host -> scheme://user:***@host (any scheme: postgres, redis, http...)
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@]*:)(?P<password>[^\s@/]+)@")
# The attributes every LogRecord has; anything else on a record came from `extra`.
_STANDARD = set(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))) | {
    "message", "asctime", "taskName"}


class SecretMasker(logging.Filter):
    """Replaces secret values and URL passwords in a record before it is formatted."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        # longest first, so a secret containing another is masked whole
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return _URL_PASSWORD.sub(lambda m: m["head"] + MASK + "@", text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.mask(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        for key in extra_fields(record):
            value = getattr(record, key)
            if isinstance(value, str):
                setattr(record, key, self.mask(value))
        return True


def extra_fields(record: logging.LogRecord) -> dict[str, object]:
    """The fields given to the log call as `extra`."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC, ISO 8601), level, logger, message, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in extra_fields(record).items():
            entry.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message key=value ...` for people reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = extra_fields(record)
        if not extras:
            return line
        first, newline, rest = line.partition("\n")
        fields = " ".join(f"{k}={v}" for k, v in extras.items())
        return f"{first} {fields}{newline}{rest}"


def setup_logging(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = (),
                  stream: TextIO | None = None) -> logging.Handler:
    """Route the root logger to one stream handler (stderr by default) with
    masking; replaces handlers set up before, so calling it again reconfigures."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(SecretMasker(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
