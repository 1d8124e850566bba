"""The subscribe messages of proxy-sweeping orders, sent by the booking outbox's one sender
(``core.booking.reminders``): what each says, and whether it is still worth sending."""

from __future__ import annotations

from typing import Any

from core.models import Notification, ProxyOrder
from core.tz import SHANGHAI

# Notification kind → the order status it announces. A message whose order has moved on (a
# "received" note for an order already scheduled) is skipped: the consent is kept for the next.
KINDS = {"proxy_received": "received", "proxy_scheduled": "scheduled", "proxy_done": "done",
         "proxy_cancelled": "cancelled"}


def still_relevant(n: Notification, order: ProxyOrder) -> bool:
    return KINDS.get(n.kind) == order.status


def _note(n: Notification, order: ProxyOrder) -> str:
    if n.kind == "proxy_scheduled":
        return "已安排，工作人员将按期代为祭扫"
    if n.kind == "proxy_done":
        return "已完成，可在小程序查看照片" if order.photos else "已完成代祭扫"
    if n.kind == "proxy_cancelled":
        return f"已取消：{order.cancel_reason}"
    return "已受理，安排后将通知您"


def message(n: Notification, order: ProxyOrder, template_id: str) -> dict[str, Any]:
    when = order.day.isoformat() if order.status != "received" or order.scheduled else \
        order.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return {"touser": n.user.openid, "template_id": template_id,
            "page": f"pages/proxy-sweeping/detail?id={order.id}", "lang": "zh_CN",
            "data": {"thing1": {"value": f"代客祭扫·{order.package.name}"[:20]},
                     "time2": {"value": when},
                     "character_string3": {"value": order.ref},
                     "thing4": {"value": _note(n, order)[:20]}}}
