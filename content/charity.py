"""Console and public pages for the 上海慈善周 charity-week campaign."""

from __future__ import annotations

from content.routes import bp  # noqa: F401
