"""The WeChat side of the chat simulator, as plain functions: build a callback exactly as the
platform sends it (XML, signature, safe-mode envelope) and read the passive reply back.

Written against wechatpy directly: content/ must not import bot/, and building the request
independently is what makes the simulator a real test of the bot's callback.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import xmltodict
import yaml
from wechatpy.crypto import WeChatCrypto

from content.messages import SIM_TEXT
from core.errors import DomainError

# The menu the bot publishes (core.wechat), so the simulator offers the same keys.
from core.wechat.menu import MENU_FILE

ACCOUNT = "gh_simulator"  # the official account's original id as the platform would name it
EVENTS = {"subscribe": "subscribe", "unsubscribe": "unsubscribe", "click": "CLICK"}
MAX_TEXT_CHARS = 600


class SimError(DomainError):
    """The simulator could not send a message or read the reply; ``code`` keys the staff
    catalogue (``sim_*``), ``params["detail"]`` says where or how."""


@dataclass(frozen=True)
class Bubble:
    """One line of the conversation: who said it (staff, bot, note) and what."""

    who: str
    text: str = ""
    kind: str = "text"  # text | news | transfer | none | error | event
    title: str = ""
    url: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def menu_keys(path: Path = MENU_FILE) -> list[tuple[str, str]]:
    """(button name, key) of every click button of the bot's menu."""
    try:
        menu = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    out: list[tuple[str, str]] = []
    for button in menu.get("button") or []:
        for b in [button, *(button.get("sub_button") or [])]:
            if b.get("type") == "click" and b.get("key"):
                out.append((str(b.get("name", "")), str(b["key"])))
    return out


def _cdata(value: str) -> str:
    # "]]>" would end the section early: split it across two sections, as XML writers do.
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def message_xml(user: str, created: int, *, text: str = "", event: str = "", key: str = "",
                msg_id: int | None = None) -> str:
    """A text message (``text``) or an event (``event``, with ``key`` for clicks) from ``user``."""
    parts = [f"<ToUserName>{_cdata(ACCOUNT)}</ToUserName>", f"<FromUserName>{_cdata(user)}</FromUserName>",
             f"<CreateTime>{created}</CreateTime>"]
    if event:
        parts += [f"<MsgType>{_cdata('event')}</MsgType>", f"<Event>{_cdata(EVENTS[event])}</Event>"]
        if event == "click":
            parts.append(f"<EventKey>{_cdata(key)}</EventKey>")
    else:
        parts += [f"<MsgType>{_cdata('text')}</MsgType>", f"<Content>{_cdata(text)}</Content>",
                  f"<MsgId>{msg_id if msg_id is not None else secrets.randbits(62)}</MsgId>"]
    return "<xml>" + "".join(parts) + "</xml>"


def signature(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()  # noqa: S324 - WeChat's scheme


@dataclass(frozen=True)
class Outgoing:
    params: dict[str, str]
    body: str
    encrypted: bool


def seal(xml: str, user: str, *, token: str, timestamp: str, aes_key: str = "", app_id: str = "",
         encrypt: bool = False) -> Outgoing:
    """Query string and body of the POST, signed; in safe mode encrypted and msg-signed too."""
    nonce = secrets.token_hex(8)
    params = {"signature": signature(token, timestamp, nonce), "timestamp": timestamp,
              "nonce": nonce, "openid": user}
    if not encrypt:
        return Outgoing(params, xml, False)
    envelope = xmltodict.parse(WeChatCrypto(token, aes_key, app_id).encrypt_message(xml, nonce, timestamp),
                               disable_entities=True)["xml"]
    params.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
    body = (f"<xml><ToUserName>{_cdata(ACCOUNT)}</ToUserName>"
            f"<Encrypt>{_cdata(envelope['Encrypt'])}</Encrypt></xml>")
    return Outgoing(params, body, True)


def _parse(xml: str) -> dict[str, Any]:
    upper = xml.upper()
    if "<!DOCTYPE" in upper or "<!ENTITY" in upper:
        raise SimError("sim_bad_reply")
    try:
        doc = xmltodict.parse(xml, disable_entities=True)
    except Exception as exc:
        raise SimError("sim_bad_reply") from exc
    root = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise SimError("sim_bad_reply")
    return root


def open_reply(body: str, *, encrypted: bool, token: str, aes_key: str = "",
               app_id: str = "") -> Bubble:
    """The reply as a chat bubble; safe-mode replies are signature-checked and decrypted first."""
    body = body.strip()
    if body == "success" or not body:
        return Bubble("note", SIM_TEXT["no_reply"], "none")
    if encrypted:
        envelope = _parse(body)
        try:
            body = WeChatCrypto(token, aes_key, app_id).decrypt_message(
                body, envelope.get("MsgSignature", ""), envelope.get("TimeStamp", ""),
                envelope.get("Nonce", ""))
        except Exception as exc:
            raise SimError("sim_bad_reply") from exc
    fields = _parse(body)
    kind = fields.get("MsgType")
    if kind == "text":
        return Bubble("bot", str(fields.get("Content") or ""))
    if kind == "news":
        items = (fields.get("Articles") or {}).get("item") or {}
        item = items[0] if isinstance(items, list) else items
        return Bubble("bot", str(item.get("Description") or ""), "news", str(item.get("Title") or ""),
                      str(item.get("Url") or ""))
    if kind == "transfer_customer_service":
        return Bubble("note", SIM_TEXT["transfer"], "transfer")
    return Bubble("note", SIM_TEXT["other_reply"].format(kind=kind), "other")
