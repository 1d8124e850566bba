"""The staff console (``/console``) and public content (notices, charity week).

Each module registers its routes on the one blueprint, ``content.routes.bp``.
"""

from content import (  # noqa: F401 - imported for the routes they register on bp
    admin,
    bookings,
    charity,
    dashboard,
    kb,
    kb_review,
    notices,
    public,
    simulator,
    urgent,
)
from content.routes import bp

__all__ = ["bp"]
