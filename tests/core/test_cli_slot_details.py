"""``baoshan slots open`` sets a slot's title, theme, place, age range and gender split (the
contract's syntax is unchanged: the last line printed is the new slot's id alone)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BAOSHAN_VAR_DIR": str(tmp_path), "BAOSHAN_LOG_LEVEL": "WARNING",
           "BAOSHAN_DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}"}
    env.pop("BAOSHAN_ENV", None)
    cmd = [sys.executable, "-m", "core.cli", "slots", "open", "--date", "2026-08-19",
           "--start", "14:00", "--end", "16:30", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


def _row(tmp_path: Path, slot_id: str) -> tuple[object, ...]:
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        row: tuple[object, ...] = conn.execute(
            "SELECT service, capacity, title, theme, place, age_min, age_max, gender_split "
            "FROM booking_slot WHERE id = ?", (int(slot_id),)).fetchone()
    return row


def test_a_youth_event_with_every_detail(tmp_path: Path) -> None:
    out = _run(tmp_path, "--service", "youth_event", "--capacity", "40", "--title", "幸福加油站·七夕交友会",
               "--theme", "七夕", "--place", "示例活动场地", "--age-min", "25", "--age-max", "35",
               "--gender-split")
    assert out.returncode == 0, out.stderr
    slot_id = out.stdout.strip().splitlines()[-1]
    assert slot_id.isdigit()
    assert _row(tmp_path, slot_id) == ("youth_event", 40, "幸福加油站·七夕交友会", "七夕", "示例活动场地",
                                       25, 35, 1)


def test_a_place_for_any_service_and_defaults_left_empty(tmp_path: Path) -> None:
    out = _run(tmp_path, "--service", "charity_event", "--capacity", "30", "--place", "示例活动场地")
    assert out.returncode == 0, out.stderr
    row = _row(tmp_path, out.stdout.strip().splitlines()[-1])
    assert row == ("charity_event", 30, "慈善超市活动", "", "示例活动场地", None, None, 0)
    youth = _run(tmp_path, "--service", "youth_event", "--capacity", "10")
    assert _row(tmp_path, youth.stdout.strip().splitlines()[-1])[5:] == (None, None, 0)


def test_refusals_say_why_and_exit_2(tmp_path: Path) -> None:
    split = _run(tmp_path, "--service", "marriage_registration", "--capacity", "5", "--gender-split")
    assert split.returncode == 2 and "幸福加油站" in split.stderr
    inverted = _run(tmp_path, "--service", "youth_event", "--capacity", "5", "--age-min", "40",
                    "--age-max", "30")
    assert inverted.returncode == 2 and "最大年龄" in inverted.stderr
    long_theme = _run(tmp_path, "--service", "youth_event", "--capacity", "5", "--theme", "主" * 101)
    assert long_theme.returncode == 2 and "主题" in long_theme.stderr
