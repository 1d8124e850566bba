"""core.pii: personal numbers in free text become tokens; everyday numbers stay as typed."""

from __future__ import annotations

import pytest

from core.pii import CARD_LABEL, ID_LABEL, LANDLINE_LABEL, MOBILE_LABEL, mask_free_text


@pytest.mark.parametrize(("text", "expected"), [
    ("我的身份证310101199003070014丢了", f"我的身份证{ID_LABEL}丢了"),
    ("身份证号31010119900307001X补办", f"身份证号{ID_LABEL}补办"),
    ("身份证号31010119900307001x", f"身份证号{ID_LABEL}"),
    ("310101 19900307 0014", ID_LABEL),
    ("老身份证310101900307001还能用吗", f"老身份证{ID_LABEL}还能用吗"),
    # Full-width digits (and a full-width X) are caught after NFKC.
    ("身份证３１０１０１１９９００３０７００１Ｘ", f"身份证{ID_LABEL}"),
])
def test_resident_id_numbers_are_masked(text: str, expected: str) -> None:
    assert mask_free_text(text) == expected


@pytest.mark.parametrize("phone", [
    "13800138000", "138 0013 8000", "138-0013-8000", "+86 13800138000", "+86-138-0013-8000",
    "+8613800138000", "8613800138000", "0086 138 0013 8000", "(+86)13800138000",
    "１３８００１３８０００", "＋８６　１３８－００１３－８０００", "19912345678",
])
def test_mobile_phones_are_masked(phone: str) -> None:
    assert mask_free_text(f"我的电话是{phone}，请回电") == f"我的电话是{MOBILE_LABEL},请回电"


@pytest.mark.parametrize(("text", "expected"), [
    ("民政局电话021-12345678吗", f"民政局电话{LANDLINE_LABEL}吗"),
    ("打0512-1234567", f"打{LANDLINE_LABEL}"),
    ("(021)12345678", LANDLINE_LABEL),
    ("（０２１）１２３４５６７８", LANDLINE_LABEL),
    ("02112345678", LANDLINE_LABEL),
    ("座机：66781234", f"座机:{LANDLINE_LABEL}"),
    ("电话6678 1234", f"电话{LANDLINE_LABEL}"),
])
def test_landlines_are_masked(text: str, expected: str) -> None:
    assert mask_free_text(text) == expected


@pytest.mark.parametrize("card", [
    "6222021234567890", "6222 0212 3456 7890", "6222-0212-3456-7890", "6222021234567890123",
    "6222 0212 3456 7890 123", "6222021234567", "６２２２　０２１２　３４５６　７８９０",
])
def test_bank_card_numbers_are_masked(card: str) -> None:
    assert mask_free_text(f"卡号{card}被冻结") == f"卡号{CARD_LABEL}被冻结"


@pytest.mark.parametrize("text", [
    "2024年结婚登记", "3号楼1203室", "补贴1000元", "每月2800元", "12345热线", "110", "2024-03-07",
    "20240307", "2024.03.07", "80岁以上老人", "第1、2、3条", "门牌号88弄5号502", "100000元",
    "1234 5678 9012",  # twelve digits: not a card
    "房号1203 1204",
])
def test_everyday_numbers_are_left_alone(text: str) -> None:
    assert mask_free_text(text) == text


def test_several_numbers_in_one_message_and_masking_twice_changes_nothing() -> None:
    text = "身份证310101199003070014，手机13800138000，卡6222021234567890，2024年3月"
    masked = mask_free_text(text)
    assert masked == f"身份证{ID_LABEL},手机{MOBILE_LABEL},卡{CARD_LABEL},2024年3月"
    assert mask_free_text(masked) == masked


def test_text_is_nfkc_normalised() -> None:
    assert mask_free_text("ＡＢＣ，１２３") == "ABC,123"
