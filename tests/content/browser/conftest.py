"""Fixtures for the console's browser tests (see tests/support/browser.py)."""

from tests.support.browser import browser, page_as, site  # noqa: F401 - pytest fixtures
