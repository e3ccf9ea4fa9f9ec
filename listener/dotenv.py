""".env files: the KEY=VALUE lines a deployment keeps beside the service.

Our own small parser rather than a dependency: the format we accept is a few
lines of rules, and every line we cannot read is an error naming the file and
line instead of a silently ignored setting.

Accepted: blank lines, `# comments`, an optional `export ` prefix, unquoted
values (a ` #` starts a trailing comment), 'single-quoted' values taken
literally, and "double-quoted" values with the escapes \\n \\t \\" \\\\.
"""
from __future__ import annotations

import re
from pathlib import Path

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}


class DotenvError(ValueError):
    """A line of a .env file is not KEY=VALUE."""


def parse_dotenv(text: str, source: str = ".env") -> dict[str, str]:
    """The variables of a .env text; a later line wins over an earlier one."""
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export ") or line.startswith("export\t"):
            line = line[len("export"):].lstrip()
        key, sep, rest = line.partition("=")
        key = key.strip()
        where = f"{source}:{number}"
        if not sep:
            raise DotenvError(f"{where}: expected KEY=VALUE, got {raw.strip()!r}")
        if not _KEY.fullmatch(key):
            raise DotenvError(f"{where}: {key!r} is not a variable name (letters, digits, _)")
        values[key] = _value(rest.strip(), where)
    return values


def load_dotenv(path: Path) -> dict[str, str]:
    """The variables of the .env file at `path`, or none when there is no file."""
    if not path.is_file():
        return {}
    return parse_dotenv(path.read_text(encoding="utf-8"), str(path))


def _value(rest: str, where: str) -> str:
    if not rest:
        return ""
    quote = rest[0]
    if quote not in "'\"":
        comment = re.search(r"\s#", rest)
        return (rest[:comment.start()] if comment else rest).rstrip()
    out: list[str] = []
    i = 1
    while i < len(rest):
        ch = rest[i]
        if ch == quote:
            tail = rest[i + 1:].strip()
            if tail and not tail.startswith("#"):
                raise DotenvError(f"{where}: unexpected text after the closing quote: {tail!r}")
            return "".join(out)
        if ch == "\\" and quote == '"' and i + 1 < len(rest):
            nxt = rest[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    raise DotenvError(f"{where}: the value opened with {quote} is not closed on the same line")
