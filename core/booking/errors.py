"""The booking service's errors: a DomainError whose code the faces present."""

from __future__ import annotations

from core.errors import DomainError


class BookingError(DomainError):
    def __init__(self, code: str, *, field: str | None = None, detail: str | None = None,
                 **extra: object) -> None:
        super().__init__(code, field=field, params=extra)
        # ``detail`` is a Chinese explanation for invalid_input (which rule on which field).
        self.detail = detail
        self.extra = self.params
        if detail is not None:
            self.args = (f"{code}: {detail}",)
