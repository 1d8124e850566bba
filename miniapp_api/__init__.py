"""The mini-program API under ``/api/v1/miniapp``."""

from miniapp_api.routes import bp

__all__ = ["bp"]
