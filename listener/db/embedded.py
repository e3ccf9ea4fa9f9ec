"""The embedded PostgreSQL (the `pgserver` package) used when DATABASE_URL is unset.

Its data lives in `<data_dir>/pg` and survives restarts; the server keeps running
after the service exits so `make psql` and the next start find it.
"""
from __future__ import annotations

import logging
import warnings
from pathlib import Path

log = logging.getLogger(__name__)


def embedded_database_url(data_dir: Path) -> str:
    """Start (or find running) the embedded server and return its connection URL."""
    warnings.filterwarnings("ignore", module="platformdirs")
    logging.getLogger("pgserver").setLevel(logging.WARNING)  # it narrates every start at INFO
    import pgserver  # imported here: only needed without DATABASE_URL

    pgdata = (data_dir / "pg").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    url = server.get_uri()
    log.info("embedded PostgreSQL at %s", pgdata)
    return url


def psql_path() -> Path:
    """The psql binary that ships with pgserver."""
    import pgserver

    return Path(pgserver.__file__).parent / "pginstall" / "bin" / "psql"
