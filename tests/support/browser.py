"""Browser tests: a real `baoshan serve` and Debian's Chromium driven by Playwright.

Playwright's own browser download does not work on these machines, so the tests launch
``/usr/bin/chromium`` (installed by ``.ci/run`` where missing) and are skipped only when it is
absent outside CI. Screenshots go to ``tests/artifacts/screenshots`` for reviewers.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.server import ROOT, Server, free_port, wait_healthy

CHROMIUM = os.environ.get("BAOSHAN_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "tests" / "artifacts" / "screenshots"
PASSWORD = "browser-pass-42"
ROLES = ("admin", "editor", "registrar")


@dataclass
class Site:
    server: Server
    env: dict[str, str]

    @property
    def base(self) -> str:
        return self.server.base

    def cli(self, *args: str, stdin: str = "") -> str:
        """Runs ``baoshan ARGS`` against the site's database; returns its standard output."""
        done = subprocess.run([sys.executable, "-m", "core.cli", *args], input=stdin.encode(),
                              env=self.env, cwd=self.env["BAOSHAN_VAR_DIR"], capture_output=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        return done.stdout.decode()


@pytest.fixture(scope="session")
def site(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One server for every browser test, on its own database of the session's kind."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run should have installed chromium")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from tests.conftest import _pg_database  # the same helper the database fixtures use

    var = tmp_path_factory.mktemp("site")
    with contextlib.ExitStack() as stack:
        if database_url.startswith("postgres"):
            url = stack.enter_context(_pg_database(database_url, "baoshan_browser"))
        else:
            url = f"sqlite://{var / 'site.sqlite3'}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BAOSHAN_", "WECHAT_"))}
        env.update({"BAOSHAN_VAR_DIR": str(var), "BAOSHAN_DATABASE_URL": url,
                    "BAOSHAN_LOG_FORMAT": "json", "PYTHONPATH": str(ROOT),
                    "WECHAT_TOKEN": "browser-token", "WECHAT_APP_ID": "wx0000000000000001",
                    "WECHAT_API_BASE_URL": "http://127.0.0.1:9"})
        port, log = free_port(), var / "serve.log"
        env["BAOSHAN_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
        with log.open("wb") as fh:
            proc = subprocess.Popen([sys.executable, "-m", "core.cli", "serve", "--port", str(port),
                                     "--workers", "1"], cwd=var, env=env, stdout=fh,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        server = Server(proc, port, log)
        try:
            wait_healthy(server, limit=60)
            result = Site(server, env)
            for role in ROLES:
                result.cli("staff", "add", f"b.{role}", "--role", role, stdin=PASSWORD + "\n")
            yield result
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


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


def have_chromium() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None
