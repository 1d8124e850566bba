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

# Literal statements per dialect (the placeholders differ); values are always bound, never formatted.
_TAKE = {
    "sqlite": "UPDATE booking_slot SET booked = booked + ? WHERE id = ? AND booked + ? <= capacity",
    "postgres": "UPDATE booking_slot SET booked = booked + $1 WHERE id = $2 AND booked + $1 <= capacity",
}
_FREE = {
    "sqlite": "UPDATE booking_slot SET booked = booked - ? WHERE id = ?",
    "postgres": "UPDATE booking_slot SET booked = booked - $1 WHERE id = $2",
}


def _dialect(conn: BaseDBAsyncClient) -> str:
    return "sqlite" if conn.capabilities.dialect == "sqlite" else "postgres"


async def take(conn: BaseDBAsyncClient, slot_id: int, places: int) -> bool:
    """Takes ``places`` on the slot inside the caller's transaction; False when they are not left."""
    dialect = _dialect(conn)
    values = [places, slot_id, places] if dialect == "sqlite" else [places, slot_id]
    affected, _ = await conn.execute_query(_TAKE[dialect], values)
    return affected == 1


async def free(conn: BaseDBAsyncClient, slot_id: int, places: int) -> None:
    await conn.execute_query(_FREE[_dialect(conn)], [places, slot_id])
