"""The application's state, typed: what every handler, listener and job reads from ``app.ctx``.

One ``AppContext`` per app (``Sanic(name, ctx=AppContext(settings))``, built by core.app). The
cheap, pure parts are made with it; the resources (HTTP client, knowledge index, batchers) are
made in ``before_server_start`` by core.lifecycle and closed after the server stops, so nothing
holds a connection, a task or an event-loop queue at module level.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sanic import Request, Sanic

from core.batch import Batched
from core.booking.fullness import FullSlots
from core.booking.reads import BookingReads
from core.conversation import Conversations
from core.crypto import FieldCipher
from core.flows import FlowStore
from core.health import Pinger
from core.ratelimit import RateLimits
from core.sessions import SessionRow
from core.settings import Settings

if TYPE_CHECKING:  # both are heavy to import and only made in before_server_start
    import httpx

    from core.kb import KnowledgeService
    from core.wechat import WechatClient


def utc_now() -> datetime:
    """The real clock; a test injects another through ``AppContext.clock``."""
    return datetime.now(UTC)


@dataclass(eq=False)
class AppContext:
    settings: Settings
    # Every "now" of a request or a job comes from here: a test moves time by replacing it.
    clock: Callable[[], datetime] = utc_now
    # This worker's memory of full slots and its per-slot turns (core.booking.fullness): shared by
    # the mini-program, which books, and the console, which frees places by raising capacity.
    full_slots: FullSlots = field(default_factory=FullSlots)
    # At most one database ping in flight (core.health).
    db_pinger: Pinger = field(default_factory=Pinger)
    # The WeChat client (both app ids, one token authority), on the app's HTTP client.
    wechat: WechatClient = field(init=False)
    # Made in before_server_start (core.lifecycle); reading one before then is a bug, and raises.
    http: httpx.AsyncClient = field(init=False)
    kb: KnowledgeService = field(init=False)
    booking_reads: BookingReads = field(init=False)
    rate_limits: RateLimits = field(init=False)
    sessions: Batched[str, SessionRow | None] = field(init=False)
    # The residents' conversation state in the database (core.conversation): its two batchers.
    conversations: Conversations = field(init=False)
    # Lifecycle bookkeeping: sanic-testing runs the server events around every request.
    resources_open: bool = False
    jobs: list[asyncio.Task[None]] = field(default_factory=list)
    # Periodic work a face adds (core.lifecycle.add_job), started beside the core jobs.
    extra_jobs: list[Job] = field(default_factory=list)
    cipher: FieldCipher = field(init=False)
    # Guided flows' state (core.flows: the 政策找人 self-check), answers under the cipher above.
    flows: FlowStore = field(init=False)
    # The bot's late answers (bot/late.py): its outbox, the sweeper that delivers what a stopped
    # worker owed, and deliveries from memory still in flight. The outbox is typed loosely because
    # core imports no face; bot.late.outbox_of gives it back typed.
    bot_outbox: Any = None
    bot_outbox_sweeper: asyncio.Task[None] | None = None
    bot_late: set[asyncio.Task[bool]] = field(default_factory=set)
    # The bot's per-message writes, batched (core.batch): claiming a message (key, openid, request,
    # lease → claimed here) and settling it with its passive reply (key, reply → rows settled).
    # Typed in core terms and made by the bot itself (bot.service.open_batchers, a listener of its
    # blueprint), as the statements they run are the bot's.
    bot_claims: Batched[tuple[str, str, str, datetime], bool] = field(init=False)
    bot_done: Batched[tuple[str, str], int] = field(init=False)

    def __post_init__(self) -> None:
        # Derived from the secret key once per app (two HKDF derivations), used by every booking.
        self.cipher = FieldCipher(self.settings.secret_key)
        self.flows = FlowStore(self.cipher)


Job = Callable[[AppContext], Coroutine[Any, Any, None]]
App = Sanic[Any, AppContext]


def of_app(app: Sanic[Any, Any]) -> AppContext:
    """``app.ctx``, typed."""
    ctx = app.ctx
    if not isinstance(ctx, AppContext):
        raise TypeError(f"app {app.name!r} was not built by core.app.create_app")
    return ctx


def app_context(request: Request) -> AppContext:
    """``request.app.ctx``, typed."""
    return of_app(request.app)
