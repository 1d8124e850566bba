"""The booking service's errors: a DomainError whose code the faces present."""

from __future__ import annotations

from core.errors import DomainError


class BookingError(DomainError):
    """``detail`` is a Chinese explanation for invalid_input (which rule on which field); it
    travels as the ``detail`` param, which every presenter shows as the message. Other keyword
    arguments are params (``opens_at`` of not_open, ``booking_id`` of duplicate_booking, …)."""

    def __init__(self, code: str, *, field: str | None = None, detail: str | None = None,
                 **extra: object) -> None:
        super().__init__(code, field=field,
                         params={**extra, "detail": detail} if detail is not None else extra)
        self.detail = detail
        self.extra = self.params
        if detail is not None:
            self.args = (f"{code}: {detail}",)
