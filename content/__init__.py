"""The staff console (``/console``) and public content (notices, charity week)."""

from content.routes import bp

__all__ = ["bp"]
