"""#19 item 3: no secret, token, session key or login code reaches a log line, at any level."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator

import httpx
import pytest

from core.app import create_app
from core.logs import JsonFormatter, TextFormatter
from core.outbound import redact
from core.settings import Settings
from tests.conftest import _clean_tables
from tests.support.asgi import client as asgi_client
from tests.support.asgi import lifespan
from tests.support.wechat import FakeWechatApi

APP_SECRET = "Mp5ecretV4lue0123456789abcdefXYZ"
OA_SECRET = "0aSecretV4lue9876543210fedcbaQRS"
LOGIN_CODE = "0c3LoginCodeQwErTy"
SESSION_KEY = "SeSsIoNkEy/HkqBase64=="
ACCESS_TOKEN = "ACCESS_TOKEN_81_7xkq29"
SECRETS = (APP_SECRET, OA_SECRET, LOGIN_CODE, SESSION_KEY, ACCESS_TOKEN)


@pytest.fixture
def fake_wechat() -> Iterator[str]:
    """The fake WeChat on a real socket, so the app's own client (and its logging) is used."""
    fake = FakeWechatApi(ACCESS_TOKEN)
    fake.codes[LOGIN_CODE] = {"openid": "o-resident", "session_key": SESSION_KEY}
    with fake.serve() as url:
        yield url


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.formatters = (JsonFormatter(), TextFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        # Both the raw message (as any other handler would see it) and our formatted lines.
        self.lines.append(record.getMessage())
        self.lines.extend(f.format(record) for f in self.formatters)


async def test_a_real_login_and_send_leave_no_secret_in_the_log(migrated: Settings,
                                                                fake_wechat: str) -> None:
    settings = dataclasses.replace(migrated, log_level="DEBUG", wechat_api_base_url=fake_wechat,
                                   miniapp_app_secret=APP_SECRET, wechat_app_secret=OA_SECRET)
    app = create_app(settings)  # configures logging at DEBUG, the most talkative level
    captured = _Lines()
    root = logging.getLogger()
    root.addHandler(captured)
    try:
        async with lifespan(app):
            try:
                async with asgi_client(app) as c:
                    r = await c.post("/api/v1/miniapp/session", json={"code": LOGIN_CODE})
                    assert r.status_code == 200, r.text
                await app.ctx.wechat.send_text("o-resident", "您好")
            finally:
                await app.ctx.kb.stop()
                await _clean_tables()
    finally:
        root.removeHandler(captured)
    text = "\n".join(captured.lines)
    # The calls were made and logged — with their queries redacted.
    assert "/sns/jscode2session?appid=***&secret=***&js_code=***" in text
    assert "/cgi-bin/message/custom/send?access_token=***" in text
    leaked = [s for s in SECRETS if s in text]
    assert not leaked, leaked


def test_redact_keeps_the_call_and_drops_every_value() -> None:
    url = httpx.URL("https://api.weixin.qq.com/cgi-bin/x?access_token=AT&a=1&a=2")
    assert redact(url) == "https://api.weixin.qq.com/cgi-bin/x?access_token=***&a=***"
    assert redact(httpx.URL("http://127.0.0.1:8080/p")) == "http://127.0.0.1:8080/p"
