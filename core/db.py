"""Database setup: one Tortoise config for the app, the CLI and the tests; migrations; health."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate
from tortoise.migrations.executor import MigrationExecutor

from core.settings import Settings

log = logging.getLogger("baoshan.db")

APP_LABEL = "core"
MODELS_MODULE = "core.models"
MIGRATIONS_MODULE = "core.migrations"

# WAL lets readers run beside the one writer; busy_timeout makes a second process wait for the
# write lock instead of failing at once with "database is locked".
_SQLITE_PRAGMAS = {"journal_mode": "WAL", "busy_timeout": "5000", "synchronous": "NORMAL",
                   "foreign_keys": "ON"}


def _sqlite_url(url: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    for key, value in _SQLITE_PRAGMAS.items():
        query.setdefault(key, value)
    path = url[len("sqlite://"):].split("?", 1)[0]
    if path and path != ":memory:":
        _create_private(Path(path))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _create_private(path: Path) -> None:
    """The database file holds residents' bookings: created 0600, like the secret key (SQLite
    gives its -wal and -shm files the same mode), rather than with the umask's world-readable."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def db_url(settings: Settings) -> str:
    url = settings.database_url
    if url.startswith("postgresql://"):
        url = "postgres://" + url[len("postgresql://"):]
    return _sqlite_url(url) if url.startswith("sqlite://") else url


def _connection(settings: Settings, timeouts: bool) -> str | dict[str, Any]:
    """The "default" connection, with every wait bounded (issue #11): on PostgreSQL the pool
    size, a connect timeout, a server-side ``statement_timeout`` (also ends lock waits) and a
    client-side ``command_timeout`` a second later (a frozen server never sends the server-side
    cancel), and the pool acquisition timeout (core.db_pg). SQLite has one writer and no pool:
    its ``busy_timeout`` bounds the wait for the write lock. Migrations run without a statement
    timeout (``timeouts=False``): building an index on a large table may take longer."""
    url = db_url(settings)
    if not url.startswith("postgres://"):
        return url
    conf = expand_db_url(url)
    conf["engine"] = "core.db_pg"
    creds: dict[str, Any] = conf["credentials"]
    acquire_s = settings.db_acquire_timeout_ms / 1000
    creds.setdefault("minsize", 1)
    creds.setdefault("maxsize", settings.db_pool_size)
    creds["minsize"] = min(int(creds["minsize"]), int(creds["maxsize"]))
    creds.setdefault("timeout", acquire_s)  # connecting to the server
    creds["acquire_timeout"] = acquire_s
    if timeouts:
        statement_ms = settings.db_statement_timeout_ms
        creds["server_settings"] = {"statement_timeout": str(statement_ms)}
        creds["command_timeout"] = statement_ms / 1000 + 1
    return conf


def tortoise_config(settings: Settings, *, timeouts: bool = True) -> dict[str, Any]:
    return {
        "connections": {"default": _connection(settings, timeouts)},
        "apps": {
            APP_LABEL: {
                "models": [MODELS_MODULE],
                "migrations": MIGRATIONS_MODULE,
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def init_orm(settings: Settings) -> None:
    """Open the ORM for this process.

    The global fallback is what lets request tasks (which do not inherit the listener's context
    under a real server) find the connections; without it every query fails with
    "No TortoiseContext is currently active".
    """
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def close_orm() -> None:
    await Tortoise.close_connections()


async def pending_migrations(settings: Settings) -> list[str]:
    await Tortoise.init(config=tortoise_config(settings, timeouts=False), init_connections=False)
    try:
        cfg = tortoise_config(settings, timeouts=False)["apps"]
        executor = MigrationExecutor(connections.get("default"), cfg)
        steps = await executor.plan(None)
        return [f"{step.migration.app_label}.{step.migration.name}" for step in steps
                if not getattr(step, "backward", False)]
    finally:
        await Tortoise.close_connections()


async def upgrade(settings: Settings) -> list[str]:
    """Apply pending migrations; returns the names applied. Closes its connections when done."""
    applied: list[str] = []

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            applied.append(f"{app_label}.{name}")
            log.info("migration applied", extra={"migration": f"{app_label}.{name}"})

    try:
        await migrate(config=tortoise_config(settings, timeouts=False), progress=progress)
    finally:
        await Tortoise.close_connections()
    return applied


async def ping() -> bool:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:
        # No traceback: health checks poll every few seconds while the database is away.
        log.warning("database ping failed", extra={"error": type(exc).__name__})
        return False
    return True
