"""The staff console (``/console``) and public content (notices, charity week).

``content.blueprint`` builds the one blueprint (its guard and its error presenter); each page
module registers its routes on it when imported here.
"""

from content import (  # noqa: F401 - imported for the routes they register on bp
    admin,
    bookings,
    charity,
    checkin,
    dashboard,
    exports,
    guides,
    guides_public,
    kb,
    kb_ask,
    kb_review,
    kb_unanswered,
    login,
    notices,
    proxy_sweeping,
    public,
    referrals,
    simulator,
    slot_actions,
    tomb,
    urgent,
)
from content.blueprint import bp

__all__ = ["bp"]
