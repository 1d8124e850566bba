"""#19 "Also": the API docs page is opt-in, every HTML page forbids framing, responses say nosniff,
and the dev SQLite file is private."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest

from core import db
from core.settings import load_settings
from tests.conftest import AppFactory
from tests.support.asgi import client as asgi_client

PAGE_DIRECTIVES = ("frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'")


def _directives(response: httpx.Response) -> set[str]:
    policy = response.headers.get("content-security-policy", "")
    return {part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/console/login", "/charity-week", "/notices/1"])
async def test_every_html_page_forbids_framing_base_and_foreign_forms(client: httpx.AsyncClient,
                                                                      path: str) -> None:
    r = await client.get(path)
    assert r.headers["content-type"].startswith("text/html"), (path, r.status_code)
    assert set(PAGE_DIRECTIVES) <= _directives(r), (path, r.headers.get("content-security-policy"))
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_json_answers_say_nosniff_too(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_docs_page_can_be_turned_off_and_the_schema_stays(app_with: AppFactory) -> None:
    app = await app_with(docs_enabled=False)
    async with asgi_client(app) as c:
        assert (await c.get("/docs/swagger")).status_code == 404
        assert (await c.get("/docs")).status_code == 404
        schema = await c.get("/openapi.json")
        assert schema.status_code == 200 and "/api/v1/miniapp/bookings" in schema.json()["paths"]


async def test_docs_page_when_on_is_not_frameable(client: httpx.AsyncClient) -> None:
    r = await client.get("/docs/swagger")
    assert r.status_code == 200
    assert set(PAGE_DIRECTIVES) <= _directives(r)


async def test_the_dev_database_file_is_created_private(tmp_path: Path) -> None:
    settings = load_settings({"BAOSHAN_VAR_DIR": str(tmp_path / "var")})
    await db.upgrade(settings)
    file = tmp_path / "var" / "baoshan.sqlite3"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
