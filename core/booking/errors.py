"""The one exception the booking service raises; adapters map ``code`` to HTTP or text."""

from __future__ import annotations


class BookingError(Exception):
    def __init__(self, code: str, *, field: str | None = None, detail: str | None = None,
                 **extra: object) -> None:
        super().__init__(code if detail is None else f"{code}: {detail}")
        self.code = code
        self.field = field
        # ``detail`` is a Chinese explanation for invalid_input (which rule on which field).
        self.detail = detail
        self.extra = extra
