"""The one outbound HTTP client: WeChat's API, with its secrets kept out of every log line.

WeChat puts credentials in the query string (``secret=`` on jscode2session, ``access_token=`` on
every send), and httpx logs full URLs at INFO. httpx's own request logging is therefore silenced
(core.logs) and outbound calls are logged here with every query value redacted.
"""

from __future__ import annotations

import logging
import time

import httpx

log = logging.getLogger("baoshan.outbound")
# Outbound calls (WeChat) must answer well inside WeChat's own 5 s budget.
OUTBOUND_TIMEOUT = httpx.Timeout(4.0, connect=2.0)


def redact(url: httpx.URL) -> str:
    """scheme://host/path?key=*** — the keys say which call it was; no value is kept."""
    query = "&".join(f"{key}=***" for key in dict.fromkeys(k for k, _ in url.params.multi_items()))
    base = f"{url.scheme}://{url.host}{f':{url.port}' if url.port else ''}{url.path}"
    return f"{base}?{query}" if query else base


async def _started(request: httpx.Request) -> None:
    request.extensions["baoshan_started"] = time.perf_counter()


async def _finished(response: httpx.Response) -> None:
    request = response.request
    started = request.extensions.get("baoshan_started")
    elapsed = (time.perf_counter() - started) * 1000 if isinstance(started, float) else 0.0
    log.info("outbound %s %s %s", request.method, redact(request.url), response.status_code,
             extra={"ms": round(elapsed, 1)})


def client(timeout: httpx.Timeout = OUTBOUND_TIMEOUT,
           transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=timeout, transport=transport, trust_env=False,
                             event_hooks={"request": [_started], "response": [_finished]})
