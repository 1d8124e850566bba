"""Console: a chat simulator that sends what staff type through the real WeChat callback.

Each message is built, signed (and in safe mode encrypted) as the platform would, and POSTed over
HTTP to this very server's ``/wechat`` — the socket the request came in on, so the whole path
(signature, decryption, de-duplication, handlers, reply encryption) is exercised. The simulated
user is ``sim-<username>``; the knowledge service counts those questions apart from residents'.
The conversation travels with the form (a hidden JSON field), so nothing is stored server-side.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
from sanic import Request
from sanic.request import RequestParameters
from sanic.response import HTTPResponse
from sanic.response import json as json_response
from sanic_ext import openapi

import content.sim_wechat as sim_wechat
from content.blueprint import bp, staff_required
from content.messages import SIM_TEXT
from content.pages import page, say
from content.sim_wechat import Bubble, SimError
from core.kb import SIMULATED_USER_PREFIX
from core.request_ctx import now as request_now
from core.settings import Settings

log = logging.getLogger("baoshan.console.simulator")

ROLES = ("editor", "registrar")
HISTORY_MAX = 40
BUBBLE_MAX_CHARS = 2100
# The bot answers within 4 s or says "success" (see bot.callback); leave room for the round trip.
TIMEOUT = httpx.Timeout(8.0, connect=2.0)


def simulated_user(username: str) -> str:
    return f"{SIMULATED_USER_PREFIX}{username}"


def load_history(raw: str) -> list[Bubble]:
    """The conversation posted back by the page; anything malformed is dropped, not trusted."""
    try:
        items = json.loads(raw) if raw else []
    except ValueError:
        return []
    out: list[Bubble] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("who") in ("staff", "bot", "note"):
            out.append(Bubble(str(item["who"]), str(item.get("text", ""))[:BUBBLE_MAX_CHARS],
                              str(item.get("kind", "text"))[:16], str(item.get("title", ""))[:200],
                              str(item.get("url", ""))[:500]))
    return out[-HISTORY_MAX:]


def callback_target(request: Request) -> tuple[str, str | None]:
    """(base URL, unix socket path or None) of this server, from the socket the request came in on."""
    info = request.conn_info
    sock = getattr(info, "sockname", None)
    if isinstance(sock, str) and sock:
        return "http://localhost", sock
    if isinstance(sock, tuple) and len(sock) >= 2 and not info.ssl:  # type: ignore[union-attr]
        # A server listening on every interface is reached on its loopback one.
        wildcard = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}  # noqa: S104 - compared, not bound
        host = wildcard.get(str(sock[0]), str(sock[0]))
        return f"http://{f'[{host}]' if ':' in host else host}:{sock[1]}", None
    # Behind TLS or an ASGI server the socket says nothing usable: the configured address then.
    base = request.app.ctx.settings.public_base_url
    if base:
        return base, None
    raise SimError("sim_no_base_url")


async def deliver(request: Request, out: sim_wechat.Outgoing) -> httpx.Response:
    base, uds = callback_target(request)
    transport = httpx.AsyncHTTPTransport(uds=uds) if uds else None
    try:
        # trust_env off: a proxy from the environment must not carry a loopback call away.
        async with httpx.AsyncClient(transport=transport, timeout=TIMEOUT, trust_env=False) as client:
            return await client.post(f"{base}/wechat", params=out.params, content=out.body.encode(),
                                     headers={"Content-Type": "text/xml"})
    except httpx.HTTPError as exc:
        log.warning("simulator could not reach the callback", extra={"base": base, "error": str(exc)})
        raise SimError("sim_unreachable", params={"detail": f"{base}/wechat"}) from exc


def _staff_bubble(form: dict[str, str], menu: dict[str, str], encrypted: bool) -> Bubble:
    tag = f"（{SIM_TEXT['encrypted']}）" if encrypted else ""
    if form["send"] == "event":
        text = SIM_TEXT[form["event"]].format(name=menu.get(form["key"], form["key"]))
        return Bubble("staff", text + tag, "event")
    return Bubble("staff", form["text"] + tag)


def check(form: dict[str, str], menu: dict[str, str], settings: Settings) -> None:
    if form["send"] == "event":
        if form["event"] not in sim_wechat.EVENTS:
            raise SimError("sim_bad_event")
        if form["event"] == "click" and form["key"] not in menu:
            raise SimError("sim_bad_key")
    elif not form["text"]:
        raise SimError("sim_empty")
    elif len(form["text"]) > sim_wechat.MAX_TEXT_CHARS:
        raise SimError("sim_too_long")
    if form["encrypt"] and not settings.wechat_encoding_aes_key:
        raise SimError("sim_no_aes")


async def exchange(request: Request, form: dict[str, str]) -> Bubble:
    """One round trip through /wechat; returns the bot's side as a bubble."""
    s: Settings = request.app.ctx.settings
    user = simulated_user(request.ctx.staff.username)
    # The callback refuses timestamps five minutes off its clock: sign with that same clock.
    now = int(request_now(request).timestamp())
    is_event = form["send"] == "event"
    xml = sim_wechat.message_xml(user, now, text="" if is_event else form["text"],
                                 event=form["event"] if is_event else "", key=form["key"])
    out = sim_wechat.seal(xml, user, token=s.wechat_token, timestamp=str(now),
                          aes_key=s.wechat_encoding_aes_key, app_id=s.wechat_app_id,
                          encrypt=bool(form["encrypt"]))
    response = await deliver(request, out)
    if response.status_code != 200:
        try:
            code = response.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = ""
        raise SimError("sim_rejected", params={"detail": f"{response.status_code} {code}".strip()})
    return sim_wechat.open_reply(response.text, encrypted=out.encrypted, token=s.wechat_token,
                                 aes_key=s.wechat_encoding_aes_key, app_id=s.wechat_app_id)


