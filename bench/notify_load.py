"""Notification load: does waking on NOTIFY hold up under heavy insert load?

`python -m bench.notify_load` (part of `make bench`):

1. With two workers running, 10,000 posts are inserted in one transaction, then
   single-row transactions are sent at 1,000 a second for 10 s. It reports
   `pg_notification_queue_usage()` (sampled every 50 ms) and checks that every
   post gets rendered.
2. The insert throughput of the same statements with the service's triggers in
   place and without them (same schema, triggers disabled), side by side in 5
   alternating rounds, as the median of the rounds' ratios: 10,000 single-row
   INSERT statements in one transaction, one INSERT of 10,000 rows, and
   single-row transactions as fast as 4 connections can send them.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import asyncpg

from chaos.cluster import Postgres
from chaos.service import ServiceProcess
from listener.db.migrate import migrate

INSERT = "INSERT INTO posts (title, expression) VALUES ($1, $2)"
INSERT_MANY = "INSERT INTO posts (title, expression) SELECT 'load', e FROM unnest($1::text[]) AS e"


async def fresh_database(pg: Postgres, name: str, triggers: bool = True) -> str:
    admin = await asyncpg.connect(pg.url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = pg.database_url(name)
    conn = await asyncpg.connect(url)
    await migrate(conn)
    if not triggers:
        await conn.execute("ALTER TABLE posts DISABLE TRIGGER USER")
    await conn.close()
    return url


async def one_transaction(url: str, n: int, offset: int = 0) -> float:
    """Seconds to insert n posts, one statement each, in one transaction."""
    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        async with conn.transaction():
            for i in range(n):
                await conn.execute(INSERT, "load", f"t*{offset + i}&t>>7")
        return time.perf_counter() - started
    finally:
        await conn.close()


async def single_row_transactions(url: str, rate: float | None, seconds: float, connections: int = 4,
                                  offset: int = 0) -> int:
    """Single-row transactions for `seconds`, at `rate` per second (None: as fast
    as possible); returns how many were committed."""
    pool = await asyncpg.create_pool(url, min_size=connections, max_size=connections)
    count = 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()

    async def sender(k: int):
        nonlocal count
        i = k
        while time.perf_counter() < deadline:
            if rate is not None:  # each sender takes its share of the schedule
                due = started + i / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            await pool.execute(INSERT, "load", f"t*{offset + i}|t>>5")
            count += 1
            i += connections

    await asyncio.gather(*(sender(k) for k in range(connections)))
    await pool.close()
    return count


async def sample_queue_usage(url: str, stop: asyncio.Event, samples: list[float]) -> None:
    conn = await asyncpg.connect(url)
    try:
        while not stop.is_set():
            samples.append(await conn.fetchval("SELECT pg_notification_queue_usage()"))
            await asyncio.sleep(0.05)
    finally:
        await conn.close()


async def load_phase(pg: Postgres, workdir: Path, bulk: int, rate: float, seconds: float) -> None:
    url = await fresh_database(pg, "load")
    workers = [ServiceProcess(url, workdir, f"w{i}", RENDER_DURATION="1", FADE_OUT_SECONDS="0",
                              MAX_CONCURRENT_JOBS="8", LOG_LEVEL="WARNING") for i in (1, 2)]
    await asyncio.gather(*(w.start() for w in workers))
    stop, usage = asyncio.Event(), []
    sampler = asyncio.create_task(sample_queue_usage(url, stop, usage))
    try:
        t_bulk = await one_transaction(url, bulk)
        sent = await single_row_transactions(url, rate, seconds, offset=bulk)
        total = bulk + sent
        started = time.perf_counter()
        conn = await asyncpg.connect(url)
        try:
            while await conn.fetchval("SELECT count(*) FROM posts WHERE pre_rendered") < total:
                if time.perf_counter() - started > 900:
                    raise SystemExit("FAIL: not every post was rendered within 15 minutes")
                await asyncio.sleep(0.5)
            drained = time.perf_counter() - started
            failed = await conn.fetchval("SELECT count(*) FROM render_jobs WHERE state = 'failed'")
        finally:
            await conn.close()
    finally:
        stop.set()
        await sampler
        for w in workers:
            w.close()
    print(f"load: {bulk} posts in one transaction ({bulk / t_bulk:,.0f} rows/s), then {sent} single-row"
          f" transactions in {seconds:g} s (target {rate:g}/s: {sent / seconds:,.0f}/s)")
    print(f"rendered: {total} of {total} posts, {failed} failed, queue drained {drained:.1f} s after the last insert")
    print(f"pg_notification_queue_usage(): max {max(usage):.6f} ({max(usage) * 100:.4f} %),"
          f" median {statistics.median(usage):.6f} over {len(usage)} samples")
    if max(usage) >= 0.01:
        raise SystemExit("FAIL: notification queue usage reached 1 %")


async def one_statement(url: str, n: int, offset: int = 0) -> float:
    """Seconds to insert n posts with one multi-row INSERT statement."""
    conn = await asyncpg.connect(url)
    try:
        expressions = [f"t*{offset + i}&t>>6" for i in range(n)]
        started = time.perf_counter()
        await conn.execute(INSERT_MANY, expressions)
        return time.perf_counter() - started
    finally:
        await conn.close()


async def throughput_phase(pg: Postgres, n: int, seconds: float, rounds: int = 5) -> None:
    """Rounds alternate between the two databases (who goes first alternating too),
    so drift in the machine's load hits both sides alike; the ratio is taken round
    by round and reported as its median and range, next to each side's best round."""
    variants = {"with the service's triggers": True, "without triggers": False}
    urls = {label: await fresh_database(pg, f"tp_{int(t)}", t) for label, t in variants.items()}
    runs: dict[str, list[tuple[float, float, float]]] = {label: [] for label in variants}
    for k in range(rounds):
        order = list(urls.items()) if k % 2 == 0 else list(reversed(urls.items()))
        for label, url in order:
            runs[label].append((n / await one_transaction(url, n, offset=3 * k * n),
                                n / await one_statement(url, n, offset=(3 * k + 1) * n),
                                await single_row_transactions(url, None, seconds, offset=10**6 * (k + 1)) / seconds))
    print()
    print(f"{'insert throughput (best round)':30s} {n:,} stmts in 1 tx  1 stmt of {n:,} rows  single-row tx (4 conns)")
    for label, rs in runs.items():
        stmts, many, single = (max(col) for col in zip(*rs))
        print(f"{label:30s} {stmts:>13,.0f} rows/s {many:>15,.0f} rows/s {single:>14,.0f} tx/s")
    with_, without = runs.values()
    ratios = [[a / b for a, b in zip(w, wo)] for w, wo in zip(with_, without)]
    cells = []
    for col in zip(*ratios):
        cells.append(f"{statistics.median(col):.2f} [{min(col):.2f}-{max(col):.2f}]")
    print(f"{'ratio, median [range] of rounds':30s} {cells[0]:>20s} {cells[1]:>22s} {cells[2]:>19s}")


async def main_async(args) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="notify-load-"))
    pg = Postgres(workdir / "pg")
    try:
        if not args.throughput_only:
            await load_phase(pg, workdir, args.bulk, args.rate, args.seconds)
        await throughput_phase(pg, args.bulk, min(args.seconds, 5.0))
    finally:
        pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.notify_load", description=__doc__.splitlines()[0])
    parser.add_argument("--bulk", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--throughput-only", action="store_true",
                        help="only the insert throughput comparison (no workers, no rendering)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
