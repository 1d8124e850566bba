"""The staff console (``/console``) and public content (notices, charity week)."""

from content import public as _public  # noqa: F401 - registers the public routes on bp
from content.routes import bp

__all__ = ["bp"]
