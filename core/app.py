"""The one wiring point: ``create_app(settings)`` builds the whole service."""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable
from typing import Any, cast

from sanic import Blueprint, Request, Sanic
from sanic.blueprint_group import BlueprintGroup
from sanic.response import HTTPResponse, json
from sanic_ext import Extend, openapi

from core import health, http, lifecycle, limits
from core.context import App, AppContext
from core.errors import JsonErrorHandler
from core.logs import configure_logging
from core.settings import Settings

log = logging.getLogger("baoshan.app")

APP_NAME = "baoshan"
# The faces, wired by name: core depends on none of them (each depends on core), so none is
# imported here by ``import``/``from``, which the layering test (tests/core/test_layering.py)
# would refuse. Each face's ``__init__`` exports ``bp``, one blueprint or group.
FACES = ("bot", "miniapp_api", "content")


def _env_seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


def create_app(settings: Settings) -> App:
    configure_logging(settings.log_level, settings.log_format)
    app = Sanic(APP_NAME, ctx=AppContext(settings), error_handler=JsonErrorHandler(),
                configure_logging=False)
    app.config.update(
        # The server-wide ceiling; each route has its own, smaller limit (core.limits).
        REQUEST_MAX_SIZE=limits.LARGEST,
        ACCESS_LOG=False,
        FALLBACK_ERROR_FORMAT="json",
        KEEP_ALIVE_TIMEOUT=15,
        # A total deadline for receiving each request's head and body (core.protocol), not a
        # per-byte one. Sanic's own SANIC_REQUEST_TIMEOUT may shorten it (tests, a proxy's needs).
        REQUEST_TIMEOUT=_env_seconds("SANIC_REQUEST_TIMEOUT", 30.0),
        RESPONSE_TIMEOUT=30,
        OAS_URL_PREFIX="/docs",
        OAS_UI_DEFAULT="swagger" if settings.docs_enabled else None,
        OAS_UI_REDOC=False,
        OAS_URI_TO_JSON="/openapi.json",
        # Behind the documented reverse proxy the client address is taken from the proxy's
        # X-Forwarded-For (that many hops from the right); with 0 the header is ignored, so a
        # direct client cannot spoof its way into another rate-limit bucket.
        PROXIES_COUNT=settings.proxies_count,
        REAL_IP_HEADER=None,
    )
    # sanic-ext's automatic HEAD/OPTIONS handlers re-finalise the router once per route at
    # start-up (1.2 s per worker); HEAD is added while building instead (core.http), and nothing
    # here is called cross-origin, so OPTIONS and CORS stay off.
    # The Swagger UI page loads its script from a CDN: served only where BAOSHAN_DOCS allows
    # (off in production by default); /openapi.json itself is always there.
    Extend(app, config={"http_auto_head": False, "http_auto_options": False, "cors": False,
                        "oas": settings.docs_enabled})
    app.ext.openapi.describe(
        "宝山民政 API",
        version="1.0",
        description="宝山区民政局：公众号回调、小程序预约、知识库查询与工作人员后台。",
    )
    http.install(app)
    limits.install(app)
    _wire_blueprints(app)
    http.add_head_routes(app)
    lifecycle.install(app)

    @app.get("/openapi.json")
    @openapi.exclude()
    async def openapi_document(request: Request) -> HTTPResponse:
        from sanic_ext.extensions.openapi.builders import SpecificationBuilder

        spec = SpecificationBuilder().build(request.app)
        # sanic-ext leaves Definition.serialize unannotated; it returns the document as a dict.
        serialize = cast(Callable[[], dict[str, Any]], spec.serialize)
        return json(serialize())

    return app


def _wire_blueprints(app: App) -> None:
    app.blueprint(health.bp)
    for name in FACES:
        face: Blueprint | BlueprintGroup = importlib.import_module(name).bp
        app.blueprint(face)
