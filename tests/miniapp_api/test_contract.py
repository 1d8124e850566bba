"""The contract's command and the OpenAPI description of the mini-program API."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx


def test_slots_open_prints_the_new_id_last(tmp_path: Path) -> None:
    env = {**os.environ, "BAOSHAN_VAR_DIR": str(tmp_path), "BAOSHAN_LOG_LEVEL": "WARNING",
           "BAOSHAN_DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}"}
    env.pop("BAOSHAN_ENV", None)
    cmd = [sys.executable, "-m", "core.cli", "slots", "open", "--service", "collective_ceremony",
           "--date", "2026-05-20", "--start", "09:30", "--end", "11:00", "--capacity", "52",
           "--title", "5·20 集体颁证"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=True)
    slot_id = out.stdout.strip().splitlines()[-1]
    assert slot_id.isdigit()
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        row = conn.execute("SELECT service, capacity, booked, title, starts_at FROM booking_slot "
                           "WHERE id = ?", (int(slot_id),)).fetchone()
    assert row[:4] == ("collective_ceremony", 52, 0, "5·20 集体颁证")
    assert row[4].startswith("2026-05-20 01:30:00")  # stored in UTC
    bad = subprocess.run([*cmd[:6], "nope", *cmd[7:]], env=env, capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and "服务代码" in bad.stderr


async def test_openapi_describes_every_miniapp_endpoint(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    expected = {
        ("/api/v1/miniapp/session", "post"), ("/api/v1/miniapp/services", "get"),
        ("/api/v1/miniapp/slots", "get"), ("/api/v1/miniapp/bookings", "post"),
        ("/api/v1/miniapp/bookings", "get"), ("/api/v1/miniapp/bookings/{booking_id}/cancel", "post"),
        ("/api/v1/miniapp/bookings/{booking_id}/reschedule", "post"),
        ("/api/v1/miniapp/bookings/{booking_id}/ics", "get"), ("/api/v1/miniapp/waitlist", "post"),
        ("/api/v1/miniapp/subscriptions", "post"),
    }
    for path, method in expected:
        op = paths[path][method]
        assert op.get("summary"), (path, method)
        assert op["responses"], (path, method)
    booking = paths["/api/v1/miniapp/bookings"]["post"]
    assert {"201", "409", "422", "401", "429"} <= set(booking["responses"])
    assert "slot_full" in booking["responses"]["409"]["description"]
    assert "requestBody" in booking
