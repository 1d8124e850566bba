"""Console: the knowledge base — list, search, edit, the live ask box and unanswered questions."""

from __future__ import annotations

from content.routes import bp  # noqa: F401
