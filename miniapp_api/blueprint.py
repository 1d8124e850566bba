"""The one blueprint every mini-program module registers its routes on."""

from __future__ import annotations

from sanic import Blueprint, Request

from miniapp_api.common import limit_address

bp = Blueprint("miniapp", url_prefix="/api/v1/miniapp")


@bp.on_request
async def per_address_limit(request: Request) -> None:
    # Every mini-program request counts against its address (0 turns this off for load tests).
    await limit_address(request)
