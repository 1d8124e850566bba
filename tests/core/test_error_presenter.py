"""The one JSON presenter of the APIs (core.errors.present): status from the one table, message
from the residents catalogue, params beside it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from core.booking import BookingError
from core.errors import DomainError, present


def _body(exc: DomainError) -> tuple[int, dict, dict[str, str]]:
    response = present(exc)
    return response.status, json.loads(response.body or b""), dict(response.headers)


def test_status_message_field_and_params() -> None:
    opens = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
    status, body, _ = _body(BookingError("not_open", opens_at=opens))
    assert status == 409
    assert body["error"]["code"] == "not_open" and body["error"]["message"]
    assert body["error"]["opens_at"] == "2026-05-01T09:00:00+08:00"
    status, body, _ = _body(BookingError("duplicate_booking", booking_id=7))
    assert status == 409 and body["error"]["booking_id"] == 7


def test_a_worded_detail_is_the_message_and_objects_stay_home() -> None:
    status, body, _ = _body(BookingError("invalid_input", field="phone", detail="请填写11位中国大陆手机号码"))
    assert status == 422
    assert body == {"error": {"code": "invalid_input", "message": "请填写11位中国大陆手机号码",
                              "field": "phone"}}
    _, body, _ = _body(BookingError("already_checked_in", booking=object()))
    assert "booking" not in body["error"]


def test_retry_after_is_a_header_not_a_field() -> None:
    status, body, headers = _body(DomainError("rate_limited", params={"retry_after": 42}))
    assert status == 429 and headers["Retry-After"] == "42"
    assert set(body["error"]) == {"code", "message"}


def test_an_unknown_code_is_a_400_with_a_fallback_message() -> None:
    status, body, _ = _body(DomainError("something_new"))
    assert status == 400 and body["error"]["message"]
