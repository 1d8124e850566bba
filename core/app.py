"""The one wiring point: ``create_app(settings)`` builds the whole service."""

from __future__ import annotations

import logging
import os

from sanic import Request, Sanic
from sanic.response import HTTPResponse, json
from sanic_ext import Extend, openapi

from core import db, health, http, limits, outbound
from core.booking.fullness import FullSlots
from core.errors import JsonErrorHandler
from core.logs import configure_logging
from core.settings import Settings

log = logging.getLogger("baoshan.app")

APP_NAME = "baoshan"


def _env_seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


def create_app(settings: Settings) -> Sanic:
    configure_logging(settings.log_level, settings.log_format)
    app = Sanic(APP_NAME, error_handler=JsonErrorHandler(), configure_logging=False)
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
    app.ctx.settings = settings
    # This worker's memory of full slots and its per-slot turns (core.booking.fullness): shared by
    # the mini-program, which books, and the console, which frees places by raising capacity.
    app.ctx.full_slots = FullSlots()
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
    _install_lifecycle(app)

    @app.get("/openapi.json")
    @openapi.exclude()
    async def openapi_document(request: Request) -> HTTPResponse:
        from sanic_ext.extensions.openapi.builders import SpecificationBuilder

        return json(SpecificationBuilder().build(request.app).serialize())

    return app


def _wire_blueprints(app: Sanic) -> None:
    from bot import bp as bot_bp
    from content import bp as content_bp
    from knowledge.http import bp as knowledge_bp
    from miniapp_api import bp as miniapp_bp

    for bp in (health.bp, knowledge_bp, bot_bp, miniapp_bp, content_bp):
        app.blueprint(bp)


def _install_lifecycle(app: Sanic) -> None:
    from core.kb import KnowledgeService
    from core.wechat import WechatClient

    @app.before_server_start
    async def open_resources(app: Sanic) -> None:
        # Re-entrant: sanic-testing's ASGI client runs the server events around every request.
        if getattr(app.ctx, "resources_open", False):
            return
        settings: Settings = app.ctx.settings
        await db.init_orm(settings)
        app.ctx.http = outbound.client()
        # The one WeChat client (both app ids, one token authority) on the app's HTTP client.
        app.ctx.wechat = WechatClient.from_settings(settings, app.ctx.http)
        app.ctx.kb = KnowledgeService(settings)
        await app.ctx.kb.start()
        # Serve only once the index is built: loading jieba's dictionary holds the GIL for long
        # stretches, and requests taken meanwhile would stall behind it.
        await app.ctx.kb.wait_ready(30.0)
        app.ctx.resources_open = True
        log.info("worker ready", extra={"database": "sqlite" if settings.is_sqlite else "postgres"})

    @app.after_server_stop
    async def close_resources(app: Sanic) -> None:
        if not getattr(app.ctx, "resources_open", False):
            return
        app.ctx.resources_open = False
        await app.ctx.kb.stop()
        await app.ctx.http.aclose()
        await db.close_orm()
