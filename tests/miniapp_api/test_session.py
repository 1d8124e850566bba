"""Login through a fake WeChat at the HTTP edge; tokens hashed, session_key encrypted, revocable."""

from __future__ import annotations

import httpx

from core.crypto import sha256_hex
from core.models import MiniappSession
from tests.support.wechat import FakeWechatApi


async def test_login_issues_a_hashed_token_and_keeps_session_key_encrypted(
        client: httpx.AsyncClient, wechat: FakeWechatApi) -> None:
    r = await client.post("/api/v1/miniapp/session", json={"code": "abc"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"token", "expires_in"} and body["expires_in"] > 0
    call = wechat.calls[0]
    assert call.path == "/sns/jscode2session" and call.params["js_code"] == "abc"
    assert call.params["grant_type"] == "authorization_code"
    session = await MiniappSession.get(token_hash=sha256_hex(body["token"]))
    assert "sk-abc" not in session.session_key_enc
    assert not await MiniappSession.filter(token_hash=body["token"]).exists()

    auth = {"Authorization": f"Bearer {body['token']}"}
    assert (await client.get("/api/v1/miniapp/bookings", headers=auth)).status_code == 200
    assert (await client.delete("/api/v1/miniapp/session", headers=auth)).status_code == 204
    revoked = await client.get("/api/v1/miniapp/bookings", headers=auth)
    assert revoked.status_code == 401 and revoked.json()["error"]["code"] == "unauthorized"


async def test_wechat_errors_map_to_clear_answers(client: httpx.AsyncClient, wechat: FakeWechatApi) -> None:
    wechat.codes.update({
        "bad": {"errcode": 40029, "errmsg": "invalid code"},
        "busy": {"errcode": 45011, "errmsg": "api minute-quota reach limit"},
        "sys": {"errcode": -1, "errmsg": "system error"},
        "down": httpx.ConnectError("refused"),
    })
    expected = {"bad": (401, "invalid_code"), "busy": (429, "rate_limited"),
                "sys": (503, "wechat_unavailable"), "down": (503, "wechat_unavailable")}
    for code, (status, err) in expected.items():
        r = await client.post("/api/v1/miniapp/session", json={"code": code})
        assert (r.status_code, r.json()["error"]["code"]) == (status, err), code
        assert r.json()["error"]["message"]
    assert (await client.post("/api/v1/miniapp/session", json={"code": "busy"})).headers["retry-after"]
    missing = await client.post("/api/v1/miniapp/session", json={})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "code"


async def test_unreachable_wechat_without_fake_is_503(client: httpx.AsyncClient) -> None:
    # The test settings point WECHAT_API_BASE_URL at port 9 on loopback: connection refused.
    r = await client.post("/api/v1/miniapp/session", json={"code": "x"})
    assert r.status_code == 503


async def test_missing_or_bad_token_is_401(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        r = await client.post("/api/v1/miniapp/bookings", json={}, headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


async def test_an_expired_token_is_refused(client: httpx.AsyncClient, wechat: FakeWechatApi) -> None:
    from datetime import UTC, datetime, timedelta

    token = (await client.post("/api/v1/miniapp/session", json={"code": "old"})).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/miniapp/bookings", headers=auth)).status_code == 200
    await MiniappSession.filter(token_hash=sha256_hex(token)).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1))
    r = await client.get("/api/v1/miniapp/bookings", headers=auth)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    r = await client.get("/api/v1/miniapp/bookings", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401
