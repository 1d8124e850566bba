"""幸福加油站 sign-ups as pure rules: the age range on the event's day (default 18 to 45), the
single-status confirmation, and the sex read from the ID number for a gender-split event."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from core.booking import rules
from core.booking.application import validate
from core.booking.capacity import by_sex, half
from core.booking.errors import BookingError
from core.booking.slots import check_ages
from tests.miniapp_api.conftest import make_id

EVENT = date(2026, 7, 7)  # the event's day (七夕 2026 is 8月19日; any day will do)
TODAY = date(2026, 6, 20)


def body(birth: date, *, male: bool = True, **over: Any) -> dict[str, Any]:
    out = {"slot_id": 1, "name": "王小明", "id_number": make_id(birth.strftime("%Y%m%d"), male=male),
           "phone": "13800000018", "single": True}
    out.update(over)
    return out


def refused(form: dict[str, Any], ages: tuple[int | None, int | None] = (None, None)) -> BookingError:
    with pytest.raises(BookingError) as caught:
        validate(rules.YOUTH, form, EVENT, TODAY, ages=ages)
    assert caught.value.code == "invalid_input"
    return caught.value


def birthday(years: int) -> date:
    """The birth date whose ``years``-th birthday is the event's day."""
    return EVENT.replace(year=EVENT.year - years)


def test_eighteenth_birthday_counts_on_the_event_day_not_before() -> None:
    # 18 the day after the event: still 17 on the day → refused, naming the ID number.
    error = refused(body(birthday(18) + timedelta(days=1)))
    assert error.field == "id_number" and "18至45周岁" in str(error.detail)
    for birth in (birthday(18), birthday(18) - timedelta(days=1)):
        assert validate(rules.YOUTH, body(birth), EVENT, TODAY).service == rules.YOUTH


def test_forty_sixth_birthday_ends_the_default_range() -> None:
    # 46 the day after the event: still 45 on the day → accepted; 46 on or before it → refused.
    assert validate(rules.YOUTH, body(birthday(46) + timedelta(days=1)), EVENT, TODAY)
    for birth in (birthday(46), birthday(46) - timedelta(days=1)):
        assert refused(body(birth)).field == "id_number"


def test_a_slot_range_replaces_the_default_and_a_missing_end_keeps_its_default() -> None:
    thirty = body(birthday(30))
    assert refused(thirty, ages=(20, 28)).detail == "本场活动限20至28周岁报名（以活动当天计算）"
    assert validate(rules.YOUTH, body(birthday(25)), EVENT, TODAY, ages=(20, 28))
    assert validate(rules.YOUTH, body(birthday(50)), EVENT, TODAY, ages=(None, 55))
    assert refused(body(birthday(17)), ages=(None, 55)).field == "id_number"  # 18 still applies
    assert refused(body(birthday(46)), ages=(30, None)).field == "id_number"  # 45 still applies


@pytest.mark.parametrize("single", [None, False, "true", 1, "是"])
def test_single_status_must_be_confirmed_as_true(single: object) -> None:
    form = body(birthday(30))
    if single is None:
        del form["single"]
    else:
        form["single"] = single
    error = refused(form)
    assert error.field == "single" and "单身" in str(error.detail)


def test_the_confirmation_is_recorded_and_the_sex_comes_from_the_id_number() -> None:
    man = validate(rules.YOUTH, body(birthday(30), male=True), EVENT, TODAY)
    woman = validate(rules.YOUTH, body(birthday(30), male=False), EVENT, TODAY)
    assert (man.sex, woman.sex) == ("M", "F")
    assert man.personal["single"] is True and man.masked["single"] is True
    assert man.personal["id_number"] == man.id_numbers[0]
    assert "*" in man.masked["id_number"] and "*" in man.masked["name"]


def test_name_id_number_and_phone_are_checked_as_for_other_services() -> None:
    assert refused(body(birthday(30), name=" ")).field == "name"
    assert refused(body(birthday(30), id_number="310113199001010000")).field == "id_number"
    assert refused(body(birthday(30), phone="12345")).field == "phone"
    wide = body(birthday(30))
    wide["id_number"] = wide["id_number"].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert validate(rules.YOUTH, wide, EVENT, TODAY).id_numbers == (body(birthday(30))["id_number"],)


def test_half_rounds_up_and_places_count_by_sex() -> None:
    assert [half(c) for c in (1, 2, 9, 10)] == [1, 1, 5, 5]
    assert by_sex("M", 1) == (1, 0) and by_sex("F", 1) == (0, 1) and by_sex("", 3) == (0, 0)


def test_age_range_and_split_only_on_youth_events() -> None:
    check_ages(rules.YOUTH, None, None, True)
    check_ages(rules.CEREMONY, None, None, False)
    for args in ((20, None, False), (None, None, True)):
        with pytest.raises(BookingError):
            check_ages(rules.CEREMONY, *args)
    with pytest.raises(BookingError) as inverted:
        check_ages(rules.YOUTH, 40, 30, False)
    assert inverted.value.field == "age_max"
    with pytest.raises(BookingError) as low:
        check_ages(rules.YOUTH, None, 16, False)  # below the default minimum of 18
    assert low.value.field == "age_max"
