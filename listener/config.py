"""Service configuration: read from the environment once at start, validated, frozen.

Every setting has a default and an allowed range, choice or shape; a bad value
stops the service with one line naming the variable, the value and what is
allowed (secrets are described, never echoed). Variables come from the
environment, then from `.env` in the working directory for those not set.
Nothing below `listener.service` reads the environment: the `Settings` object
is passed down.
"""
from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from listener.dotenv import DotenvError, load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A setting has a value outside what is allowed."""


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    data_dir: Path = PROJECT_ROOT / ".data"
    worker_id: str = ""
    render_duration: int = 120
    render_timeout_ms: int = 120_000
    mix_timeout_ms: int = 900_000
    render_nice: int = 10
    engine_cache_max_mb: int = 256  # read by the engine from the environment; checked here
    mix_url_hosts: tuple[str, ...] = ()
    mix_url_private: bool = False
    render_memory_mb: int = 256
    fade_in_seconds: float = 0.0
    fade_out_seconds: float = 0.5
    max_concurrent_jobs: int = 2
    render_processes: int = 0  # 0: one per core
    max_retries: int = 3
    retry_delay_ms: int = 1000
    job_lease_seconds: float = 30.0
    safety_sweep_seconds: float = 60.0
    listen_mode: str = "listen"
    poll_interval_ms: int = 2000
    shutdown_grace_seconds: float = 30.0
    storage_backend: str = "file"
    storage_dir: Path = PROJECT_ROOT / ".data" / "storage"
    storage_path_prefix: str = ""
    storage_public: bool = True
    signed_url_seconds: int = 3600
    delete_replaced_objects: bool = True
    storage_timeout_seconds: float = 30.0
    storage_max_attempts: int = 5
    supabase_url: str = ""
    supabase_service_key: str = ""
    supabase_storage_bucket: str = "audio-samples"
    supabase_tus_threshold_bytes: int = 6 * 1024 * 1024
    s3_endpoint: str = ""
    s3_region: str = "us-east-1"
    s3_bucket: str = ""
    s3_addressing_style: str = "auto"
    s3_public_base_url: str = ""
    s3_multipart_threshold_bytes: int = 16 * 1024 * 1024
    s3_part_size_bytes: int = 8 * 1024 * 1024
    aws_access_key_id: str = ""
    aws_secret_access_key: str = ""
    aws_session_token: str = ""
    public_base_url: str = ""
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    log_level: str = "INFO"
    log_format: str = "text"
    max_duration_minutes: int = 15
    target_lufs: float = -16.0
    admin_token: str = ""

    @property
    def max_attempts(self) -> int:
        return 1 + self.max_retries

    @property
    def render_timeout_s(self) -> float:
        return self.render_timeout_ms / 1000.0

    @property
    def base_url(self) -> str:
        return (self.public_base_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")

    @property
    def files_base_url(self) -> str:
        return self.base_url + "/files/"

    @property
    def samples_base_url(self) -> str:
        return self.base_url + "/samples/"

    @property
    def secrets(self) -> list[str]:
        """Values that must never appear in a log line or an error message."""
        found = [self.supabase_service_key, self.aws_secret_access_key, self.aws_session_token,
                 self.aws_access_key_id, self.admin_token]
        if self.database_url and "@" in self.database_url:
            creds = self.database_url.split("://", 1)[-1].rsplit("@", 1)[0]
            if ":" in creds:
                found.append(creds.split(":", 1)[1])
        return [s for s in found if s and len(s) >= 4]

    def masked_environment(self) -> dict[str, str]:
        """The effective configuration as the variables that set it, secrets masked
        (what `python -m listener config` prints, in the shape of a .env file)."""
        return {VARIABLE_OF.get(name, name.upper()): value for name, value in self.masked().items()}

    def masked(self) -> dict[str, str]:
        """The effective configuration for printing, with secrets masked."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "database_url" and value:
                value = _mask_url(value)
            elif f.name in SECRET_FIELDS and value:
                value = "***"
            out[f.name] = "" if value is None else str(value)
        return out


# The variable of a setting is its name in upper case, except:
VARIABLE_OF = {"s3_region": "AWS_REGION"}
SECRET_FIELDS = {"supabase_service_key", "aws_secret_access_key", "aws_session_token", "admin_token"}


def _mask_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url


