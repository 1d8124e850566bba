"""Referrals to the community assistance adviser over the mini-program API: the list of 街镇,
consent, personal data encrypted at rest, the caller's own list, and withdrawal erasing the data
from the database at once (read back from the raw rows)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sanic import Sanic

from core import referrals
from core.models import AuditLog, Referral, ReferralEvent, ReferralTally

API = "/api/v1/miniapp/referrals"
NAME, PHONE = "王小梅", "13912345678"


def body(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"street": "wusong", "name": NAME, "phone": PHONE, "consent": True,
                            "answers": {"household_size": 2, "income_band": "below_dibao"},
                            "note": "家里老人卧床，想了解补助"}
    data.update(over)
    return data


async def raw_rows(table: str) -> list[dict[str, Any]]:
    """Every row of ``table`` as the database holds it (no ORM decoding)."""
    from tortoise import connections

    conn = connections.get("default")
    _, rows = await conn.execute_query(f'SELECT * FROM "{table}"')
    return [dict(r) for r in rows]


async def test_streets_list_baoshan_with_their_stations_and_the_consent_text(
        client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/streets")
    assert r.status_code == 200
    data = r.json()
    names = [s["name"] for s in data["streets"]]
    for name in ("友谊路街道", "吴淞街道", "张庙街道", "罗店镇", "大场镇", "杨行镇", "月浦镇", "罗泾镇",
                 "顾村镇", "高境镇", "庙行镇", "淞南镇"):
        assert name in names
    assert len({s["code"] for s in data["streets"]}) == len(names)
    wusong = next(s for s in data["streets"] if s["code"] == "wusong")
    assert wusong["station"] == "吴淞街道社区救助顾问工作站"
    # Hours are not known to us: the resident is pointed to the official notice, nothing invented.
    assert wusong["hours"] == "以街镇社区事务受理服务中心公布为准"
    assert data["sample"] is True
    assert data["consent"]["version"] == referrals.CONSENT_VERSION
    assert "撤回" in data["consent"]["text"] and "一年" in data["consent"]["text"]


async def test_no_referral_without_explicit_consent(client: httpx.AsyncClient, login) -> None:  # type: ignore[no-untyped-def]
    auth = await login("ref-consent")
    for consent in ({}, {"consent": False}, {"consent": "true"}, {"consent": 1}):
        sent = {k: v for k, v in body().items() if k != "consent"} | consent
        r = await client.post(API, json=sent, headers=auth)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "consent_required"
    assert await Referral.all().count() == 0


async def test_submit_stores_personal_data_encrypted(app: Sanic, client: httpx.AsyncClient,
                                                     login) -> None:  # type: ignore[no-untyped-def]
    auth = await login("ref-submit")
    r = await client.post(API, json=body(phone="+86 139-1234-5678"), headers=auth)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["status"] == "submitted" and isinstance(created["id"], int)

    [row] = await raw_rows("referral")
    stored = json.dumps(row, default=str, ensure_ascii=False)
    assert NAME not in stored and PHONE not in stored and "卧床" not in stored
    referral = await Referral.get(id=created["id"])
    plain = json.loads(referrals.PERSONAL.decrypt(app.ctx.cipher, referral.personal_enc,
                                                  row_key=referrals.row_key(referral.ref)))
    # The phone is normalised by the booking rules' validator.
    assert plain == {"name": NAME, "phone": PHONE, "note": "家里老人卧床，想了解补助",
                     "answers": {"household_size": 2, "income_band": "below_dibao"}}
    assert referral.masked == {"name": "王*梅", "phone": "139****5678"}
    assert referral.consent_version == referrals.CONSENT_VERSION and referral.consent_at
    assert referral.street == "wusong" and referral.urgent is False
    audit = [a for a in await raw_rows("audit_log")]
    assert [a["action"] for a in audit] == ["referral.submit"]
    assert NAME not in json.dumps(audit, default=str, ensure_ascii=False)


async def test_bad_input_is_a_clear_422(client: httpx.AsyncClient, login) -> None:  # type: ignore[no-untyped-def]
    auth = await login("ref-bad")
    for over, field in (({"phone": "12345"}, "phone"), ({"street": "pudong"}, "street"),
                        ({"name": ""}, "name"), ({"answers": ["x"]}, "answers"),
                        ({"answers": {"a": {"nested": 1}}}, "answers"), ({"note": "长" * 501}, "note"),
                        ({"urgent": "yes"}, "urgent")):
        r = await client.post(API, json=body(**over), headers=auth)
        assert r.status_code == 422, (over, r.text)
        assert r.json()["error"]["field"] == field
    assert (await client.post(API, json=body())).status_code == 401


async def test_at_most_five_open_requests_per_account(client: httpx.AsyncClient, login) -> None:  # type: ignore[no-untyped-def]
    auth = await login("ref-limit")
    made = [(await client.post(API, json=body(), headers=auth)).json()["id"] for _ in range(5)]
    r = await client.post(API, json=body(), headers=auth)
    assert r.status_code == 409 and r.json()["error"]["code"] == "referral_limit"
    assert "5条" in r.json()["error"]["message"]
    assert (await client.delete(f"{API}/{made[0]}", headers=auth)).status_code == 204
    assert (await client.post(API, json=body(), headers=auth)).status_code == 201


async def test_crisis_entry_marks_the_referral_urgent(client: httpx.AsyncClient, login) -> None:  # type: ignore[no-untyped-def]
    auth = await login("ref-urgent")
    r = await client.post(API, json=body(urgent=True, note=None), headers=auth)
    assert r.status_code == 201
    assert (await Referral.get(id=r.json()["id"])).urgent is True


async def test_list_shows_only_the_callers_referrals(client: httpx.AsyncClient, login) -> None:  # type: ignore[no-untyped-def]
    mine, other = await login("ref-list-1"), await login("ref-list-2")
    first = (await client.post(API, json=body(), headers=mine)).json()["id"]
    theirs = (await client.post(API, json=body(street="gucun"), headers=other)).json()["id"]
    listed = (await client.get(API, headers=mine)).json()["referrals"]
    assert [r["id"] for r in listed] == [first]
    assert listed[0]["status"] == "submitted" and listed[0]["street_name"] == "吴淞街道"
    assert NAME not in json.dumps(listed, ensure_ascii=False)  # the list carries no personal data
    assert theirs not in [r["id"] for r in listed]


async def test_withdrawal_erases_the_personal_data_at_once(client: httpx.AsyncClient, login) -> None:  # type: ignore[no-untyped-def]
    auth, other = await login("ref-wd-1"), await login("ref-wd-2")
    rid = (await client.post(API, json=body(), headers=auth)).json()["id"]
    keep = (await client.post(API, json=body(name="李大山"), headers=other)).json()["id"]
    referral = await Referral.get(id=rid)
    await ReferralEvent.create(referral_id=rid, ref="e" * 32, kind="note", actor="x", text_enc="v2.x")

    # Someone else's id is not found, and changes nothing.
    r = await client.delete(f"{API}/{rid}", headers=other)
    assert r.status_code == 404 and r.json()["error"]["code"] == "referral_not_found"
    assert await Referral.filter(id=rid).exists()

    r = await client.delete(f"{API}/{rid}", headers=auth)
    assert r.status_code == 204
    rows = await raw_rows("referral")
    assert [row["id"] for row in rows] == [keep]
    assert referral.personal_enc not in json.dumps(rows, default=str)
    assert await raw_rows("referral_event") == []
    assert (await client.get(API, headers=auth)).json()["referrals"] == []
    # An anonymous line keeps the count; the audit keeps only that it happened.
    [tally] = await ReferralTally.all().values("street", "outcome", "urgent")
    assert tally == {"street": "wusong", "outcome": "withdrawn", "urgent": False}
    withdraw = await AuditLog.get(action="referral.withdraw")
    assert withdraw.target == f"referral:{rid}" and withdraw.before is None and withdraw.after is None
    assert (await client.delete(f"{API}/{rid}", headers=auth)).status_code == 404
