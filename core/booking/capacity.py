"""Taking and freeing places. THE LOCKING RULE, for everyone who touches ``booking_slot.booked``:

Taking a place is one conditional UPDATE,
``UPDATE booking_slot SET booked = booked + n WHERE id = ? AND booked + n <= capacity``,
run as the *first* statement of the booking's transaction, and the rows it affected tell whether
we got the place (1) or none is left (0). Never read ``booked`` and then save: that overbooks
(measured: 200 of 200 "succeeded" on a slot of 10). On PostgreSQL the UPDATE's row lock makes
concurrent takers queue on the row and re-check the condition; on SQLite the first write takes the
database's write lock, and because nothing was read before it the transaction never has to upgrade
a read lock (which is what fails with "database is locked"). ``select_for_update`` is ignored by
SQLite, so it is not used.

Freeing a place needs no lock: ``booked = booked - n`` is a single atomic statement.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from core import sql

_TAKE = "UPDATE booking_slot SET booked = booked + ? WHERE id = ? AND booked + ? <= capacity"
_FREE = "UPDATE booking_slot SET booked = booked - ? WHERE id = ?"


async def take(conn: BaseDBAsyncClient, slot_id: int, places: int) -> bool:
    """Takes ``places`` on the slot inside the caller's transaction; False when they are not left."""
    return await sql.execute(_TAKE, [places, slot_id, places], conn) == 1


async def free(conn: BaseDBAsyncClient, slot_id: int, places: int) -> None:
    await sql.execute(_FREE, [places, slot_id], conn)
