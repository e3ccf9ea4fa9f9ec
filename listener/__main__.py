"""Command line: `python -m listener run|migrate|psql|config|url`."""
from __future__ import annotations

import argparse
import asyncio
import os
import sys

from listener.config import ConfigError, load_settings
from listener.logging_setup import SecretMasker, setup_logging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m listener",
                                     description="Reactive bytebeat render service")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="apply migrations and run the service")
    sub.add_parser("migrate", help="apply pending migrations and exit")
    sub.add_parser("psql", help="open psql on the service's database")
    sub.add_parser("url", help="print the database URL (starts the embedded server if needed)")
    sub.add_parser("config", help="print the effective configuration, secrets masked")
    gc = sub.add_parser("gc", help="delete stored renders that no post points to")
    gc.add_argument("--grace-seconds", type=float, default=3600.0,
                    help="keep objects younger than this (default 3600: they may belong to renders in flight)")
    gc.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    args = parser.parse_args(argv)

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.log_format, settings.secrets)
    masker = SecretMasker(settings.secrets)  # errors printed below may quote a URL or key

    def fail(message: str) -> int:
        print(masker.mask(message), file=sys.stderr)
        return 2

    import asyncpg

    from listener.db.migrate import MigrationError
    from listener.errors import StorageConfigError
    from listener.service import BindError, apply_migrations, database_url, run_service

    if args.command == "config":
        for key, value in settings.masked_environment().items():
            print(f"{key}={value}")
        return 0
    if args.command == "run":
        try:
            return asyncio.run(run_service(settings))
        except (StorageConfigError, MigrationError, BindError) as exc:
            return fail(f"cannot start: {exc}")
        except (OSError, asyncpg.PostgresError) as exc:
            return fail(f"cannot start: database unavailable: {exc}")
    dsn = database_url(settings)
    if args.command == "url":
        print(dsn)
        return 0
    if args.command == "gc":
        from listener.gc import collect_garbage

        try:
            report = asyncio.run(collect_garbage(settings, dsn, grace_seconds=args.grace_seconds,
                                                 dry_run=args.dry_run))
        except StorageConfigError as exc:
            return fail(f"cannot run gc: {exc}")
        for key in report.deleted:
            print(("would delete " if args.dry_run else "deleted ") + key)
        print(f"{report.scanned} objects: {report.referenced} referenced, {report.young} in their grace"
              f" period, {len(report.deleted)} {'to delete' if args.dry_run else 'deleted'}")
        return 0
    if args.command == "migrate":
        applied = asyncio.run(apply_migrations(dsn, settings))
        print(f"applied: {', '.join(applied) if applied else 'nothing (up to date)'}")
        return 0
    if args.command == "psql":
        from listener.db.embedded import psql_path

        psql = str(psql_path())  # ships with pgserver; works for any server
        os.execvp(psql, [psql, dsn])
    return 1


if __name__ == "__main__":
    sys.exit(main())
