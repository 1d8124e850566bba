"""A fake WeChat platform for the tests: builds signed (and optionally encrypted) callbacks from the
fixture XML, exactly as WeChat's servers would send them."""

from __future__ import annotations

import hashlib
import itertools
import time
from pathlib import Path
from typing import Any

import httpx
import xmltodict
from wechatpy.crypto import WeChatCrypto

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wechat"
_ids = itertools.count(int(time.time() * 1000))


def fixture(name: str, **values: Any) -> str:
    values.setdefault("user", "oUser0001")
    values.setdefault("time", int(time.time()))
    values.setdefault("msgid", next(_ids))
    values.setdefault("content", "")
    values.setdefault("key", "")
    return (FIXTURES / f"{name}.xml").read_text(encoding="utf-8").format(**values)


def sign(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


class FakeWechat:
    def __init__(self, client: httpx.AsyncClient, token: str, aes_key: str = "", app_id: str = "") -> None:
        self.client, self.token, self.aes_key, self.app_id = client, token, aes_key, app_id

    async def send(self, xml: str, *, encrypt: bool = False, bad_signature: bool = False,
                   timestamp: int | str | None = None) -> httpx.Response:
        """POST one callback, signed over ``timestamp`` (default now) as the platform would."""
        timestamp, nonce = str(int(time.time()) if timestamp is None else timestamp), f"n{next(_ids)}"
        params = {"timestamp": timestamp, "nonce": nonce,
                  "signature": "0" * 40 if bad_signature else sign(self.token, timestamp, nonce),
                  "openid": "oUser0001"}
        body = xml
        if encrypt:
            crypto = WeChatCrypto(self.token, self.aes_key, self.app_id)
            envelope = xmltodict.parse(crypto.encrypt_message(xml, nonce, timestamp))["xml"]
            params.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
            body = ("<xml><ToUserName><![CDATA[gh_baoshan]]></ToUserName>"
                    f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>")
        return await self.client.post("/wechat", params=params, content=body.encode(),
                                      headers={"Content-Type": "text/xml"})

    async def verify(self, echostr: str, *, timestamp: int | str | None = None) -> httpx.Response:
        """The platform's server verification (GET), signed over ``timestamp`` (default now)."""
        ts, nonce = str(int(time.time()) if timestamp is None else timestamp), f"n{next(_ids)}"
        return await self.client.get("/wechat", params={
            "signature": sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce,
            "echostr": echostr})

    def open(self, response: httpx.Response, *, encrypted: bool = False) -> dict[str, str]:
        """The reply's fields (decrypted and signature-checked in safe mode)."""
        text = response.text
        if encrypted:
            doc = xmltodict.parse(text)["xml"]
            crypto = WeChatCrypto(self.token, self.aes_key, self.app_id)
            text = crypto.decrypt_message(text, doc["MsgSignature"], doc["TimeStamp"], doc["Nonce"])
        return dict(xmltodict.parse(text)["xml"])
