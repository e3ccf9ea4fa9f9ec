"""Configuration: every setting validated with a one-line error, `.env` read
(environment wins), and `python -m listener config` masking secrets."""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from dataclasses import fields

import pytest

from listener.config import VARIABLE_OF, ConfigError, Settings, load_settings
from listener.dotenv import DotenvError, parse_dotenv
from tests.service.harness import ROOT

# (variable, bad value, the error it must give). Values never echoed: secrets.
BAD_VALUES = [
    ("DATABASE_URL", "mysql://app:pw1234@db/x", "DATABASE_URL='mysql://app:***@db/x' is not valid: expected a URL starting with postgres:// or postgresql://"),
    ("WORKER_ID", "has spaces", "WORKER_ID='has spaces' is not valid: expected 1-100 letters, digits and . _ : -"),
    ("RENDER_DURATION", "0", "RENDER_DURATION='0' is out of range: expected an integer from 1 to 3600"),
    ("RENDER_TIMEOUT_MS", "999", "RENDER_TIMEOUT_MS='999' is out of range: expected an integer >= 1000"),
    ("MIX_TIMEOUT_MS", "500", "MIX_TIMEOUT_MS='500' is out of range: expected an integer from 1000 to 86400000"),
    ("RENDER_MEMORY_MB", "8", "RENDER_MEMORY_MB='8' is out of range: expected an integer from 16 to 16384"),
    ("FADE_IN_SECONDS", "-1", "FADE_IN_SECONDS='-1' is out of range: expected a number from 0 to 60"),
    ("FADE_OUT_SECONDS", "soon", "FADE_OUT_SECONDS='soon' is not valid: expected a number from 0 to 60"),
    ("MAX_CONCURRENT_JOBS", "0", "MAX_CONCURRENT_JOBS='0' is out of range: expected an integer from 1 to 64"),
    ("ENGINE_CACHE_MAX_MB", "0", "ENGINE_CACHE_MAX_MB='0' is out of range: expected an integer from 1 to 1048576"),
    ("MIX_URL_HOSTS", "https://x.org", "MIX_URL_HOSTS='https://x.org' is not valid: 'https://x.org' is not a host name (expected names like files.example.com or *.example.com, comma-separated)"),
    ("MIX_URL_PRIVATE", "sometimes", "MIX_URL_PRIVATE='sometimes' is not valid: expected true or false"),
    ("RENDER_NICE", "20", "RENDER_NICE='20' is out of range: expected an integer from 0 to 19"),
    ("RENDER_PROCESSES", "65", "RENDER_PROCESSES='65' is out of range: expected an integer from 0 to 64"),
    ("MAX_RETRIES", "101", "MAX_RETRIES='101' is out of range: expected an integer from 0 to 100"),
    ("RETRY_DELAY_MS", "0", "RETRY_DELAY_MS='0' is out of range: expected an integer from 1 to 3600000"),
    ("JOB_LEASE_SECONDS", "0.5", "JOB_LEASE_SECONDS='0.5' is out of range: expected a number from 1 to 3600"),
    ("SAFETY_SWEEP_SECONDS", "nan", "SAFETY_SWEEP_SECONDS='nan' is out of range: expected a number from 1 to 86400"),
    ("LISTEN_MODE", "push", "LISTEN_MODE='push' is not valid: expected one of listen, poll"),
    ("POLL_INTERVAL_MS", "5", "POLL_INTERVAL_MS='5' is out of range: expected an integer from 10 to 3600000"),
    ("SHUTDOWN_GRACE_SECONDS", "-0.1", "SHUTDOWN_GRACE_SECONDS='-0.1' is out of range: expected a number from 0 to 3600"),
    ("STORAGE_BACKEND", "ftp", "STORAGE_BACKEND='ftp' is not valid: expected one of file, supabase, s3"),
    ("STORAGE_PATH_PREFIX", "a/../b", "STORAGE_PATH_PREFIX='a/../b' is not valid: expected a relative path without '..'"),
    ("STORAGE_PUBLIC", "maybe", "STORAGE_PUBLIC='maybe' is not valid: expected true or false"),
    ("SIGNED_URL_SECONDS", "604801", "SIGNED_URL_SECONDS='604801' is out of range: expected an integer from 1 to 604800"),
    ("DELETE_REPLACED_OBJECTS", "2", "DELETE_REPLACED_OBJECTS='2' is not valid: expected true or false"),
    ("STORAGE_TIMEOUT_SECONDS", "0", "STORAGE_TIMEOUT_SECONDS='0' is out of range: expected a number from 0.1 to 3600"),
    ("STORAGE_MAX_ATTEMPTS", "21", "STORAGE_MAX_ATTEMPTS='21' is out of range: expected an integer from 1 to 20"),
    ("SUPABASE_URL", "project.supabase.co", "SUPABASE_URL='project.supabase.co' is not valid: expected a URL starting with http:// or https://"),
    ("SUPABASE_STORAGE_BUCKET", "a/b", "SUPABASE_STORAGE_BUCKET='a/b' is not valid: expected 1-100 letters, digits, . _ -"),
    ("SUPABASE_TUS_THRESHOLD_BYTES", "0", "SUPABASE_TUS_THRESHOLD_BYTES='0' is out of range: expected an integer >= 1"),
    ("S3_ENDPOINT", "s3.local:9000", "S3_ENDPOINT='s3.local:9000' is not valid: expected a URL starting with http:// or https://"),
    ("AWS_REGION", "EU WEST", "AWS_REGION='EU WEST' is not valid: expected a region name such as eu-west-1"),
    ("S3_BUCKET", "x", "S3_BUCKET='x' is not valid: expected 3-63 lowercase letters, digits, . _ -"),
    ("S3_ADDRESSING_STYLE", "dns", "S3_ADDRESSING_STYLE='dns' is not valid: expected one of auto, path, virtual"),
    ("S3_PUBLIC_BASE_URL", "cdn.example.com", "S3_PUBLIC_BASE_URL='cdn.example.com' is not valid: expected a URL starting with http:// or https://"),
    ("S3_MULTIPART_THRESHOLD_BYTES", "1024", "S3_MULTIPART_THRESHOLD_BYTES='1024' is out of range: expected an integer >= 5242880"),
    ("S3_PART_SIZE_BYTES", "1024", "S3_PART_SIZE_BYTES='1024' is out of range: expected an integer from 5242880 to 5368709120"),
    ("PUBLIC_BASE_URL", "example.com", "PUBLIC_BASE_URL='example.com' is not valid: expected a URL starting with http:// or https://"),
    ("HTTP_HOST", "bad host", "HTTP_HOST='bad host' is not valid: expected a host name or IP address"),
    ("HTTP_PORT", "65536", "HTTP_PORT='65536' is out of range: expected an integer from 0 to 65535"),
    ("LOG_LEVEL", "loud", "LOG_LEVEL='loud' is not valid: expected one of DEBUG, INFO, WARNING, ERROR"),
    ("LOG_FORMAT", "xml", "LOG_FORMAT='xml' is not valid: expected one of text, json"),
    ("MAX_DURATION_MINUTES", "601", "MAX_DURATION_MINUTES='601' is out of range: expected an integer from 1 to 600"),
    ("TARGET_LUFS", "1", "TARGET_LUFS='1' is out of range: expected a number from -70 to 0"),
    ("ADMIN_TOKEN", "short", "ADMIN_TOKEN=<5 characters, hidden> is not valid: expected at least 16 characters without spaces"),
]

