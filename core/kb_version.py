"""The knowledge base's version stamp (``setting.kb_version``): every worker polls it and rebuilds
its index when it moves. Apart from ``core.kb`` so that settings, which answers embed (contacts),
can move it inside their own transaction without importing the knowledge service."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.models import Setting

KB_VERSION_KEY = "kb_version"


async def bump_version(conn: BaseDBAsyncClient | None = None) -> int:
    """Moves the stamp; with ``conn``, inside the caller's transaction (it lands with the change)."""
    if conn is None:
        async with in_transaction() as own:
            return await bump_version(own)
    row = await Setting.get_or_none(key=KB_VERSION_KEY, using_db=conn)
    version = int((row.value or {}).get("v", 0)) + 1 if row else 1
    await Setting.update_or_create(key=KB_VERSION_KEY, defaults={"value": {"v": version}},
                                   using_db=conn)
    return version


async def current_version() -> int:
    row = await Setting.get_or_none(key=KB_VERSION_KEY)
    return int((row.value or {}).get("v", 0)) if row else 0
