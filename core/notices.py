"""Which notices are public: shared by the public API (content) and the bot's "最新通知"."""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Q

from core.models import Notice


def is_public(now: datetime) -> Q:
    """Published, or scheduled with its moment reached: no job has to flip the state on time."""
    return Q(status="published") | (Q(status="scheduled") & Q(publish_at__lte=now))


async def published_notices(now: datetime, limit: int) -> list[Notice]:
    return await Notice.filter(is_public(now)).order_by("-publish_at", "-id").limit(limit)