# Settings whose value is a free path, or a credential any string may be, or
# required-when checks tested below: no range to break.
UNRANGED = {"data_dir", "storage_dir", "aws_access_key_id", "aws_secret_access_key", "aws_session_token",
            "supabase_service_key"}


@pytest.mark.parametrize("name, value, message", BAD_VALUES, ids=[b[0] for b in BAD_VALUES])
def test_a_bad_value_names_the_variable_the_value_and_what_is_allowed(name, value, message):
    with pytest.raises(ConfigError) as caught:
        load_settings({name: value})
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_every_setting_has_a_checked_range_or_choice():
    tested = {b[0] for b in BAD_VALUES}
    variables = {VARIABLE_OF.get(f.name, f.name.upper()) for f in fields(Settings) if f.name not in UNRANGED}
    assert variables - tested == set()


def test_defaults():
    s = load_settings({})
    assert (s.max_duration_minutes, s.target_lufs, s.admin_token, s.log_format) == (15, -16.0, "", "text")
    assert s.http_host == "127.0.0.1", "the service must not listen on every interface unless told to"
    assert load_settings({"HTTP_HOST": "0.0.0.0", "HTTP_PORT": "0"}).http_host == "0.0.0.0"
    assert load_settings({"HTTP_HOST": "[::1]"}).http_host == "[::1]"


def test_required_when_a_backend_needs_them():
    with pytest.raises(ConfigError, match="^SUPABASE_URL is not set: it is required when STORAGE_BACKEND=supabase$"):
        load_settings({"STORAGE_BACKEND": "supabase"})
    with pytest.raises(ConfigError, match="^S3_BUCKET is not set: it is required when STORAGE_BACKEND=s3$"):
        load_settings({"STORAGE_BACKEND": "s3"})


