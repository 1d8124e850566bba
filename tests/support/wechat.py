"""The one fake WeChat of the test suite, at the HTTP level, driven by the fixture files.

- ``FakeWechat`` is the platform calling us: signed (and optionally encrypted) callbacks built
  from ``tests/fixtures/wechat/*.xml``, exactly as WeChat's servers send them.
- ``FakeWechatApi`` is WeChat's server API we call: it answers ``/cgi-bin/stable_token``,
  ``/cgi-bin/token``, ``/sns/jscode2session``, customer-service, template and subscribe sends
  and ``/cgi-bin/menu/create`` with ``tests/fixtures/wechat/api/*.json``, records every call, and
  lets a test script other answers per path. It serves an ``httpx.MockTransport`` in-process or
  a loopback socket for a CLI or a server in another process.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import itertools
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from typing import Any

import httpx
import xmltodict
from sanic import Sanic
from wechatpy.crypto import WeChatCrypto

from core.wechat import WechatClient

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wechat"
API_FIXTURES = FIXTURES / "api"
_ids = itertools.count(int(time.time() * 1000))

# Which fixture answers which path of the server API.
API_ROUTES = {
    "/cgi-bin/stable_token": "stable_token",
    "/cgi-bin/token": "token",
    "/sns/jscode2session": "jscode2session",
    "/cgi-bin/message/custom/send": "message_custom_send",
    "/cgi-bin/message/template/send": "message_template_send",
    "/cgi-bin/message/subscribe/send": "message_subscribe_send",
    "/cgi-bin/menu/create": "menu_create",
}
CUSTOM_SEND, SUBSCRIBE_SEND = "/cgi-bin/message/custom/send", "/cgi-bin/message/subscribe/send"

# A scripted answer: a JSON body, an httpx.Response, or an exception to raise (a transport error).
Answer = dict[str, Any] | httpx.Response | Exception
Route = Callable[[httpx.Request], "Answer | Awaitable[Answer]"]


# --- the platform calling us ------------------------------------------------------------------

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


# --- WeChat's server API, called by us --------------------------------------------------------

@dataclass(frozen=True)
class Call:
    path: str
    params: dict[str, str]
    body: dict[str, Any]
    accepted: bool  # answered 200 with errcode 0 (a message someone received)


class FakeWechatApi:
    """``token`` is what stable_token hands out; with ``numbered`` each fetch gets a new one
    (TOKEN1, TOKEN2, …). ``codes`` answers jscode2session per login code (default: openid
    "o-" + code); ``routes`` replaces a path's answer; ``script`` queues one-off answers."""

    def __init__(self, token: str = "TOKEN", *, numbered: bool = False) -> None:
        self.token, self.numbered = token, numbered
        self.calls: list[Call] = []
        self.tokens = 0  # stable_token answers handed out
        self.codes: dict[str, Answer] = {}
        self.routes: dict[str, Route] = {}
        self.script: dict[str, list[Answer]] = {}
        self.url = ""  # while served on a socket (``serve``)

    # What tests read.
    def to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    @property
    def paths(self) -> list[str]:
        return [c.path for c in self.calls]

    @property
    def custom(self) -> list[dict[str, Any]]:
        """Customer-service messages WeChat accepted."""
        return [c.body for c in self.to(CUSTOM_SEND) if c.accepted]

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Subscribe messages WeChat accepted."""
        return [c.body for c in self.to(SUBSCRIBE_SEND) if c.accepted]

    # Answering.
    async def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        body = json.loads(request.content or b"{}")
        if path == "/cgi-bin/stable_token":
            # A forced refresh would invalidate the token every other worker is using.
            assert body.get("force_refresh") is False, body
        queued = self.script.get(path)
        if queued:
            answer: Answer = queued.pop(0)
        elif path in self.routes:
            got = self.routes[path](request)
            answer = await got if inspect.isawaitable(got) else got
        else:
            answer = self.default(request)
        self.calls.append(Call(path, dict(request.url.params), body, _accepted(answer)))
        if isinstance(answer, Exception):
            raise answer
        return answer if isinstance(answer, httpx.Response) else httpx.Response(200, json=answer)

    def default(self, request: httpx.Request) -> Answer:
        """The fixture's answer for the path."""
        path = request.url.path
        values = {"token": self.token}
        if path == "/sns/jscode2session":
            code = request.url.params.get("js_code", "")
            if code in self.codes:
                return self.codes[code]
            values["code"] = code
        if path in ("/cgi-bin/stable_token", "/cgi-bin/token"):
            self.tokens += 1
            if self.numbered:
                values["token"] = f"{self.token}{self.tokens}"
        name = API_ROUTES.get(path, "unknown")
        text = Template((API_FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
        data: dict[str, Any] = json.loads(text.substitute(values))
        return data if name != "unknown" else httpx.Response(404, json=data)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def client(self, base_url: str = "http://wechat.test", **credentials: Any) -> WechatClient:
        """A WechatClient talking to this fake (its own HTTP client: close with ``aclose``)."""
        from core.wechat import Credentials

        return WechatClient(httpx.AsyncClient(transport=self.transport()), base_url,
                            account=Credentials(credentials.get("account", "wxapp"), "secret"),
                            miniapp=Credentials(credentials.get("miniapp", "wxmini"), "secret"))

    async def install(self, app: Sanic) -> None:
        """The app's HTTP client (and so its WechatClient) now reaches this fake."""
        await app.ctx.http.aclose()
        app.ctx.http = httpx.AsyncClient(transport=self.transport(), timeout=httpx.Timeout(4.0))
        app.ctx.wechat = WechatClient.from_settings(app.ctx.settings, app.ctx.http)

    @contextmanager
    def serve(self) -> Iterator[str]:
        """This fake on a loopback socket; yields its base URL."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = httpx.Request(self.command, f"http://127.0.0.1{self.path}",
                                        headers=dict(self.headers), content=self.rfile.read(length))
                try:
                    response = asyncio.run(fake.handler(request))
                    status, data = response.status_code, response.content
                except Exception:  # a scripted transport error: drop the connection
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self.url
        finally:
            self.url = ""
            server.shutdown()
            server.server_close()


def _accepted(answer: Answer) -> bool:
    if isinstance(answer, Exception):
        return False
    if isinstance(answer, httpx.Response):
        try:
            data = answer.json()
        except ValueError:
            return False
        return answer.status_code == 200 and not (isinstance(data, dict) and data.get("errcode"))
    return isinstance(answer, dict) and not answer.get("errcode")
