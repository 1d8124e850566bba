"""The 上海慈善周 charity-week campaigns as a service: saving one (create or update).

The console checks each field and hands over a ``SaveCampaign`` with typed values; this module
keeps the rule that matters to every caller (the days in order), and writes the campaign and its
audit row in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise.transactions import in_transaction

from core import audit
from core.errors import DomainError
from core.models import CharityCampaign
from core.notices import MAX_ID


class CharityError(DomainError):
    """A charity-week rule said no; ``code`` keys the staff catalogue (``charity_*``)."""


@dataclass(frozen=True)
class SaveCampaign:
    title: str
    starts_on: date
    ends_on: date
    intro: str
    intro_html: str
    published: bool


def snapshot(c: CharityCampaign) -> dict[str, object]:
    """What the audit log keeps of a campaign: small fields only, never the introduction."""
    return {"title": c.title, "starts_on": c.starts_on.isoformat(), "ends_on": c.ends_on.isoformat(),
            "published": c.published}


async def save_campaign(actor: audit.Actor, campaign_id: int | None,
                        cmd: SaveCampaign) -> CharityCampaign:
    """Creates (``campaign_id`` None) or updates a campaign. Raises CharityError."""
    if cmd.ends_on < cmd.starts_on:
        raise CharityError("charity_date_order", field="ends_on")
    async with in_transaction() as conn:
        campaign = None
        if campaign_id is not None:
            campaign = await CharityCampaign.get_or_none(id=campaign_id, using_db=conn) \
                if 0 < campaign_id <= MAX_ID else None
            if campaign is None:
                raise CharityError("charity_not_found")
        before = snapshot(campaign) if campaign else None
        campaign = campaign or CharityCampaign()
        campaign.title, campaign.starts_on, campaign.ends_on = cmd.title, cmd.starts_on, cmd.ends_on
        campaign.intro, campaign.intro_html = cmd.intro, cmd.intro_html
        campaign.published = cmd.published
        await campaign.save(using_db=conn)
        await audit.record(actor, "charity.update" if before else "charity.create", campaign.id,
                           before=before, after=snapshot(campaign), conn=conn)
    return campaign
