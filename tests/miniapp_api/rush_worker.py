"""Run by test_multiprocess: one process booking many couples at once through core.booking.

    python -m tests.miniapp_api.rush_worker DATABASE_URL VAR_DIR SLOT_ID FIRST_SEQ USER_ID...
Prints one JSON object: {"codes": {"confirmed": n, "<error code>": n, ...}}.
"""

from __future__ import annotations

import asyncio
import collections
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from core import db
from core.booking import BookingError, service
from core.booking.commands import Book
from core.crypto import FieldCipher
from tests.conftest import make_settings
from tests.miniapp_api.conftest import couple


async def main(argv: list[str]) -> dict[str, int]:
    url, var_dir, slot_id, first = argv[0], Path(argv[1]), int(argv[2]), int(argv[3])
    users = [int(u) for u in argv[4:]]
    settings = make_settings(url, var_dir)
    cipher = FieldCipher(settings.secret_key)
    await db.init_orm(settings)
    outcomes: collections.Counter[str] = collections.Counter()

    async def one(i: int, user_id: int) -> None:
        try:
            await service.book(cipher, Book.from_body(couple(slot_id, seq=first + i), user_id=user_id),
                               now=datetime.now(UTC))
            outcomes["confirmed"] += 1
        except BookingError as exc:
            outcomes[exc.code] += 1
        except Exception as exc:  # reported, so the test shows what went wrong
            outcomes[f"{type(exc).__name__}: {exc}"] += 1

    try:
        await asyncio.gather(*[one(i, u) for i, u in enumerate(users)])
    finally:
        await db.close_orm()
    return dict(outcomes)


if __name__ == "__main__":
    print(json.dumps({"codes": asyncio.run(main(sys.argv[1:]))}))
