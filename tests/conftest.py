"""Shared fixtures: one database per test session (SQLite, or PostgreSQL when
``BAOSHAN_TEST_DATABASE_URL`` names a server), migrated once and dropped at the end. Under
pytest-xdist (``pytest -n auto``) each worker is a session of its own: its own database, its own
temporary directories (``tmp_path_factory`` is per worker) and so its own ``./var`` for servers
(tests/support/parallel.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import pytest_asyncio
from sanic import Sanic
from tortoise import connections

from core import db
from core.app import create_app
from core.settings import Settings, load_settings
from tests.support.asgi import client as asgi_client
from tests.support.asgi import lifespan

# The `serve` fixture (a real `baoshan serve`), and how tests are shared out under `pytest -n`.
pytest_plugins = ["tests.support.server", "tests.support.parallel"]

TEST_DB_ENV = "BAOSHAN_TEST_DATABASE_URL"
SECRET = "test-secret-" + "k" * 40

Sanic.test_mode = True  # the suite builds several apps under one name


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API holds an event loop open while it runs."""
    items.sort(key=lambda item: "/browser/" in item.nodeid.replace("\\", "/"))


def _pg_admin(url: str) -> tuple[str, str]:
    """(server URL pointing at the maintenance db, scheme://user@host:port prefix)."""
    parts = urlsplit(url.replace("postgresql://", "postgres://", 1))
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path=""))


async def _pg_exec(admin_url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1), timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def _pg_database(server_url: str, prefix: str) -> Iterator[str]:
    """A fresh PostgreSQL database on ``server_url``'s server, dropped afterwards."""
    admin, base = _pg_admin(server_url)
    # The xdist worker in the name (gw0 …) only tells a leftover's origin; the uuid keeps it apart.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    name = f"{prefix}_{worker + '_' if worker else ''}{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_exec(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(_pg_exec(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get(TEST_DB_ENV, "").strip()
    if base.startswith(("postgres://", "postgresql://")):
        with _pg_database(base, "baoshan_test") as url:
            yield url
    else:
        yield f"sqlite://{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture
def scratch_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the session's kind, for tests that run the CLI in-process.

    Of the same kind on purpose: Tortoise caches each model's SQL per connection name, so one
    process must not talk SQLite and PostgreSQL under the name "default".
    """
    if database_url.startswith("postgres"):
        with _pg_database(database_url, "baoshan_scratch") as url:
            yield url
    else:
        yield f"sqlite://{tmp_path / 'scratch.sqlite3'}"


def make_settings(database_url: str, var_dir: Path, **extra: str) -> Settings:
    env = {
        "BAOSHAN_DATABASE_URL": database_url,
        "BAOSHAN_VAR_DIR": str(var_dir),
        "BAOSHAN_SECRET_KEY": SECRET,
        "BAOSHAN_LOG_LEVEL": "WARNING",
        "WECHAT_API_BASE_URL": "http://127.0.0.1:9",
        # Tests drive the periodic jobs by hand with a fixed clock: a loop would race them.
        "BAOSHAN_BACKGROUND_JOBS": "0",
    }
    env.update(extra)
    return load_settings(env)


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(database_url, tmp_path_factory.mktemp("var"))


@pytest_asyncio.fixture(scope="session")
async def migrated(settings: Settings) -> AsyncIterator[Settings]:
    await db.upgrade(settings)
    yield settings


@pytest_asyncio.fixture
async def app(migrated: Settings) -> AsyncIterator[Sanic]:
    """A started app per test: the ORM is process-wide state, so apps must not overlap."""
    application = create_app(migrated)
    async with lifespan(application):
        try:
            yield application
        finally:
            # The knowledge service's background work (index polls, batched counts) writes to
            # the database: stop it first, or its last flush lands in the next test's tables.
            await application.ctx.kb.stop()
            await _clean_tables()


AppFactory = Callable[..., Awaitable[Sanic]]


@pytest_asyncio.fixture
async def app_with(migrated: Settings) -> AsyncIterator[AppFactory]:
    """``await app_with(proxies_count=1)``: a started app whose settings differ from the session's.
    One per test, and not together with ``app``: the ORM is process-wide state."""
    async with AsyncExitStack() as stack:
        async def build(**changes: Any) -> Sanic:
            application = create_app(dataclasses.replace(migrated, **changes))
            await stack.enter_async_context(lifespan(application))

            async def finish() -> None:
                await application.ctx.kb.stop()
                await _clean_tables()
            stack.push_async_callback(finish)
            return application
        yield build


@pytest_asyncio.fixture
async def client(app: Sanic) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as c:
        yield c


async def _clean_tables() -> None:
    """Each test starts from empty tables (the schema and its migration records stay)."""
    conn = connections.get("default")
    # Children before parents (foreign keys).
    tables = ["referral_event", "referral", "referral_tally",
              "booking_notification", "proxy_order", "booking_subscription", "booking_waitlist",
              "booking_idempotency", "booking_claim", "booking", "booking_slot",
              "miniapp_session", "miniapp_user", "rate_counter",
              "staff_session", "staff_user", "wechat_access_token", "wechat_inbound",
              "wechat_user_state", "wechat_follower",
              "content_notice", "content_campaign", "daily_count", "kb_unanswered", "audit_log",
              "urgent_message", "answer_review", "guided_flow_state",
              "kb_entry", "setting",
              "guide_step", "guide"]
    for table in tables:
        await conn.execute_script(f'DELETE FROM "{table}"')
