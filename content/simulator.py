"""Console: a chat simulator that sends what staff type through the real WeChat callback."""

from __future__ import annotations

from content.routes import bp  # noqa: F401
