"""Service configuration: read from the environment once at start, validated, frozen.

Every setting has a default and an allowed range; a bad value stops the service
with one line naming the variable, the value and what is allowed. Nothing below
`listener.service` reads the environment: the `Settings` object is passed down.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Mapping

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
                 self.aws_access_key_id]
        if self.database_url and "@" in self.database_url:
            creds = self.database_url.split("://", 1)[-1].rsplit("@", 1)[0]
            if ":" in creds:
                found.append(creds.split(":", 1)[1])
        return [s for s in found if s and len(s) >= 4]

    def masked(self) -> dict[str, str]:
        """The effective configuration for printing, with secrets masked."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "database_url" and value:
                value = _mask_url(value)
            elif f.name in SECRET_FIELDS and value:
                value = "***"
            out[f.name] = str(value)
        return out


SECRET_FIELDS = {"supabase_service_key", "aws_secret_access_key", "aws_session_token"}


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


def _require(name: str, value: str, why: str) -> str:
    if not value:
        raise ConfigError(f"{name} is not set: it is required {why}")
    return value


def load_dotenv(path: Path) -> dict[str, str]:
    """Read KEY=VALUE lines of a .env file (comments, blank lines, quotes allowed)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from the environment (plus `.env` in the working directory,
    whose values do not override variables already set)."""
    if env is None:
        env = {**load_dotenv(Path.cwd() / ".env"), **os.environ}
    data_dir = Path(env.get("DATA_DIR") or PROJECT_ROOT / ".data")
    http_host = env.get("HTTP_HOST") or "127.0.0.1"
    timeout_ms = _int(env, "RENDER_TIMEOUT_MS", 120_000, 1000)
    return Settings(
        database_url=env.get("DATABASE_URL") or None,
        data_dir=data_dir,
        worker_id=env.get("WORKER_ID") or f"{socket.gethostname()}-{os.getpid()}",
        render_duration=_int(env, "RENDER_DURATION", 120, 1, 3600),
        render_timeout_ms=timeout_ms,
        render_memory_mb=_int(env, "RENDER_MEMORY_MB", 256, 16, 16384),
        fade_in_seconds=_float(env, "FADE_IN_SECONDS", 0.0, 0.0, 60.0),
        fade_out_seconds=_float(env, "FADE_OUT_SECONDS", 0.5, 0.0, 60.0),
        max_concurrent_jobs=_int(env, "MAX_CONCURRENT_JOBS", 2, 1, 64),
        render_processes=_int(env, "RENDER_PROCESSES", 0, 0, 64),
        max_retries=_int(env, "MAX_RETRIES", 3, 0, 100),
        retry_delay_ms=_int(env, "RETRY_DELAY_MS", 1000, 1, 3_600_000),
        job_lease_seconds=_float(env, "JOB_LEASE_SECONDS", 30.0, 1.0, 3600.0),
        safety_sweep_seconds=_float(env, "SAFETY_SWEEP_SECONDS", 60.0, 1.0, 86400.0),
        listen_mode=_choice(env, "LISTEN_MODE", "listen", ("listen", "poll")),
        poll_interval_ms=_int(env, "POLL_INTERVAL_MS", 2000, 10, 3_600_000),
        shutdown_grace_seconds=_float(env, "SHUTDOWN_GRACE_SECONDS", 30.0, 0.0, 3600.0),
        storage_dir=Path(env.get("STORAGE_DIR") or data_dir / "storage"),
        **_storage_settings(env),
        public_base_url=env.get("PUBLIC_BASE_URL") or "",
        http_host=http_host,
        http_port=_int(env, "HTTP_PORT", 8080, 0, 65535),
        log_level=_choice(env, "LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
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
        supabase_url=(env.get("SUPABASE_URL") or "").rstrip("/"),
        supabase_service_key=env.get("SUPABASE_SERVICE_KEY") or "",
        supabase_storage_bucket=env.get("SUPABASE_STORAGE_BUCKET") or "audio-samples",
        supabase_tus_threshold_bytes=_int(env, "SUPABASE_TUS_THRESHOLD_BYTES", 6 * 1024 * 1024, 1),
        s3_endpoint=(env.get("S3_ENDPOINT") or "").rstrip("/"),
        s3_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        s3_bucket=env.get("S3_BUCKET") or "",
        s3_addressing_style=_choice(env, "S3_ADDRESSING_STYLE", "auto", ("auto", "path", "virtual")),
        s3_public_base_url=(env.get("S3_PUBLIC_BASE_URL") or "").rstrip("/"),
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
