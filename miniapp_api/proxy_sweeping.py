"""Proxy sweeping (代客祭扫) for families: order, follow the order, see the photos.

Photos are served only through signed, expiring URLs listed to the order's owner: the mini-program
shows them with <image src>, which sends no Authorization header, so the signature is what
authorises the request (``core.proxy_sweeping.photos``).
"""

from __future__ import annotations

from sanic import Request
from sanic.response import HTTPResponse, json, raw
from sanic_ext import openapi

from core.context import app_context
from core.models import ProxyOrder
from core.proxy_sweeping import catalog, orders, photos
from core.proxy_sweeping.commands import CreateOrder
from miniapp_api.blueprint import bp
from miniapp_api.common import api_error, cipher, current_user, json_body, now
from miniapp_api.proxy_schemas import (
    ChoiceOut,
    PackageOut,
    PackagesOut,
    ProxyOrderIn,
    ProxyOrderOut,
    ProxyOrdersOut,
)
from miniapp_api.schemas import content, errors
from miniapp_api.views import PREFIX, local

_NO_STORE = {"Cache-Control": "no-store, private", "Pragma": "no-cache"}


def _photo_urls(request: Request, order: ProxyOrder) -> list[str]:
    base = app_context(request).settings.public_base_url
    at = now(request).timestamp()
    urls = []
    for name in order.photos:
        link = photos.sign(cipher(request), order.id, name, now=at)
        urls.append(f"{base}{PREFIX}/proxy-sweeping/photos/{order.id}/{name}?{link.query()}")
    return urls


def order_view(request: Request, order: ProxyOrder) -> ProxyOrderOut:
    masked = order.masked
    out = ProxyOrderOut(
        id=order.id, ref=order.ref, status=order.status,
        place=ChoiceOut(code=order.place.code, name=order.place.name),
        package=ChoiceOut(code=order.package.code, name=order.package.name),
        day=order.day.isoformat(), scheduled=order.scheduled,
        grave=masked.get("grave", ""), deceased_name=masked.get("deceased_name", ""),
        applicant={"name": masked.get("name", ""), "phone": masked.get("phone", "")},
        created_at=local(order.created_at))
    if order.status == "done":
        out.done_at = local(order.done_at)
        # Only the owner's list calls this: another family never sees a link to these files.
        out.photos = _photo_urls(request, order) if order.package.photos else []
    elif order.status == "cancelled":
        out.cancel_reason, out.cancelled_at = order.cancel_reason, local(order.cancelled_at)
    return out


@bp.post("/proxy-sweeping")
@openapi.summary("代客祭扫下单：选择地点、套餐，填写墓位与逝者姓名；不收费")
@openapi.body(content(ProxyOrderIn))
@openapi.response(201, content(ProxyOrderOut), "已受理（status 为 received）")
@errors("invalid_input", "proxy_duplicate", "unauthorized", "rate_limited")
async def create_order(request: Request) -> HTTPResponse:
    user = await current_user(request)
    cmd = CreateOrder.from_body(json_body(request), user_id=user.id)
    order = await orders.create(cipher(request), cmd, now=now(request))
    await order.fetch_related("place", "package")
    return json(order_view(request, order).body(), status=201, ensure_ascii=False)


@bp.get("/proxy-sweeping")
@openapi.summary("我的代客祭扫订单；已完成的订单带照片链接（约1小时内有效）")
@openapi.response(200, content(ProxyOrdersOut), "订单列表")
@errors("unauthorized", "rate_limited")
async def list_orders(request: Request) -> HTTPResponse:
    user = await current_user(request)
    rows = await orders.own_orders(user.id)
    out = ProxyOrdersOut(orders=[order_view(request, o) for o in rows])
    return json(out.body(), ensure_ascii=False, headers=_NO_STORE)


@bp.get("/proxy-sweeping/packages")
@openapi.summary("代客祭扫的服务套餐与可选地点（标“示例”的为样例数据）")
@openapi.response(200, content(PackagesOut), "套餐与地点")
@errors("rate_limited")
async def list_packages(request: Request) -> HTTPResponse:
    packages = [PackageOut(code=p.code, name=p.name, description=p.description, photos=p.photos)
                for p in await catalog.active_packages()]
    places = [ChoiceOut(code=p.code, name=p.name, kind=p.kind, note=p.note)
              for p in await catalog.active_places()]
    return json(PackagesOut(packages=packages, places=places).body(), ensure_ascii=False)


@bp.get("/proxy-sweeping/photos/<order_id:int>/<name:str>")
@openapi.exclude()  # a signed link handed out in the order list, not an API operation
async def photo(request: Request, order_id: int, name: str) -> HTTPResponse:
    args = request.args
    if not photos.verify(cipher(request), order_id, name, args.get("exp") or "",
                         args.get("sig") or "", now(request).timestamp()):
        raise api_error("proxy_photo_link")
    order = await ProxyOrder.get_or_none(id=order_id)
    if order is None or order.status != "done" or name not in order.photos:
        raise api_error("not_found")
    path = photos.folder(app_context(request).settings.var_dir, order_id) / name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise api_error("not_found") from None
    return raw(data, content_type="image/jpeg", headers=_NO_STORE)
