from __future__ import annotations

import json

import httpx
import pytest
from sanic import Sanic
from sanic.exceptions import BadRequest, PayloadTooLarge
from sanic.response import text

from core.app import create_app
from core.errors import DomainError, JsonErrorHandler
from core.settings import Settings
from tests.support.asgi import client as asgi_client
from tests.support.asgi import lifespan


def assert_error_shape(body: dict, code: str) -> None:
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"] and any("\u4e00" <= c <= "\u9fff" for c in body["error"]["message"])


async def test_healthz_answers_ok_with_a_request_id(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert len(r.headers["x-request-id"]) == 32


async def test_a_sane_incoming_request_id_is_kept_and_junk_replaced(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz", headers={"X-Request-ID": "proxy-abc-12345"})
    assert r.headers["x-request-id"] == "proxy-abc-12345"
    r = await client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert r.headers["x-request-id"] != "<script>"


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/no/such/page", 404, "not_found"),
    ("POST", "/healthz", 405, "method_not_allowed"),
    ("DELETE", "/api/v1/knowledge/search", 405, "method_not_allowed"),
])
async def test_framework_errors_use_the_contract_shape(client: httpx.AsyncClient, method: str,
                                                       path: str, status: int, code: str) -> None:
    r = await client.request(method, path)
    assert r.status_code == status
    assert_error_shape(r.json(), code)


async def test_unexpected_exception_is_logged_and_answered_without_internals(
        migrated: Settings, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(migrated)

    async def boom(request):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals: password=hunter2")

    async def fine(request):  # type: ignore[no-untyped-def]
        return text("ok")

    app.add_route(boom, "/test-boom")
    app.add_route(fine, "/test-fine")
    async with lifespan(app), asgi_client(app) as c:
        r = await c.get("/test-boom")
    assert r.status_code == 500
    assert_error_shape(r.json(), "internal_error")
    assert "hunter2" not in r.text and "Traceback" not in r.text
    rid = r.headers["x-request-id"]
    logged = [rec for rec in caplog.records if rec.name == "baoshan.errors"]
    assert logged and getattr(logged[0], "request_id", None) == rid


async def test_openapi_document_and_swagger_ui(client: httpx.AsyncClient) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    assert spec["openapi"].startswith("3.")
    assert "/healthz" in spec["paths"] and "/api/v1/knowledge/search" in spec["paths"]
    ui = await client.get("/docs")
    assert ui.status_code == 200 and "swagger" in ui.text.lower()


async def test_sanic_testing_asgi_client_runs_the_full_lifecycle_per_request(
        migrated: Settings) -> None:
    # sanic-testing starts and stops the server around every request; the listeners must cope.
    app: Sanic = create_app(migrated)
    _, first = await app.asgi_client.get("/healthz")
    _, second = await app.asgi_client.get("/api/v1/knowledge/search", params={"q": "结婚登记要带什么"})
    assert first.status == 200 and first.json == {"status": "ok"}
    assert second.status == 200 and second.json["answered"] is True


@pytest.mark.parametrize(("exc", "status", "code"), [
    (PayloadTooLarge(), 413, "payload_too_large"),
    (BadRequest(), 400, "bad_request"),
    (DomainError("slot_full"), 409, "slot_full"),
])
def test_error_handler_maps_exceptions_to_the_contract_shape(exc: Exception, status: int,
                                                             code: str) -> None:
    # The server (not ASGI) enforces REQUEST_MAX_SIZE; here the mapping itself is checked.
    response = JsonErrorHandler().default(None, exc)  # type: ignore[arg-type]
    assert response.status == status
    body = json.loads(response.body)
    assert body["error"]["code"] == code and body["error"]["message"]