def _number(env: Mapping[str, str], name: str, default, lo, hi, kind):
    """One numeric setting: `kind` is int or float; out of [lo, hi] is an error
    naming the variable, the value and what is allowed."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    noun, fmt = ("an integer", "{}") if kind is int else ("a number", "{:g}")
    allowed = (f"{noun} from {fmt.format(lo)} to {fmt.format(hi)}" if hi is not None
               else f"{noun} >= {fmt.format(lo)}")
    try:
        value = kind(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not valid: expected {allowed}") from None
    if not (value >= lo) or (hi is not None and value > hi):
        raise ConfigError(f"{name}={raw!r} is out of range: expected {allowed}")
    return value


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int | None = None) -> int:
    return _number(env, name, default, lo, hi, int)


def _float(env: Mapping[str, str], name: str, default: float, lo: float, hi: float | None = None) -> float:
    return _number(env, name, default, lo, hi, float)


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().upper() if name == "LOG_LEVEL" else raw.strip()
    if value not in choices:
        raise ConfigError(f"{name}={raw!r} is not valid: expected one of {', '.join(choices)}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={raw!r} is not valid: expected true or false")


_HOST = re.compile(r"[A-Za-z0-9._:\-]{1,253}|\[[0-9A-Fa-f:.]+\]")
_WORKER_ID = re.compile(r"[A-Za-z0-9._:\-]{1,100}")
_S3_BUCKET = re.compile(r"[a-z0-9][a-z0-9._\-]{1,61}[a-z0-9]")
_SUPABASE_BUCKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,99}")
_REGION = re.compile(r"[a-z0-9\-]{2,32}")


_HOST_PATTERN = re.compile(r"(\*\.)?[A-Za-z0-9]([A-Za-z0-9.\-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")


def _host_list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated host names; `*.example.com` stands for its subdomains."""
    raw = (env.get(name) or "").strip()
    hosts = tuple(h.strip().lower() for h in raw.split(",") if h.strip())
    for host in hosts:
        if not _HOST_PATTERN.fullmatch(host):
            raise ConfigError(f"{name}={raw!r} is not valid: {host!r} is not a host name"
                              f" (expected names like files.example.com or *.example.com, comma-separated)")
    return tuple(h.strip("[]") for h in hosts)


def _text(env: Mapping[str, str], name: str, default: str, pattern: re.Pattern, allowed: str) -> str:
    """A free-form name that must still match `pattern` (described by `allowed`)."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    if not pattern.fullmatch(raw.strip()):
        raise ConfigError(f"{name}={raw!r} is not valid: expected {allowed}")
    return raw.strip()


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str:
    """An absolute URL with one of `schemes` and a host; the value is not echoed
    in the error when it carries a password."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return ""
    shown = _mask_url(raw)
    try:
        parts = urlsplit(raw)
        # PostgreSQL URLs may name a Unix socket directory in ?host= instead of a host
        ok = parts.scheme in schemes and (bool(parts.hostname) or parts.scheme.startswith("postgres"))
    except ValueError:
        ok = False
    if not ok:
        raise ConfigError(f"{name}={shown!r} is not valid: expected a URL starting with "
                          + " or ".join(f"{s}://" for s in schemes))
    return raw


def _secret(env: Mapping[str, str], name: str, min_length: int) -> str:
    """A token: unset, or long enough to resist guessing; never echoed in errors."""
    raw = (env.get(name) or "").strip()
    if raw and (len(raw) < min_length or any(c.isspace() for c in raw)):
        raise ConfigError(f"{name}=<{len(raw)} characters, hidden> is not valid: expected at least"
                          f" {min_length} characters without spaces (e.g. `openssl rand -hex 24`)")
    return raw


