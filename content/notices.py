"""Console: notices (Markdown editor, preview, cover image, draft → scheduled → published → archived)."""

from __future__ import annotations

from content.routes import bp  # noqa: F401
