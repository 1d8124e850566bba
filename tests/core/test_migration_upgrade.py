"""An installation that already has data upgrades to the newest schema without losing it.

A migration that adds a NOT NULL column with only a Python-side default works on the empty test
database and fails on a live one with rows in the table; so here the database is first migrated to
an older state, filled with one row per table that later migrations alter, then upgraded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tortoise import Tortoise
from tortoise.migrations.api import migrate

from core import db
from tests.conftest import make_settings

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


async def _execute(sql: str, values: list[object]) -> None:
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "postgres":
        for i in range(len(values)):
            sql = sql.replace("?", f"${i + 1}", 1)
    await conn.execute_query(sql, values)


async def test_a_populated_0004_database_upgrades_to_the_newest_schema(
        scratch_database_url: str, tmp_path: Path) -> None:
    settings = make_settings(scratch_database_url, tmp_path)
    config = db.tortoise_config(settings, timeouts=False)
    await migrate(config=config, target="core.0004_notices")
    try:
        await _execute("INSERT INTO booking_slot (service, title, starts_at, ends_at, capacity, booked,"
                       " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       ["marriage_registration", "结婚登记", NOW, NOW, 10, 0, NOW])
        await _execute("INSERT INTO miniapp_user (openid, created_at) VALUES (?, ?)", ["o-1", NOW])
        await _execute("INSERT INTO booking (user_id, slot_id, service, status, code, party_size,"
                       " personal_enc, masked, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [1, 1, "marriage_registration", "confirmed", "ABC123", 1, "x", "{}", NOW])
        await _execute("INSERT INTO content_notice (title, summary, body, status, author, created_at,"
                       " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       ["通知", "", "正文", "published", "editor", NOW, NOW])
    finally:
        await Tortoise.close_connections()

    applied = await db.upgrade(settings)
    assert applied and applied[0] == "core.0005_console"
    assert await db.pending_migrations(settings) == []

    await db.init_orm(settings)
    try:
        from core.models import Booking, Notice, Slot

        slot = await Slot.get(id=1)
        assert (slot.title, slot.capacity, slot.closed_reason, slot.theme, slot.place) \
            == ("结婚登记", 10, "", "", "")
        assert slot.closed_at is None and slot.gender_split is False
        booking = await Booking.get(code="ABC123")
        assert booking.no_show_at is None and booking.slot_id == 1
        notice = await Notice.get(title="通知")
        assert (notice.body, notice.body_html, notice.cover_type) == ("正文", "", "")
    finally:
        await db.close_orm()
