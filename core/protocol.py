"""A total deadline for receiving each request, for ``app.prepare(protocol=DeadlineProtocol)``.

Sanic's REQUEST_TIMEOUT counts from the *last byte received* (``data_received`` resets the clock),
so a client trickling one byte every few seconds holds a connection — and, for a body, a buffer
and a task — forever. And once the head is parsed the stage is HANDLER, where only the response
timeout applies, again measured from the last byte. Here the clock starts at the first byte of a
request (when Sanic starts parsing its head) and is never reset: a request whose head and body
have not both arrived REQUEST_TIMEOUT seconds later is answered 408 and the connection closed.

One timer per request, armed when its head starts and checked once when it fires; a request that
has arrived by then is left alone (handler time is RESPONSE_TIMEOUT's business, as before).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

from sanic.exceptions import BadRequest, RequestTimeout
from sanic.http import Http, Stage
from sanic.server.protocols.http_protocol import HttpProtocol

log = logging.getLogger("baoshan.http")


class DeadlineHttp(Http):
    __slots__ = ()

    async def http1_request_header(self) -> None:
        # Called once the first byte of a request is buffered (or at once, for a pipelined one).
        protocol = cast(DeadlineProtocol, self.protocol)
        protocol.arm_deadline(self)
        # Sanic leaves http1_request_header unannotated; it is a coroutine method returning None.
        read_header = cast(Callable[[], Awaitable[None]], super().http1_request_header)
        await read_header()

    async def read(self) -> bytes | None:
        # After the 408, Sanic drains what is left of the body to keep the connection usable;
        # from a client past its deadline that would be the same trickle again. Sanic's drain
        # treats BadRequest as "drop the connection".
        protocol = cast(DeadlineProtocol, self.protocol)
        if protocol.expired:
            self.keep_alive = False
            raise BadRequest("Request Timeout")
        return await super().read()


def still_receiving(http: Http) -> bool:
    """Head not yet complete, or body not yet read to its end (``request_body`` goes falsy)."""
    return http.stage is Stage.REQUEST or bool(http.request_body)


class DeadlineProtocol(HttpProtocol):
    HTTP_CLASS = DeadlineHttp
    __slots__ = ("_deadline", "expired")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._deadline: asyncio.TimerHandle | None = None
        self.expired = False  # the current request missed its deadline
        super().__init__(*args, **kwargs)

    def arm_deadline(self, http: Http) -> None:
        self._disarm()
        self.expired = False
        self._deadline = self.loop.call_later(self.request_timeout, self._deadline_passed, http)

    def _deadline_passed(self, http: Http) -> None:
        self._deadline = None
        # A later request on this connection re-arms; a finished one needs nothing.
        if self._http is not http or self._task is None or not still_receiving(http):
            return
        log.info("request not received within the deadline; closing",
                 extra={"seconds": self.request_timeout, "stage": http.stage.name})
        # As Sanic's own timeout does: the connection task answers 408 (if it still can) and
        # closes the connection, since a timed-out request is never kept alive.
        self.expired = True
        http.exception = RequestTimeout("Request Timeout")
        self._task.cancel("request deadline")

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def close(self, timeout: float | None = None) -> None:
        self._disarm()
        super().close(timeout=timeout)
