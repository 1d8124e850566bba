"""Pure booking rules: no database, no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.booking import BookingError, codes, rules
from core.booking.application import validate
from core.crypto import FieldCipher, mask_id_number, mask_name, mask_phone
from tests.miniapp_api.conftest import make_id

TODAY = date(2026, 5, 1)


def test_id_number_check_digit_birth_date_and_sex() -> None:
    info = rules.parse_id_number("11010519491231002X", "id", TODAY)  # GB 11643 sample number
    assert info.birth == date(1949, 12, 31) and info.sex == "F"
    with pytest.raises(BookingError) as bad:
        rules.parse_id_number("110105194912310021", "party_a.id_number", TODAY)
    assert bad.value.code == "invalid_input" and bad.value.field == "party_a.id_number"
    assert "校验位" in (bad.value.detail or "")
    first17 = "31011319900230001"  # 30 February
    with pytest.raises(BookingError, match="出生日期"):
        rules.parse_id_number(first17 + rules.id_check_digit(first17), "id", TODAY)
    future = "31011320300101001"
    with pytest.raises(BookingError, match="出生日期"):
        rules.parse_id_number(future + rules.id_check_digit(future), "id", TODAY)
    assert rules.parse_id_number(make_id().lower(), "id", TODAY).number == make_id().upper()


@pytest.mark.parametrize("raw,ok", [("13800000014", True), ("+86 138-0000-0014", True),
                                    ("12800000014", False), ("1380000001", False), (13800000014, False)])
def test_mainland_mobile(raw: object, ok: bool) -> None:
    if ok:
        assert rules.parse_phone(raw) == "13800000014"
    else:
        with pytest.raises(BookingError):
            rules.parse_phone(raw)


def test_legal_marriage_age_is_judged_on_the_slot_date() -> None:
    body = {"slot_id": 1, "phone": "13800000014",
            "party_a": {"name": "王五", "id_number": make_id("20040601", male=True)},
            "party_b": {"name": "赵六", "id_number": make_id("20060601", male=False)}}
    # He turns 22 on 2026-06-01, she turns 20 the same day.
    with pytest.raises(BookingError) as young:
        validate(rules.MARRIAGE, body, date(2026, 5, 31), TODAY)
    assert young.value.field == "party_a.id_number" and "22" in (young.value.detail or "")
    app = validate(rules.MARRIAGE, body, date(2026, 6, 1), TODAY)
    assert app.masked["party_a"]["id_number"].startswith("3101") and "*" in app.masked["phone"]
    same = {**body, "party_b": body["party_a"]}
    with pytest.raises(BookingError) as dup:
        validate(rules.MARRIAGE, same, date(2026, 6, 1), TODAY)
    assert dup.value.field == "party_b.id_number"


def test_eco_burial_and_charity_fields() -> None:
    base = {"slot_id": 1, "name": "陈七", "phone": "13900000000"}
    with pytest.raises(BookingError) as e:
        validate(rules.ECO_BURIAL, {**base, "burial_type": "space"}, TODAY, TODAY)
    assert e.value.field == "burial_type"
    assert validate(rules.ECO_BURIAL, {**base, "burial_type": "sea"}, TODAY, TODAY).party_size == 1
    for bad in (0, 6, "2", True):
        with pytest.raises(BookingError) as e:
            validate(rules.CHARITY, {**base, "party_size": bad}, TODAY, TODAY)
        assert e.value.field == "party_size"
    assert validate(rules.CHARITY, {**base, "party_size": 5}, TODAY, TODAY).party_size == 5
    with pytest.raises(BookingError) as e:
        validate(rules.CHARITY, {**base, "name": "  "}, TODAY, TODAY)
    assert e.value.field == "name"


def test_booking_window_opening_moment_and_cancel_cutoff() -> None:
    rule = rules.DEFAULT_RULES[rules.MARRIAGE]
    now = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
    start = now + timedelta(days=3)
    rules.check_bookable(rule, start, None, now)
    with pytest.raises(BookingError, match="not_open"):
        rules.check_bookable(rule, start, now + timedelta(minutes=1), now)
    with pytest.raises(BookingError, match="not_open"):
        rules.check_bookable(rule, now + timedelta(days=rule.days_ahead + 1), None, now)
    with pytest.raises(BookingError, match="booking_closed"):
        rules.check_bookable(rule, now + timedelta(minutes=30), None, now)
    with pytest.raises(BookingError, match="cancel_closed"):
        rules.check_cancellable(rule, now + timedelta(minutes=60), now)
    merged = rules.merge_rules({rules.MARRIAGE: {"days_ahead": 7, "evil": 1}, "nope": {}})
    assert merged[rules.MARRIAGE].days_ahead == 7 and set(merged) == set(rules.DEFAULT_RULES)


def test_masks_and_field_encryption() -> None:
    assert mask_id_number("310113199001010014") == "3101**********0014"
    assert mask_phone("13800000014") == "138****0014"
    assert mask_name("张三") == "张*" and mask_name("欧阳小明") == "欧**明"
    cipher, at = FieldCipher("k" * 40), {"table": "t", "column": "c", "row_key": "r1"}
    token = cipher.encrypt("310113199001010014", **at)
    assert "3101131990" not in token and cipher.decrypt(token, **at) == "310113199001010014"
    assert cipher.encrypt("x", **at) != cipher.encrypt("x", **at)  # random nonce
    assert cipher.lookup_hash("a") == cipher.lookup_hash("a") != FieldCipher("j" * 40).lookup_hash("a")
    with pytest.raises(Exception):  # noqa: B017 - any tampering must fail authentication
        FieldCipher("j" * 40).decrypt(token, **at)


def test_qr_payload_is_signed_and_ics_is_rfc5545() -> None:
    cipher = FieldCipher("k" * 40)
    payload = codes.qr_payload(cipher, 42, "ABCD2345")
    assert codes.parse_qr(cipher, payload) == (42, "ABCD2345")
    assert codes.parse_qr(cipher, payload.replace(":42:", ":43:")) is None
    assert codes.parse_qr(FieldCipher("j" * 40), payload) is None
    start = datetime(2026, 5, 20, 1, 0, tzinfo=UTC)
    text = codes.ics(uid="b-1", title="结婚登记, 宝山", starts_at=start, ends_at=start + timedelta(hours=1),
                     location="宝山", description="预约码 X", now=start)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and "DTSTART:20260520T010000Z" in text
    assert "SUMMARY:结婚登记\\, 宝山" in text and text.endswith("END:VCALENDAR\r\n")
    assert len(codes.new_code()) == 8
