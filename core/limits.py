"""Request body limits per route, applied before a single byte of the body is read.

Sanic reads (buffers) a non-streaming route's whole body in ``handle_request`` right after routing
and before any middleware, so a limit checked in middleware or a handler comes too late: 30
anonymous 7.5 MB POSTs once cost a worker 340 MB. Two hooks sit between routing and that read:

- ``http.routing.before`` (the route is not known yet, or there is none: 404/405) puts the small
  API limit on the connection's reader, so even an unknown path never drains more than that;
- ``http.routing.after`` (the route is known) refuses at once when Content-Length exceeds the
  route's limit — nothing read, no ``100 Continue`` sent — and otherwise puts that limit on the
  reader, which Sanic checks after every chunk of a chunked body (``Http.read``). Either way the
  answer is Sanic's PayloadTooLarge: 413 ``payload_too_large`` in the contract's JSON shape, and
  the console's own handler turns it into its HTML page.

A route states its limit as ``ctx_body_limit=N`` on its decorator; without one, console routes get
``CONSOLE_FORM`` and everything else ``API_BODY``. A route with a large limit may also name
``ctx_body_gate``: an async check of the request head (e.g. "is this a signed-in editor?") that
must pass before more than the path's default is accepted, so large bodies are only ever buffered
for someone entitled to send them. ``REQUEST_MAX_SIZE`` (the server-wide ceiling) is ``LARGEST``.

Only Sanic's own HTTP/1 server enforces the chunked case; the ASGI adapter (tests) has no reader
limit, so there only the Content-Length check applies.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

from sanic import Request, Sanic
from sanic.exceptions import PayloadTooLarge

from core.guide_video import VIDEO_MAX_BYTES
from core.notices import COVER_MAX_BYTES

KB = 1024
# Mini-program JSON, knowledge search, the WeChat callback (which also checks its own 64 KB).
API_BODY = 64 * KB
# Console forms: a knowledge entry or notice text is at most tens of thousands of characters.
CONSOLE_FORM = 256 * KB
# The notice editor: one cover image, sent as a file or — after a form error — re-posted base64
# encoded in a hidden field (4/3 of its size), plus the form's text fields.
UPLOAD = math.ceil(COVER_MAX_BYTES * 4 / 3) + CONSOLE_FORM
# --- guides ---
# A step's 网办小视频 (≤ 20 MB MP4) on its own console route, from a signed-in editor only (its
# gate): every other route keeps its own limit, so only this one route takes the larger body.
VIDEO_UPLOAD = VIDEO_MAX_BYTES + CONSOLE_FORM
# --- proxy --- marking a proxy sweep done: up to six photos of at most 2 MB each, as files.
PROXY_PHOTOS = 6 * 2 * 1024 * KB + CONSOLE_FORM
LARGEST = max(UPLOAD, VIDEO_UPLOAD, PROXY_PHOTOS)

BodyGate = Callable[[Request], Awaitable[bool]]


def default_limit(path: str) -> int:
    return CONSOLE_FORM if path == "/console" or path.startswith("/console/") else API_BODY


def declared_limit(route: Any) -> int | None:
    limit = getattr(route.ctx, "body_limit", None)
    return limit if isinstance(limit, int) and limit > 0 else None


def content_length(request: Request) -> int | None:
    """The declared body size, or None (chunked, or none given). A malformed value is left to
    Sanic, which answers 400 when it prepares to read the body."""
    raw = request.headers.get("content-length")
    if raw is None or not raw.isdigit():
        return None
    return int(raw)


def _set_reader_limit(request: Request, limit: int) -> None:
    stream = request.stream
    # Sanic's HTTP/1 reader enforces request_max_size per chunk; the ASGI adapter has none.
    if stream is not None and hasattr(stream, "request_max_size"):
        stream.request_max_size = limit


async def limit_for(request: Request, route: Any) -> int:
    base = default_limit(request.path)
    declared = declared_limit(route)
    if declared is None or declared <= base:
        return declared or base
    gate: BodyGate | None = getattr(route.ctx, "body_gate", None)
    if gate is None:
        return declared
    size = content_length(request)
    if size is not None and size <= base:
        return base  # small enough for anyone: no need to ask the gate
    return declared if await gate(request) else base


def install(app: Sanic[Any, Any]) -> None:
    @app.signal("http.routing.before")
    async def cap_unrouted(request: Request, **_: Any) -> None:
        # Covers 404/405 too: their bodies are drained after the answer, never beyond this.
        _set_reader_limit(request, API_BODY)

    @app.signal("http.routing.after")
    async def cap_routed(request: Request, route: Any, **_: Any) -> None:
        if not request.stream or not getattr(request.stream, "request_body", None):
            return  # no body to read
        limit = await limit_for(request, route)
        size = content_length(request)
        if size is not None and size > limit:
            # Refused from the head: the body is never read (the connection is closed after).
            raise PayloadTooLarge("Request body exceeds the size limit")
        _set_reader_limit(request, limit)
