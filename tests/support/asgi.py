"""Drive a Sanic app through the ASGI lifespan protocol, once for many requests.

sanic-testing's ``app.asgi_client`` runs the server start and stop events around *every* request,
which would rebuild the knowledge index (≈1 s of jieba loading) each time; the suite keeps one app
started for the session and sends requests through httpx's ASGI transport instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sanic import Sanic
from sanic.asgi import Lifespan


@asynccontextmanager
async def lifespan(app: Sanic) -> AsyncIterator[Sanic]:
    # Sanic's own Lifespan, not app(...): sanic-testing replaces Sanic.__call__ for the whole
    # class with an entry point that knows no lifespan scope.
    app.asgi = True
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()  # what Lifespan sends
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
    task = asyncio.create_task(Lifespan(app, scope, inbox.get, outbox.put)())
    await inbox.put({"type": "lifespan.startup"})
    getter = asyncio.ensure_future(outbox.get())
    done, _ = await asyncio.wait({getter, task}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if getter not in done:
        getter.cancel()
        if task.done() and task.exception():
            raise RuntimeError("app failed to start") from task.exception()
        task.cancel()
        raise RuntimeError("app did not start within 60 s")
    msg = getter.result()
    if msg["type"] != "lifespan.startup.complete":
        task.cancel()
        raise RuntimeError(f"app failed to start: {msg}")
    try:
        yield app
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task


def client(app: Sanic) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("203.0.113.7", 5000)),
                             base_url="http://testserver")
