"""Proxy-sweeping orders lose their personal data, photos and notifications after the retention
period (counted from the order's day); newer orders are untouched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sanic import Sanic

from core import retention
from core.models import MiniappUser, Notification, ProxyOrder
from core.proxy_sweeping import orders, photos
from core.proxy_sweeping.commands import CreateOrder
from tests.support.proxy import finish, order_body


async def _order(app: Sanic, openid: str, grave: str) -> ProxyOrder:
    user = await MiniappUser.create(openid=openid)
    return await orders.create(app.ctx.cipher, CreateOrder.from_body(order_body(grave=grave),
                                                                     user_id=user.id),
                               now=datetime.now(UTC))


async def test_old_orders_are_erased_with_their_photos(app: Sanic) -> None:
    settings = app.ctx.settings
    old = await _order(app, "o-old", "A区1排1号")
    await finish(app.ctx.cipher, settings.var_dir, old.id, count=2)
    done = await ProxyOrder.get(id=old.id)
    files = [photos.folder(settings.var_dir, old.id) / n for n in done.photos]
    assert all(f.exists() for f in files)
    later = datetime.now(UTC) + timedelta(days=settings.retention_personal_days + 1)
    # An order whose day is still within the period is kept.
    user = await MiniappUser.create(openid="o-new")
    kept = await orders.create(app.ctx.cipher, CreateOrder.from_body(
        order_body(grave="B区2排2号"), user_id=user.id),
        now=datetime.now(UTC) + timedelta(days=settings.retention_personal_days - 10))
    report = await retention.run_retention(settings, later)
    assert report.proxy_orders == 1
    erased = await ProxyOrder.get(id=old.id)
    assert erased.personal_enc == "" and erased.photos == [] and erased.masked["erased"] is True
    assert erased.status == "done" and erased.user_id != old.user_id
    assert not any(f.exists() for f in files)
    assert not await Notification.filter(proxy_order_id=old.id).exists()
    untouched = await ProxyOrder.get(id=kept.id)
    assert untouched.personal_enc and untouched.user_id == user.id
    assert (await retention.run_retention(settings, later)).proxy_orders == 0
