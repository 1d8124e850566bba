"""Console: slots in bulk, capacity, closing, per-slot booking lists, check-in, no-shows, exports."""

from __future__ import annotations

from content.routes import bp  # noqa: F401
