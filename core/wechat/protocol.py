"""The WeChat callback protocol as plain functions: verify (signature, timestamp), decrypt
(safe mode), parse, seal (encrypt the reply).

Everything that can be checked without a framework lives here so the callback stays a
translation; these functions are tested without a server.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from wechatpy.crypto import WeChatCrypto
from wechatpy.events import EVENT_TYPES, BaseEvent, register_event
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.fields import BaseField, StringField
from wechatpy.messages import MESSAGE_TYPES, BaseMessage, UnknownMessage, register_message

from core.errors import DomainError

MAX_BODY_BYTES = 64 * 1024
REQUIRED_FIELDS = ("ToUserName", "FromUserName", "CreateTime", "MsgType")
# Account ids are stored in 64-character columns; real ones (openids, gh_ ids) are under 32.
MAX_ACCOUNT_CHARS = 64
MAX_MSG_ID_DIGITS = 20  # MsgId is a 64-bit integer
# Fields that tell apart events the four usual key parts would merge: two template or mass-send
# reports to one user in one second differ only by MsgID, and the authorization events all come
# from the platform's account (FromUserName) with the resident in OpenID.
EVENT_ID_FIELDS = ("MsgID", "OpenID")
# A signed request is honoured this long either side of now: a plaintext-mode signature covers
# only token, timestamp and nonce, so without this bound one seen in a proxy log would carry any
# body forever. Five minutes absorbs clock drift and WeChat's retries (three, 5 s apart).
MAX_CLOCK_SKEW_SECONDS = 300
_MAX_TIMESTAMP_DIGITS = 12  # seconds since 1970 have 10 digits until the year 2286
# WeChat's 明文/兼容/安全模式 (core.settings.MESSAGE_MODES); only "safe" refuses plaintext.
SAFE_MODE = "safe"


# wechatpy 1.8 predates these documented types and would parse them as UnknownMessage; registering
# them lets the handler registry route them by name like every other type.
@register_message("file")
class FileMessage(BaseMessage):  # type: ignore[misc]  # wechatpy ships no types: the base is Any
    type = "file"
    title = StringField("Title")
    description = StringField("Description")
    file_key = StringField("FileKey")


@register_event("subscribe_msg_popup_event")
class SubscribeMsgPopupEvent(BaseEvent):  # type: ignore[misc]  # wechatpy ships no types: the base is Any
    event = "subscribe_msg_popup_event"
    detail = BaseField("SubscribeMsgPopupEvent", {})


@register_event("subscribe_msg_change_event")
class SubscribeMsgChangeEvent(BaseEvent):  # type: ignore[misc]  # wechatpy ships no types: the base is Any
    event = "subscribe_msg_change_event"
    detail = BaseField("SubscribeMsgChangeEvent", {})


@register_event("subscribe_msg_sent_event")
class SubscribeMsgSentEvent(BaseEvent):  # type: ignore[misc]  # wechatpy ships no types: the base is Any
    event = "subscribe_msg_sent_event"
    detail = BaseField("SubscribeMsgSentEvent", {})


@register_event("publishjobfinish")
class PublishJobFinishEvent(BaseEvent):  # type: ignore[misc]  # wechatpy ships no types: the base is Any
    event = "publishjobfinish"
    info = BaseField("PublishEventInfo", {})


class _AuthorizationEvent(BaseEvent):  # type: ignore[misc]  # wechatpy ships no types: the base is Any
    open_id = StringField("OpenID")
    app_id = StringField("AppID")
    revoke_info = StringField("RevokeInfo")


@register_event("user_info_modified")
class UserInfoModifiedEvent(_AuthorizationEvent):
    event = "user_info_modified"


@register_event("user_authorization_revoke")
class UserAuthorizationRevokeEvent(_AuthorizationEvent):
    event = "user_authorization_revoke"


@register_event("user_authorization_cancellation")
class UserAuthorizationCancellationEvent(_AuthorizationEvent):
    event = "user_authorization_cancellation"


class ProtocolError(DomainError):
    """A request WeChat would never send: answered 4xx with ``code`` (residents' catalogue)."""

    def __init__(self, code: str, status: int) -> None:
        super().__init__(code)
        self.status = status


def signature_ok(token: str, signature: str, timestamp: str, nonce: str) -> bool:
    expected = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()  # noqa: S324 - WeChat's scheme
    return hmac.compare_digest(expected, signature or "")


def timestamp_fresh(timestamp: str, now: float) -> bool:
    """Whether ``timestamp`` (WeChat's query parameter, whole seconds) lies within
    ``MAX_CLOCK_SKEW_SECONDS`` of ``now``. Anything but ASCII digits is refused: int() would
    also take "+1", " 1" or other scripts' digits, none of which WeChat sends."""
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > _MAX_TIMESTAMP_DIGITS:
        return False
    return abs(int(timestamp) - now) <= MAX_CLOCK_SKEW_SECONDS


def check_request(token: str, args: dict[str, str], now: float) -> None:
    """The checks every request from WeChat passes, GET verification and POST messages alike:
    the query signature, then the timestamp it signs. Raises ProtocolError (403)."""
    timestamp = args.get("timestamp", "")
    if not signature_ok(token, args.get("signature", ""), timestamp, args.get("nonce", "")):
        raise ProtocolError("bad_signature", 403)
    if not timestamp_fresh(timestamp, now):
        raise ProtocolError("bad_timestamp", 403)


@dataclass(frozen=True)
class Inbound:
    """One callback request, decrypted and parsed."""

    message: Any  # a wechatpy message or event object
    raw: dict[str, str]
    encrypted: bool
    nonce: str = ""
    timestamp: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def user(self) -> str:
        return self.raw.get("FromUserName", "")

    @property
    def dedup_key(self) -> str:
        """WeChat's retries of one message share this key (MsgId, or user+time+event for events).

        A retry repeats the whole body, so adding fields never splits one message's retries; it
        only stops distinct events that share user, time and key from being taken for retries.
        """
        msg_id = self.raw.get("MsgId", "")
        if msg_id.isdigit() and len(msg_id) <= MAX_MSG_ID_DIGITS:
            return f"msg:{msg_id}"
        if msg_id:  # not an id WeChat issues; hashed so it still fits the key column
            return "msg:" + hashlib.sha256(msg_id.encode()).hexdigest()[:40]
        parts = [self.user, self.raw.get("CreateTime", ""), self.raw.get("Event", ""),
                 self.raw.get("EventKey", "")]
        parts += [f"{name}={self.raw[name]}" for name in EVENT_ID_FIELDS if self.raw.get(name)]
        return "evt:" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


def _root(xml: str) -> dict[str, Any]:
    import xmltodict

    doc = xmltodict.parse(xml, disable_entities=True)
    root = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise ProtocolError("bad_xml", 400)
    return root


def _message(root: dict[str, Any]) -> Any:
    """wechatpy's ``parse_message`` (1.8) on the body already parsed: it would parse the XML a
    second time, which was a twentieth of the callback's CPU. Same classes, same event names."""
    message = dict(root)  # wechatpy rewrites Event and EventKey of a scan-to-subscribe
    message_type = message["MsgType"].lower()
    if message_type == "event" or message_type.startswith("device_"):
        event_type = message["Event"].lower() if "Event" in message else None
        if event_type is None and message_type.startswith("device_"):
            event_type = message_type
        elif message_type.startswith("device_"):
            event_type = f"device_{event_type}"
        if event_type == "subscribe" and message.get("EventKey"):
            event_key = message["EventKey"]
            if event_key.startswith(("scanbarcode|", "scanimage|")):
                event_type = message["Event"] = "subscribe_scan_product"
            elif event_key.startswith("qrscene_"):
                event_type = message["Event"] = "subscribe_scan"
                message["EventKey"] = event_key[len("qrscene_"):]
        return EVENT_TYPES.get(event_type, UnknownMessage)(message)
    return MESSAGE_TYPES.get(message_type, UnknownMessage)(message)


def _refuse_declarations(xml: str) -> None:
    """WeChat never sends a DOCTYPE or entities; refusing them up front stops entity tricks
    before any parser (ours, or the one inside the decryption envelope) sees them."""
    upper = xml.upper()
    if "<!DOCTYPE" in upper or "<!ENTITY" in upper:
        raise ProtocolError("bad_xml", 400)


def parse(xml: str) -> tuple[Any, dict[str, str]]:
    _refuse_declarations(xml)
    try:
        root = _root(xml)
        raw = {k: v for k, v in root.items() if isinstance(v, str)}
        message = _message(root)
    except ProtocolError:
        raise
    except Exception as exc:
        # expat errors, xmltodict's "entities are disabled", wechatpy's conversion of bad values:
        # all of them mean the body is not a message WeChat sent.
        raise ProtocolError("bad_xml", 400) from exc
    if any(not raw.get(name) for name in REQUIRED_FIELDS):
        raise ProtocolError("missing_fields", 400)
    if any(len(raw[name]) > MAX_ACCOUNT_CHARS for name in ("ToUserName", "FromUserName")):
        raise ProtocolError("bad_xml", 400)
    return message, raw


def read(body: bytes, args: dict[str, str], *, token: str, aes_key: str, app_id: str,
         mode: str, now: float) -> Inbound:
    """Check, decrypt and parse one POST. Raises ProtocolError for anything WeChat wouldn't send.

    ``mode`` is the account's message mode: in "safe" a plaintext body is refused, since its
    signature covers no part of it. Encrypted bodies are read whenever an AES key is set: their
    msg_signature covers the ciphertext, so accepting them never weakens a mode.
    """
    if len(body) > MAX_BODY_BYTES:
        raise ProtocolError("payload_too_large", 413)
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    check_request(token, args, now)
    try:
        xml = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError("bad_xml", 400) from exc
    encrypted = args.get("encrypt_type", "raw").lower() == "aes"
    if not encrypted and mode == SAFE_MODE:
        raise ProtocolError("plaintext_refused", 403)
    if encrypted:
        if not aes_key:
            raise ProtocolError("aes_not_configured", 400)
        _refuse_declarations(xml)
        try:
            xml = WeChatCrypto(token, aes_key, app_id).decrypt_message(
                xml, args.get("msg_signature", ""), timestamp, nonce)
        except (InvalidSignatureException, InvalidAppIdException) as exc:
            raise ProtocolError("bad_signature", 403) from exc
        except Exception as exc:
            raise ProtocolError("bad_xml", 400) from exc
    message, raw = parse(xml)
    return Inbound(message, raw, encrypted, nonce=nonce, timestamp=timestamp)


def seal(reply_xml: str, inbound: Inbound, *, token: str, aes_key: str, app_id: str,
         timestamp: str) -> str:
    """The reply as sent: encrypted and signed in safe mode, as is otherwise."""
    if not inbound.encrypted:
        return reply_xml
    crypto = WeChatCrypto(token, aes_key, app_id)
    return str(crypto.encrypt_message(reply_xml, inbound.nonce or "baoshan", timestamp))
