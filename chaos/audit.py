"""The auditor of a fault run, written independently of the worker code.

It reads the database with its own queries, the bucket with boto3 (not the
service's S3 client), recomputes signatures with its own implementation of the
documented canonical form (README, "The render signature"), and re-renders a
sample of posts with the engine to compare bytes. It then runs the service's
`gc` command and checks that exactly the unreferenced objects went away.
"""
from __future__ import annotations

import asyncio
import hashlib
import random
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg


def documented_signature(expression: str, mode: str, sample_rate: int, duration: int) -> str:
    """The README's canonical form, written again here on purpose: the audit must
    not trust the code it audits."""
    code, mode_b = expression.encode("utf-8"), mode.encode("utf-8")
    text = (b"bytebeat/v1;mode=" + str(len(mode_b)).encode() + b":" + mode_b
            + b";rate=" + str(sample_rate).encode() + b";seconds=" + str(duration).encode()
            + b";code=" + str(len(code)).encode() + b":" + code)
    return hashlib.sha256(text).hexdigest()


@dataclass
class AuditReport:
    posts: int = 0
    problems: list[str] = field(default_factory=list)
    sampled: int = 0
    sample_mismatches: int = 0
    jobs_by_state: dict[str, int] = field(default_factory=dict)
    extra_renders: int = 0
    extra_claims: int = 0
    orphans_before_gc: int = 0
    orphans_after_gc: int = 0
    gc_output: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        out = [
            f"posts audited                          {self.posts}",
            f"problems (lost, stale or stuck)        {len(self.problems)}",
            f"objects re-rendered and compared       {self.sampled} ({self.sample_mismatches} differ)",
            f"jobs by state                          {dict(sorted(self.jobs_by_state.items()))}",
            f"renders per signature beyond one       {self.extra_renders}",
            f"claims per post beyond one             {self.extra_claims}",
            f"unreferenced objects before gc         {self.orphans_before_gc}",
            f"unreferenced objects after gc          {self.orphans_after_gc}",
        ]
        out += [f"  problem: {p}" for p in self.problems[:50]]
        if len(self.problems) > 50:
            out.append(f"  ... and {len(self.problems) - 50} more")
        return out


async def audit(database_url: str, s3, bucket: str, url_base: str, *, default_duration: int,
                sample_size: int = 200, seed: int = 0, gc_command: list[str] | None = None,
                gc_env: dict | None = None) -> AuditReport:
    """`url_base` is what public sample URLs start with before the key."""
    report = AuditReport()
    conn = await asyncpg.connect(database_url)
    try:
        posts = await conn.fetch("SELECT id, expression, mode, sample_rate, prerender_duration, is_draft,"
                                 " pre_rendered, sample_url, prerender_signature FROM posts ORDER BY id")
        jobs = await conn.fetch("SELECT post_id, state, attempts, signature, result IS NOT NULL AS rendered"
                                " FROM render_jobs")
        inbox = await conn.fetchval("SELECT count(*) FROM render_inbox")
    finally:
        await conn.close()
    report.posts = len(posts)
    report.jobs_by_state = dict(Counter(j["state"] for j in jobs))
    for state in ("queued", "running"):
        if report.jobs_by_state.get(state):
            report.problems.append(f"{report.jobs_by_state[state]} job(s) still {state}")
    if inbox:
        report.problems.append(f"{inbox} inbox row(s) (inserted posts) never turned into jobs")

    renders = Counter((j["post_id"], j["signature"]) for j in jobs if j["rendered"])
    report.extra_renders = sum(n - 1 for n in renders.values() if n > 1)
    claims = Counter()
    for j in jobs:
        claims[j["post_id"]] += j["attempts"]
    report.extra_claims = sum(n - 1 for n in claims.values() if n > 1)

    stored = {}
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            if obj["Key"].startswith("posts/"):  # renders; not e.g. a killed worker's start-up probe
                stored[obj["Key"]] = obj["Size"]

    referenced: dict[str, object] = {}
    for p in posts:
        if p["is_draft"]:
            continue
        duration = p["prerender_duration"] or default_duration
        current = documented_signature(p["expression"], p["mode"], p["sample_rate"], duration)
        where = f"post {p['id']}"
        if not p["pre_rendered"]:
            report.problems.append(f"{where}: not rendered (lost or stuck)")
            continue
        if p["prerender_signature"] != current:
            report.problems.append(f"{where}: stale (signature {p['prerender_signature']} != current {current})")
            continue
        url = p["sample_url"] or ""
        if not url.startswith(url_base):
            report.problems.append(f"{where}: sample_url {url!r} is not in the bucket")
            continue
        key = url[len(url_base):]
        if key not in stored:
            report.problems.append(f"{where}: object {key} does not exist")
            continue
        if current not in key:
            report.problems.append(f"{where}: object {key} is not named by its signature")
        referenced[key] = p

    rng = random.Random(seed)
    sample = rng.sample(sorted(referenced), min(sample_size, len(referenced)))
    report.sampled = len(sample)
    with tempfile.TemporaryDirectory() as tmp:
        from engine import BytebeatRequest, render_to_file  # the engine, not the worker

        for key in sample:
            p = referenced[key]
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            out = Path(tmp) / "fresh.wav"
            render_to_file(BytebeatRequest(p["expression"], p["mode"], p["sample_rate"],
                                           p["prerender_duration"] or default_duration, 0.0, 0.0), out)
            if out.read_bytes() != body:
                report.sample_mismatches += 1
                report.problems.append(f"post {p['id']}: stored object differs from a fresh render")

    orphans = set(stored) - set(referenced)
    report.orphans_before_gc = len(orphans)
    if gc_command:
        # In a thread: the fault proxy serving this request runs on this event loop.
        done = await asyncio.to_thread(subprocess.run, gc_command, env=gc_env, capture_output=True,
                                       text=True, timeout=600)
        lines = (done.stdout + done.stderr).strip().splitlines()
        report.gc_output = lines[-1] if lines else ""
        if done.returncode != 0:
            report.problems.append(f"gc failed: {done.stderr.strip()[-500:]}")
        after = set()
        for page in paginator.paginate(Bucket=bucket):
            after.update(o["Key"] for o in page.get("Contents", []) if o["Key"].startswith("posts/"))
        report.orphans_after_gc = len(after - set(referenced))
        missing = set(referenced) - after
        if missing:
            report.problems.append(f"gc deleted {len(missing)} referenced object(s), e.g. {sorted(missing)[0]}")
        if report.orphans_after_gc:
            report.problems.append(f"{report.orphans_after_gc} unreferenced object(s) left after gc")
    return report


def gc_command() -> list[str]:
    return [sys.executable, "-m", "listener", "gc", "--grace-seconds", "0"]