def _page(request: Request, history: list[Bubble], error: str = "", status: int = 200,
          form: dict[str, str] | None = None) -> HTTPResponse:
    s: Settings = request.app.ctx.settings
    return page("simulator.html", status, staff=request.ctx.staff, history=history,
                history_json=json.dumps([b.to_dict() for b in history], ensure_ascii=False),
                error=error, menu=sim_wechat.menu_keys(), aes=bool(s.wechat_encoding_aes_key),
                user=simulated_user(request.ctx.staff.username), form=form or {})


@bp.get("/console/simulator")
@openapi.exclude()
@staff_required(*ROLES)
async def simulator(request: Request) -> HTTPResponse:
    return _page(request, [])


@bp.post("/console/simulator")
@openapi.exclude()
@staff_required(*ROLES)
async def simulator_send(request: Request) -> HTTPResponse:
    f = request.form or RequestParameters()
    # In safe mode the callback refuses plaintext, as the platform never sends any: always encrypt.
    safe = request.app.ctx.settings.wechat_message_mode == "safe"
    form = {"send": f.get("send") or "text", "text": (f.get("text") or "").strip(),
            "event": f.get("event") or "", "key": f.get("key") or "",
            "encrypt": "on" if f.get("encrypt") or safe else ""}
    history = load_history(f.get("history") or "")
    menu = dict((key, name) for name, key in sim_wechat.menu_keys())
    wants_json = "application/json" in (request.headers.get("accept") or "")
    new: list[Bubble] = []
    error, status = "", 200
    try:
        check(form, menu, request.app.ctx.settings)
        new.append(_staff_bubble(form, menu, bool(form["encrypt"])))
        new.append(await exchange(request, form))
    except SimError as exc:
        if not new:  # refused before sending: nothing to show in the chat
            error, status = say(exc.code, exc.params), 422
        else:
            new.append(Bubble("note", say(exc.code, exc.params), "error"))
    history = (history + new)[-HISTORY_MAX:]
    if wants_json:
        body: dict[str, Any] = {"bubbles": [b.to_dict() for b in new], "error": error,
                                "history": json.dumps([b.to_dict() for b in history], ensure_ascii=False)}
        return json_response(body, status=status, ensure_ascii=False,
                             headers={"Cache-Control": "no-store"})
    keep = form if error else {"encrypt": form["encrypt"]}
    return _page(request, history, error, status, keep)
