"""Console: settings (welcome message, contacts, holidays), staff accounts and the audit log."""

from __future__ import annotations

from content.routes import bp  # noqa: F401
