"""The services list says what the knowledge base says: one source of truth for what to bring."""

from __future__ import annotations

import httpx

from knowledge.entries import load_dir
from knowledge.facts import MARRIAGE_MATERIALS, MARRIAGE_MATERIALS_ENTRY

API = "/api/v1/miniapp"


async def test_marriage_registration_needs_only_the_id_card_as_the_kb_says(
        client: httpx.AsyncClient) -> None:
    services = {s["code"]: s for s in (await client.get(f"{API}/services")).json()["services"]}
    description = services["marriage_registration"]["description"]
    # Since 2025-05-10 the household register is no longer asked for (《婚姻登记条例》2025年修订).
    assert "户口" not in description
    assert MARRIAGE_MATERIALS in description and "身份证" in description
    # ... and the entry residents are answered from states the same fact in the same words.
    entry = next(e for e in load_dir() if e.id == MARRIAGE_MATERIALS_ENTRY)
    assert MARRIAGE_MATERIALS in entry.answer and "不再需要户口簿" in entry.answer


async def test_no_service_description_asks_for_the_household_register(
        client: httpx.AsyncClient) -> None:
    services = (await client.get(f"{API}/services")).json()["services"]
    assert [s["code"] for s in services if "户口" in s.get("description", "")] == []
