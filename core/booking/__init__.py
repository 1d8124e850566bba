"""Booking rules (pure) and the booking service (ORM, one short transaction per change)."""

from core.booking.errors import BookingError

__all__ = ["BookingError"]
