"""Charity-week (上海慈善周) campaigns as the console and the public side read them.

A campaign owns no events of its own: its events are the open ``charity_event`` slots whose
Shanghai-local date falls within its dates, so registrars open them like any other slot.
"""

from __future__ import annotations

from datetime import date, datetime

from content.markdown import sanitise
from core import tz
from core.booking.slots import places_left
from core.models import CharityCampaign, Notice, Slot
from core.notices import MAX_ID, is_public
from core.tz import SHANGHAI, local_day

EVENT_SERVICE = "charity_event"


def utc_span(starts_on: date, ends_on: date) -> tuple[datetime, datetime]:
    """[first day's Shanghai midnight, the midnight after the last day) in UTC."""
    return tz.day_bounds(starts_on, ends_on)


def _iso(when: datetime) -> str:
    return when.astimezone(SHANGHAI).isoformat(timespec="seconds")


async def campaign_events(campaign: CharityCampaign, *, detailed: bool = False) -> list[dict[str, object]]:
    """The campaign's sessions; ``detailed`` adds each one's place and theme (the public page)."""
    start, end = utc_span(campaign.starts_on, campaign.ends_on)
    slots = await (Slot.filter(service=EVENT_SERVICE, closed_at__isnull=True, starts_at__gte=start,
                               starts_at__lt=end).order_by("starts_at", "id"))
    return [{"slot_id": s.id, "title": s.title, "starts_at": _iso(s.starts_at), "ends_at": _iso(s.ends_at),
             "capacity": s.capacity, "remaining": places_left(s),
             **({"place": s.place, "theme": s.theme} if detailed else {})} for s in slots]


async def find_campaign(campaign_id: int, *, published_only: bool = False) -> CharityCampaign | None:
    if not 0 < campaign_id <= MAX_ID:
        return None
    query = CharityCampaign.filter(id=campaign_id)
    return await (query.filter(published=True) if published_only else query).first()


async def current_campaign(now: datetime) -> CharityCampaign | None:
    """The published campaign running today, else the next one to start (earliest first)."""
    return await (CharityCampaign.filter(published=True, ends_on__gte=local_day(now))
                  .order_by("starts_on", "id").first())


async def public_notices(campaign: CharityCampaign, now: datetime) -> list[Notice]:
    return await (Notice.filter(is_public(now), campaign_id=campaign.id).only("id", "title", "publish_at")
                  .order_by("-publish_at", "-id"))


async def campaign_view(campaign: CharityCampaign, now: datetime, base_url: str) -> dict[str, object]:
    """The mini-program's view of a campaign (GET /api/v1/charity-week)."""
    notices = await public_notices(campaign, now)
    return {"id": campaign.id, "title": campaign.title, "starts_on": campaign.starts_on.isoformat(),
            "ends_on": campaign.ends_on.isoformat(), "intro_html": sanitise(campaign.intro_html),
            "events": await campaign_events(campaign),
            "notices": [{"id": n.id, "title": n.title, "url": f"{base_url}/notices/{n.id}"}
                        for n in notices]}
