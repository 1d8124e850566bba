"""The two catalogues of Chinese text, by audience: residents (mini-program, bot, public pages)
and staff (console). Every code a DomainError carries has a message in each catalogue whose
audience can see it (tests/core/test_catalogue.py)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal

from core.catalogue.residents import RESIDENTS
from core.catalogue.staff import STAFF

Audience = Literal["residents", "staff"]

_BY_AUDIENCE: dict[str, Mapping[str, str]] = {"residents": RESIDENTS, "staff": STAFF}
_FALLBACK = {"residents": "请求无法处理，请稍后重试。", "staff": "操作无法完成，请刷新页面后重试。"}

log = logging.getLogger("baoshan.catalogue")


class _Params(dict[str, Any]):
    """A missing parameter reads as empty rather than raising: a message is never worth a 500."""

    def __missing__(self, key: str) -> str:
        return ""


def text(audience: Audience, code: str, params: Mapping[str, Any] | None = None) -> str:
    """The message for ``code``, its ``{placeholders}`` filled from ``params``."""
    template = _BY_AUDIENCE[audience].get(code)
    if template is None:
        log.warning("no %s message for code", audience, extra={"code": code})
        return _FALLBACK[audience]
    return template.format_map(_Params(params or {})) if params or "{" in template else template


def has(audience: Audience, code: str) -> bool:
    return code in _BY_AUDIENCE[audience]
