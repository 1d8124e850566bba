"""The mini-program session lookup every signed-in request makes, batched (see core.batch).

In core, not in the face, because the batcher is one of the app's resources (``AppContext``),
which core builds; the face only asks it (miniapp_api.common.current_user).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.batch import Batched, fetch_in

SessionRow = dict[str, Any]


async def _sessions(hashes: Sequence[str], conn: BaseDBAsyncClient) -> list[SessionRow | None]:
    # On every request, so hand-written and batched; the expiry is compared by the caller because
    # SQLite keeps timestamps as text.
    rows = await fetch_in("SELECT id, user_id, expires_at, token_hash FROM miniapp_session "
                          "WHERE revoked = ? AND token_hash IN", hashes, conn, before=[False])
    by_hash = {row["token_hash"]: row for row in rows}
    return [by_hash.get(h) for h in hashes]


def session_lookup() -> Batched[str, SessionRow | None]:
    """A fresh batcher: token hash → the live session's row (or None)."""
    return Batched("session", _sessions)