def _require(name: str, value: str, why: str) -> str:
    if not value:
        raise ConfigError(f"{name} is not set: it is required {why}")
    return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from the environment (plus `.env` in the working directory,
    whose values do not override variables already set)."""
    if env is None:
        try:
            env = {**load_dotenv(Path.cwd() / ".env"), **os.environ}
        except DotenvError as exc:
            raise ConfigError(str(exc)) from None
    data_dir = Path(env.get("DATA_DIR") or PROJECT_ROOT / ".data")
    http_host = _text(env, "HTTP_HOST", "127.0.0.1", _HOST, "a host name or IP address")
    timeout_ms = _int(env, "RENDER_TIMEOUT_MS", 120_000, 1000)
    return Settings(
        database_url=_url(env, "DATABASE_URL", ("postgres", "postgresql")) or None,
        data_dir=data_dir,
        worker_id=_text(env, "WORKER_ID", f"{socket.gethostname()}-{os.getpid()}", _WORKER_ID,
                        "1-100 letters, digits and . _ : -"),
        render_duration=_int(env, "RENDER_DURATION", 120, 1, 3600),
        render_timeout_ms=timeout_ms,
        mix_timeout_ms=_int(env, "MIX_TIMEOUT_MS", 900_000, 1000, 86_400_000),
        render_memory_mb=_int(env, "RENDER_MEMORY_MB", 256, 16, 16384),
        fade_in_seconds=_float(env, "FADE_IN_SECONDS", 0.0, 0.0, 60.0),
        fade_out_seconds=_float(env, "FADE_OUT_SECONDS", 0.5, 0.0, 60.0),
        max_concurrent_jobs=_int(env, "MAX_CONCURRENT_JOBS", 2, 1, 64),
        render_processes=_int(env, "RENDER_PROCESSES", 0, 0, 64),
        render_nice=_int(env, "RENDER_NICE", 10, 0, 19),
        engine_cache_max_mb=_int(env, "ENGINE_CACHE_MAX_MB", 256, 1, 1_048_576),
        mix_url_hosts=_host_list(env, "MIX_URL_HOSTS"),
        mix_url_private=_bool(env, "MIX_URL_PRIVATE", False),
        max_retries=_int(env, "MAX_RETRIES", 3, 0, 100),
        retry_delay_ms=_int(env, "RETRY_DELAY_MS", 1000, 1, 3_600_000),
        job_lease_seconds=_float(env, "JOB_LEASE_SECONDS", 30.0, 1.0, 3600.0),
        safety_sweep_seconds=_float(env, "SAFETY_SWEEP_SECONDS", 60.0, 1.0, 86400.0),
        listen_mode=_choice(env, "LISTEN_MODE", "listen", ("listen", "poll")),
        poll_interval_ms=_int(env, "POLL_INTERVAL_MS", 2000, 10, 3_600_000),
        shutdown_grace_seconds=_float(env, "SHUTDOWN_GRACE_SECONDS", 30.0, 0.0, 3600.0),
        storage_dir=Path(env.get("STORAGE_DIR") or data_dir / "storage"),
        **_storage_settings(env),
        public_base_url=_url(env, "PUBLIC_BASE_URL", ("http", "https")).rstrip("/"),
        http_host=http_host,
        http_port=_int(env, "HTTP_PORT", 8080, 0, 65535),
        log_level=_choice(env, "LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
        log_format=_choice(env, "LOG_FORMAT", "text", ("text", "json")),
        max_duration_minutes=_int(env, "MAX_DURATION_MINUTES", 15, 1, 600),
        target_lufs=_float(env, "TARGET_LUFS", -16.0, -70.0, 0.0),
        admin_token=_secret(env, "ADMIN_TOKEN", min_length=16),
    )


def _storage_settings(env: Mapping[str, str]) -> dict:
    backend = _choice(env, "STORAGE_BACKEND", "file", ("file", "supabase", "s3"))
    prefix = (env.get("STORAGE_PATH_PREFIX") or "").strip("/")
    if prefix and (".." in prefix.split("/") or "\\" in prefix):
        raise ConfigError(f"STORAGE_PATH_PREFIX={prefix!r} is not valid: expected a relative path without '..'")
    out = dict(
        storage_backend=backend,
        storage_path_prefix=prefix,
        storage_public=_bool(env, "STORAGE_PUBLIC", True),
        signed_url_seconds=_int(env, "SIGNED_URL_SECONDS", 3600, 1, 604800),
        delete_replaced_objects=_bool(env, "DELETE_REPLACED_OBJECTS", True),
        storage_timeout_seconds=_float(env, "STORAGE_TIMEOUT_SECONDS", 30.0, 0.1, 3600.0),
        storage_max_attempts=_int(env, "STORAGE_MAX_ATTEMPTS", 5, 1, 20),
        supabase_url=_url(env, "SUPABASE_URL", ("http", "https")).rstrip("/"),
        supabase_service_key=env.get("SUPABASE_SERVICE_KEY") or "",
        supabase_storage_bucket=_text(env, "SUPABASE_STORAGE_BUCKET", "audio-samples", _SUPABASE_BUCKET,
                                      "1-100 letters, digits, . _ -"),
        supabase_tus_threshold_bytes=_int(env, "SUPABASE_TUS_THRESHOLD_BYTES", 6 * 1024 * 1024, 1),
        s3_endpoint=_url(env, "S3_ENDPOINT", ("http", "https")).rstrip("/"),
        s3_region=_text(env, "AWS_REGION", _text(env, "AWS_DEFAULT_REGION", "us-east-1", _REGION,
                                                 "a region name such as eu-west-1"),
                        _REGION, "a region name such as eu-west-1"),
        s3_bucket=_text(env, "S3_BUCKET", "", _S3_BUCKET, "3-63 lowercase letters, digits, . _ -"),
        s3_addressing_style=_choice(env, "S3_ADDRESSING_STYLE", "auto", ("auto", "path", "virtual")),
        s3_public_base_url=_url(env, "S3_PUBLIC_BASE_URL", ("http", "https")).rstrip("/"),
        s3_multipart_threshold_bytes=_int(env, "S3_MULTIPART_THRESHOLD_BYTES", 16 * 1024 * 1024,
                                          5 * 1024 * 1024),
        s3_part_size_bytes=_int(env, "S3_PART_SIZE_BYTES", 8 * 1024 * 1024, 5 * 1024 * 1024,
                                5 * 1024 * 1024 * 1024),
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID") or "",
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY") or "",
        aws_session_token=env.get("AWS_SESSION_TOKEN") or "",
    )
    if backend == "supabase":
        _require("SUPABASE_URL", out["supabase_url"], "when STORAGE_BACKEND=supabase")
        _require("SUPABASE_SERVICE_KEY", out["supabase_service_key"], "when STORAGE_BACKEND=supabase")
    if backend == "s3":
        _require("S3_BUCKET", out["s3_bucket"], "when STORAGE_BACKEND=s3")
        _require("AWS_ACCESS_KEY_ID", out["aws_access_key_id"], "when STORAGE_BACKEND=s3")
        _require("AWS_SECRET_ACCESS_KEY", out["aws_secret_access_key"], "when STORAGE_BACKEND=s3")
    return out