def test_secret_values_never_appear_in_errors():
    with pytest.raises(ConfigError) as caught:
        load_settings({"ADMIN_TOKEN": "hunter2 hunter2 hunter2 x"})
    assert "hunter2" not in str(caught.value) and "25 characters" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        load_settings({"DATABASE_URL": "mysql://app:hunter2hunter2@db/x"})
    assert "hunter2" not in str(caught.value)


def test_database_url_may_name_a_socket_directory():
    url = "postgresql://postgres:@/postgres?host=/tmp/pg"
    assert load_settings({"DATABASE_URL": url}).database_url == url


def test_dotenv_syntax():
    text = """
# a comment
PLAIN=value
export EXPORTED=yes
SPACED = around equals
TRAILING=value # a comment
HASH=no#comment
SINGLE='literal $HOME \\n # kept'
DOUBLE="line\\nbreak \\"quoted\\" # kept"
EMPTY=
EMPTY_QUOTES=""
PLAIN=last wins
"""
    assert parse_dotenv(text) == {
        "PLAIN": "last wins", "EXPORTED": "yes", "SPACED": "around equals", "TRAILING": "value",
        "HASH": "no#comment", "SINGLE": "literal $HOME \\n # kept", "DOUBLE": 'line\nbreak "quoted" # kept',
        "EMPTY": "", "EMPTY_QUOTES": "",
    }


@pytest.mark.parametrize("line, message", [
    ("JUST_A_NAME", ".env:1: expected KEY=VALUE, got 'JUST_A_NAME'"),
    ("1ST=x", ".env:1: '1ST' is not a variable name"),
    ("A='open", ".env:1: the value opened with ' is not closed on the same line"),
    ('A="x" y', ".env:1: unexpected text after the closing quote: 'y'"),
])
def test_dotenv_errors_name_the_line(line, message):
    with pytest.raises(DotenvError) as caught:
        parse_dotenv(line)
    assert str(caught.value).startswith(message)


def run_cli(*args, cwd, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "ADMIN_TOKEN", "MAX_CONCURRENT_JOBS"}}
    return subprocess.run([sys.executable, "-m", "listener", *args], cwd=cwd, capture_output=True, text=True,
                          env={**base, "PYTHONPATH": str(ROOT), **env}, timeout=60)


def test_a_bad_setting_stops_the_service_with_one_line(tmp_path):
    run = run_cli("run", cwd=tmp_path, MAX_CONCURRENT_JOBS="0")
    assert run.returncode == 2
    assert run.stderr == "cannot start: MAX_CONCURRENT_JOBS='0' is out of range: expected an integer from 1 to 64\n"


def test_config_prints_the_effective_configuration_with_secrets_masked(tmp_path):
    token = "tok-" + "9" * 30
    (tmp_path / ".env").write_text(
        "# deployment settings\n"
        f"export ADMIN_TOKEN='{token}'\n"
        "MAX_CONCURRENT_JOBS=7\n"
        "TARGET_LUFS=-14  # streaming loudness\n"
        "DATABASE_URL=postgresql://app:dotenv-password@db:5432/app\n")
    run = run_cli("config", cwd=tmp_path, MAX_CONCURRENT_JOBS="3")
    assert run.returncode == 0, run.stderr
    printed = dict(line.split("=", 1) for line in run.stdout.splitlines())
    assert printed["MAX_CONCURRENT_JOBS"] == "3", "the environment wins over .env"
    assert printed["TARGET_LUFS"] == "-14.0"
    assert printed["ADMIN_TOKEN"] == "***"
    assert printed["DATABASE_URL"] == "postgresql://app:***@db:5432/app"
    assert printed["HTTP_HOST"] == "127.0.0.1" and printed["AWS_REGION"] == "us-east-1"
    assert len(printed) == len(fields(Settings))
    assert token not in run.stdout + run.stderr and "dotenv-password" not in run.stdout + run.stderr


def test_an_unreadable_dotenv_stops_the_service_naming_the_line(tmp_path):
    (tmp_path / ".env").write_text("GOOD=1\nthis is not a setting\n")
    run = run_cli("config", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr == (f"cannot start: {tmp_path / '.env'}:2: expected KEY=VALUE,"
                          " got 'this is not a setting'\n")


async def test_a_port_in_use_stops_the_service_naming_the_setting(database, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = await asyncio.to_thread(run_cli, "run", cwd=tmp_path, DATABASE_URL=database,
                                      DATA_DIR=str(tmp_path / "data"), HTTP_PORT=str(port))
    assert run.returncode == 2
    assert run.stderr.splitlines()[-1] == (f"cannot start: HTTP_HOST=127.0.0.1 HTTP_PORT={port}: cannot listen:"
                                           " Address already in use")
