"""The answer form lists every contact placeholder the renderer fills, with what it stands for."""

from __future__ import annotations

import html

from knowledge.render import CONTACT_LABELS, DEFAULT_CONTACTS
from tests.content.conftest import ConsoleFactory


async def test_the_answer_help_lists_every_contact_placeholder(console: ConsoleFactory) -> None:
    editor = await console("editor")
    r = await editor.get("/console/kb/new")
    assert r.status_code == 200
    page = html.unescape(r.text)
    assert set(CONTACT_LABELS) == set(DEFAULT_CONTACTS)
    for key, label in CONTACT_LABELS.items():
        assert f"<code>${{{key}}}</code> {label}" in page, key
