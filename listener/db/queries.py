"""The named statements of `sql/queries.sql`, loaded once into a dict.

Python code says `QUERIES["claim_jobs"]`; SQL is never built in strings here.
"""
from __future__ import annotations

import re
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
_HEADER = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


def load_queries(path: Path = SQL_DIR / "queries.sql") -> dict[str, str]:
    text = path.read_text()
    parts = _HEADER.split(text)
    queries: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        lines = [ln for ln in body.strip().splitlines() if not ln.lstrip().startswith("--")]
        statement = "\n".join(lines).strip().rstrip(";")
        if name in queries:
            raise ValueError(f"query {name!r} is defined twice in {path}")
        queries[name] = statement
    return queries


QUERIES = load_queries()
