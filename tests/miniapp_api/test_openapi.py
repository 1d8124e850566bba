"""``/openapi.json`` describes the mini-program's real shapes: every endpoint is called and its
live response is validated against the schema the document publishes for that status.

The validator is a small one of our own (the JSON-schema subset pydantic emits: $ref, type,
properties, required, additionalProperties, items, anyOf, enum), so the test adds no dependency.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from core.models import Booking
from tests.miniapp_api.conftest import couple, local_day, make_id, make_slot
from tests.support.proxy import finish, order_body

API = "/api/v1/miniapp"
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "boolean": (bool,),
    "integer": (int,), "number": (int, float), "null": (type(None),),
}


def problems(schema: dict[str, Any], value: Any, spec: dict[str, Any], at: str = "$") -> list[str]:
    """What is wrong with ``value`` under ``schema`` (empty when it conforms)."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        return problems(spec["components"]["schemas"][name], value, spec, at)
    if "anyOf" in schema:
        options = [problems(s, value, spec, at) for s in schema["anyOf"]]
        return [] if any(not o for o in options) else [f"{at}: no anyOf option fits: {options}"]
    if value is None and schema.get("nullable"):
        return []
    kind = schema.get("type")
    if kind is not None:
        wanted = _TYPES[kind]
        if not isinstance(value, wanted) or (kind in ("integer", "number") and isinstance(value, bool)):
            return [f"{at}: {type(value).__name__} is not {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{at}: {value!r} not in {schema['enum']}"]
    found: list[str] = []
    if isinstance(value, dict):
        props = schema.get("properties", {})
        found += [f"{at}: missing {key}" for key in schema.get("required", []) if key not in value]
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                found += problems(props[key], item, spec, f"{at}.{key}")
            elif extra is False:
                found.append(f"{at}: unexpected {key}")
            elif isinstance(extra, dict):
                found += problems(extra, item, spec, f"{at}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found += problems(schema["items"], item, spec, f"{at}[{i}]")
    return found


class Checked:
    """Calls endpoints and validates each JSON response against the published schema."""

    def __init__(self, client: httpx.AsyncClient, spec: dict[str, Any], api: str = API) -> None:
        self.client, self.spec, self.api = client, spec, api
        self.seen: set[tuple[str, str]] = set()

    async def call(self, method: str, template: str, status: int, *, path: str | None = None,
                   **kwargs: Any) -> httpx.Response:
        r = await self.client.request(method, self.api + (path or template), **kwargs)
        assert r.status_code == status, (method, template, r.status_code, r.text)
        operation = self.spec["paths"][self.api + template][method.lower()]
        response = operation["responses"].get(str(status))
        assert response is not None, f"{method} {template}: {status} not documented"
        self.seen.add((template, method.lower()))
        if status == 204 or not r.headers.get("content-type", "").startswith("application/json"):
            return r
        schema = response["content"]["application/json"]["schema"]
        assert not problems(schema, r.json(), self.spec), (method, template, status,
                                                           problems(schema, r.json(), self.spec))
        return r


async def test_every_miniapp_response_matches_the_published_schema(app, client, login) -> None:
    spec = (await client.get("/openapi.json")).json()
    api = Checked(client, spec)
    auth = await login("schema-1")
    login_r = await api.call("POST", "/session", 200, json={"code": "schema-2"})
    other = {"Authorization": f"Bearer {login_r.json()['token']}"}
    await api.call("POST", "/session", 422, json={})

    await api.call("GET", "/services", 200)
    slot = await make_slot("marriage_registration", 1)
    later = await make_slot("marriage_registration", 1, hour=14)
    await api.call("GET", "/slots", 200, params={"service": "marriage_registration"})
    await api.call("GET", "/slots", 422, params={"service": "nope"})

    booked = (await api.call("POST", "/bookings", 201, json=couple(slot.id), headers=auth)).json()
    await api.call("POST", "/bookings", 422, json={"slot_id": later.id}, headers=auth)
    await api.call("POST", "/bookings", 401, json=couple(slot.id))
    dup = await api.call("POST", "/bookings", 409, json=couple(slot.id), headers=auth)
    assert dup.json()["error"]["code"] == "duplicate_booking" and dup.json()["error"]["booking_id"]
    waiting = await make_slot("charity_event", 1)
    charity = {"slot_id": waiting.id, "name": "陈七", "phone": "13900000000", "party_size": 1}
    await api.call("POST", "/bookings", 201, json=charity, headers=auth)
    full = await api.call("POST", "/bookings", 409, json=charity, headers=other)
    assert full.json()["error"]["code"] == "slot_full"
    opens = datetime.now(UTC) + timedelta(hours=1)
    shut = await make_slot("charity_event", 1, opens_at=opens)
    not_open = await api.call("POST", "/bookings", 409, json={**charity, "slot_id": shut.id},
                              headers=other)
    assert not_open.json()["error"]["opens_at"]
    # --- youth --- slots with a theme, a place and (youth events) an age range and gender split
    youth = await make_slot("youth_event", 2, title="幸福加油站", theme="七夕", place="示例活动场地",
                            age_min=20, gender_split=True)
    listed = await api.call("GET", "/slots", 200, params={"service": "youth_event"})
    assert listed.json()["slots"][0]["remaining_men"] == 1
    born = f"{local_day(0).year - 30}0505"  # 29 or 30 on the event's day, in any year
    signup = {"slot_id": youth.id, "name": "王小明", "id_number": make_id(born),
              "phone": "13800000018", "single": True}
    await api.call("POST", "/bookings", 201, json=signup, headers=other)
    half = await api.call("POST", "/bookings", 409, headers=auth,
                          json={**signup, "id_number": make_id(born, seq=2)})
    assert half.json()["error"]["code"] == "gender_full"
    await api.call("POST", "/bookings", 422, headers=auth,
                   json={**signup, "id_number": make_id(born, seq=3), "single": False})

    await api.call("GET", "/bookings", 200, headers=auth)
    one = f"/bookings/{booked['id']}"
    await api.call("GET", "/bookings/{booking_id}", 200, path=one, headers=auth)
    await api.call("GET", "/bookings/{booking_id}", 404, path=one, headers=other)
    await api.call("GET", "/bookings/{booking_id}/ics", 200, path=one + "/ics", headers=auth)
    await api.call("POST", "/bookings/{booking_id}/reschedule", 200, path=one + "/reschedule",
                   json={"slot_id": later.id}, headers=auth)
    await api.call("POST", "/bookings/{booking_id}/reschedule", 422, path=one + "/reschedule",
                   json={"slot_id": later.id}, headers=auth)

    entry = (await api.call("POST", "/waitlist", 201, json=charity, headers=other)).json()
    await api.call("POST", "/waitlist", 409, json=charity, headers=other)
    await api.call("GET", "/waitlist", 200, headers=other)
    await api.call("DELETE", "/waitlist/{entry_id}", 204, path=f"/waitlist/{entry['id']}",
                   headers=other)
    await api.call("DELETE", "/waitlist/{entry_id}", 404, path=f"/waitlist/{entry['id']}",
                   headers=other)

    cancelled = await api.call("POST", "/bookings/{booking_id}/cancel", 200, path=one + "/cancel",
                               headers=auth)
    assert "qr_payload" not in cancelled.json()  # absent, not null, once no longer confirmed
    await api.call("POST", "/bookings/{booking_id}/cancel", 409, path=one + "/cancel", headers=auth)
    await api.call("GET", "/bookings/{booking_id}/ics", 409, path=one + "/ics", headers=auth)
    await api.call("GET", "/bookings", 200, headers=auth)  # a cancelled booking in the list

    # Proxy sweeping (代客祭扫): an order, its refusals, the packages, and the list once done.
    order = (await api.call("POST", "/proxy-sweeping", 201, json=order_body(), headers=auth)).json()
    await api.call("POST", "/proxy-sweeping", 422, json=order_body(phone="1"), headers=auth)
    await api.call("POST", "/proxy-sweeping", 409, json=order_body(), headers=auth)
    await api.call("POST", "/proxy-sweeping", 401, json=order_body())
    await api.call("GET", "/proxy-sweeping/packages", 200)
    await api.call("GET", "/proxy-sweeping", 200, headers=auth)
    await finish(app.ctx.cipher, app.ctx.settings.var_dir, order["id"])
    listed = await api.call("GET", "/proxy-sweeping", 200, headers=auth)
    assert len(listed.json()["orders"][0]["photos"]) == 2

    await api.call("POST", "/subscriptions", 201, json={"template_id": "tmpl-1"}, headers=auth)
    await api.call("POST", "/subscriptions", 422, json={}, headers=auth)
    # Referrals to the community assistance adviser (issue #16).
    referral = {"street": "wusong", "name": "王小梅", "phone": "13912345678", "consent": True,
                "answers": {"household_size": 2}, "note": None}
    made = (await api.call("POST", "/referrals", 201, json=referral, headers=auth)).json()
    refused = await api.call("POST", "/referrals", 422, json={**referral, "consent": False},
                             headers=auth)
    assert refused.json()["error"]["code"] == "consent_required"
    await api.call("POST", "/referrals", 401, json=referral)
    await api.call("GET", "/referrals", 200, headers=auth)
    gone = f"/referrals/{made['id']}"
    await api.call("DELETE", "/referrals/{referral_id}", 404, path=gone, headers=other)
    await api.call("DELETE", "/referrals/{referral_id}", 204, path=gone, headers=auth)
    streets = await client.get("/api/v1/streets")
    streets_schema = spec["paths"]["/api/v1/streets"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    assert streets.status_code == 200 and not problems(streets_schema, streets.json(), spec)

    await api.call("DELETE", "/session", 204, headers=other)
    await api.call("DELETE", "/session", 401, headers=other)

    documented = {(path.removeprefix(API), method) for path, ops in spec["paths"].items()
                  if path.startswith(API + "/") for method in ops}
    assert documented == api.seen, documented ^ api.seen
    assert await Booking.filter(id=booked["id"], status="cancelled").exists()


async def test_every_policy_check_response_matches_the_published_schema(client) -> None:
    """#16: the 政策找人 self-check's operations, called live and validated the same way."""
    spec = (await client.get("/openapi.json")).json()
    api = Checked(client, spec, "/api/v1/policy-check")
    await api.call("GET", "/questions", 200)
    answers = {"household_size": 1, "income": "below_dibao", "oldest_age": 82, "illness": True}
    found = await api.call("POST", "", 200, json={"answers": answers})
    assert found.json()["policies"]
    await api.call("POST", "", 200, json={"answers": {}})
    await api.call("POST", "", 422, json={"answers": {"nope": 1}})
    documented = {(path.removeprefix(api.api), method) for path, ops in spec["paths"].items()
                  if path.startswith(api.api) for method in ops}
    assert documented == api.seen, documented ^ api.seen
    body = spec["paths"]["/api/v1/policy-check"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/PolicyCheckIn")


async def test_no_miniapp_schema_describes_a_python_dict(client: httpx.AsyncClient) -> None:
    """Was: 15 responses in 11 operations showed dict's methods (clear, copy, fromkeys, …) as
    properties, and list items had no fields."""
    spec = (await client.get("/openapi.json")).json()
    text = str({p: ops for p, ops in spec["paths"].items() if p.startswith(API)})
    assert "fromkeys" not in text and "model_config" not in text
    items = spec["components"]["schemas"]["BookingsOut"]["properties"]["bookings"]["items"]
    assert spec["components"]["schemas"][items["$ref"].rsplit("/", 1)[1]]["properties"]["code"]


async def test_the_guides_api_matches_its_published_schema(client: httpx.AsyncClient) -> None:
    """The public guides (CONTRACT.md "Guides"): both operations documented and answering to it."""
    from core import guide_seed

    await guide_seed.seed_if_empty()
    spec = (await client.get("/openapi.json")).json()
    for path, status in (("/api/v1/guides", 200), ("/api/v1/guides/social-group-setup", 200),
                         ("/api/v1/guides/no-such-guide", 404)):
        r = await client.get(path)
        assert r.status_code == status, (path, r.text)
        template = "/api/v1/guides" if path == "/api/v1/guides" else "/api/v1/guides/{guide_id}"
        schema = spec["paths"][template]["get"]["responses"][str(status)]["content"][
            "application/json"]["schema"]
        assert not problems(schema, r.json(), spec), problems(schema, r.json(), spec)
