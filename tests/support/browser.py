"""Browser tests: a real `baoshan serve` and Debian's Chromium driven by Playwright.

Playwright's own browser download does not work on these machines, so the tests launch
``/usr/bin/chromium`` (installed by ``.ci/run`` where missing) and are skipped only when it is
absent outside CI. Screenshots go to ``tests/artifacts/screenshots`` for reviewers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.server import ROOT, Site, running_site

CHROMIUM = os.environ.get("BAOSHAN_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "tests" / "artifacts" / "screenshots"
PASSWORD = "browser-pass-42"
ROLES = ("admin", "editor", "registrar")


@pytest.fixture(scope="session")
def site(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One server for every browser test, on its own database of the session's kind."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run should have installed chromium")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with running_site(database_url, tmp_path_factory.mktemp("site"), "baoshan_browser",
                      WECHAT_TOKEN="browser-token", WECHAT_APP_ID="wx0000000000000001",
                      BAOSHAN_PUBLIC_BASE_URL="http://127.0.0.1:{port}") as result:
        for role in ROLES:
            result.cli("staff", "add", f"b.{role}", "--role", role, stdin=PASSWORD + "\n")
        yield result


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[object]:
    # Module-scoped: while Playwright's sync API is open its event loop counts as running, and
    # pytest-asyncio cannot start another; the browser tests also run last (tests/conftest.py).
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page_as(site: Site, browser: object) -> Iterator[Callable[[str], object]]:
    """``page_as("editor")`` → a Playwright page logged in to the console with that role."""
    contexts: list[object] = []

    def login(role: str) -> object:
        context = browser.new_context(base_url=site.base, locale="zh-CN",  # type: ignore[attr-defined]
                                      viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto("/console/login")
        page.fill("input[name=username]", f"b.{role}")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/console/$"))
        return page

    yield login
    for context in contexts:
        context.close()  # type: ignore[attr-defined]


def shot(page: object, name: str) -> Path:
    """Saves a full-page screenshot for reviewers and returns its path."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
