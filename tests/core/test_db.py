from __future__ import annotations

from pathlib import Path

import httpx

from core import db
from core.app import create_app
from core.settings import Settings
from tests.conftest import make_settings
from tests.support.asgi import client as asgi_client
from tests.support.asgi import lifespan


async def test_migrations_are_applied_and_nothing_is_pending(migrated: Settings) -> None:
    assert await db.pending_migrations(migrated) == []
    assert await db.upgrade(migrated) == []  # idempotent


async def test_fresh_sqlite_database_is_created_and_migrated(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite://{tmp_path / 'sub' / 'fresh.sqlite3'}", tmp_path)
    assert await db.pending_migrations(settings) == ["core.0001_initial", "core.0002_bot_and_staff"]
    assert await db.upgrade(settings) == ["core.0001_initial", "core.0002_bot_and_staff"]
    assert await db.pending_migrations(settings) == []
    assert (tmp_path / "sub" / "fresh.sqlite3").exists()


def test_sqlite_url_gets_wal_and_busy_timeout(tmp_path: Path) -> None:
    url = db.db_url(make_settings(f"sqlite://{tmp_path / 'x.sqlite3'}", tmp_path))
    assert "journal_mode=WAL" in url and "busy_timeout=5000" in url


async def test_healthz_is_503_when_the_database_does_not_answer(tmp_path: Path) -> None:
    # Port 9 on loopback has nothing listening: connection refused at once.
    settings = make_settings("postgres://nobody@127.0.0.1:9/none", tmp_path)
    app = create_app(settings)
    async with lifespan(app), asgi_client(app) as c:
        r = await c.get("/healthz")
        search = await c.get("/api/v1/knowledge/search", params={"q": "低保怎么申请"})
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "database_unavailable"
    # The bundled knowledge base still answers while the database is away.
    assert search.status_code == 200 and search.json()["answered"] is True


async def test_client_fixture_cleans_tables(client: httpx.AsyncClient) -> None:
    from core.models import Setting

    await Setting.create(key="probe", value={"a": 1})
    assert await Setting.filter(key="probe").exists()
