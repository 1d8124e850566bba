"""The console's name for the audit log, which lives in core (services record inside their
transaction)."""

from core.audit import record

__all__ = ["record"]
