"""Several processes book the same slot at once (like several workers or hosts): exactly its
capacity is confirmed, and on SQLite nobody sees "database is locked"."""

from __future__ import annotations

import asyncio
import collections
import json
import sys
from pathlib import Path

import pytest
from sanic import Sanic

from core.models import Booking, MiniappUser, Slot
from core.settings import Settings
from tests.miniapp_api.conftest import make_slot

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


async def test_three_processes_rushing_one_slot_confirm_exactly_its_capacity(
        app: Sanic, migrated: Settings, tmp_path: Path) -> None:
    slot = await make_slot("marriage_registration", 10)
    users = [(await MiniappUser.create(openid=f"mp{i}")).id for i in range(60)]
    procs = []
    for n in range(3):
        chunk = users[n * 20:(n + 1) * 20]
        procs.append(await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.miniapp_api.rush_worker", migrated.database_url,
            str(tmp_path), str(slot.id), str(n * 20 + 1), *map(str, chunk), cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE))
    totals: collections.Counter[str] = collections.Counter()
    for proc in procs:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
        assert proc.returncode == 0, err.decode()
        totals.update(json.loads(out.decode().strip().splitlines()[-1])["codes"])
    assert totals == {"confirmed": 10, "slot_full": 50}, totals
    assert (await Slot.get(id=slot.id)).booked == 10
    assert await Booking.filter(slot_id=slot.id, status="confirmed").count() == 10
