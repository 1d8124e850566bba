"""What an answer says: contacts that read as one phrase, dated plans with their source, a source
line on every answer, and text that fits a WeChat text reply."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from knowledge.entries import Entry, load_dir
from knowledge.render import CONTACT_LABELS, DEFAULT_CONTACTS, entry_reply, render_text, source_line

# Obviously made-up details: only the shape matters here.
FILLED = {
    "bureau_address": "宝山区某某路1号",
    "bureau_phone": "021-00000000",
    "office_hours": "周一至周五 9:00-17:00",
    "marriage_office_address": "宝山区某某路2号",
    "marriage_office_phone": "021-00000001",
    "marriage_office_hours": "周一至周六 9:00-16:30",
    "rescue_station_phone": "021-00000002",
}
# What staff may type instead: the detail with its label in front.
FILLED_WITH_LABELS = {k: f"{CONTACT_LABELS[k]}：{v}" for k, v in FILLED.items()}
OWNERS = ("区民政局", "婚姻登记处", "救助管理站")
_DOUBLED = [re.compile(p) for p in (
    *(f"{o}[：:]?{o}" for o in OWNERS),
    *(f"{o}电话[：:]?（?{o}" for o in OWNERS),
    r"电话[：:]?（?[^。，；\n]{0,3}电话",
    r"电话（[^）]*）电话",
    r"地址[：:][^。；\n]{0,40}地址",
    r"时间[：:][^。；\n]{0,20}时间",
    r"（[^）\n]*（",  # a bracket opened inside another: a default pasted into brackets
)]
_ATTRIBUTION = re.compile(r"根据[^。；\n]*工作要点|《[^》]+》")
_PAST_YEAR, _PLAN = r"20(?:[01]\d|2[0-5])年", r"(?:计划|将|新增|目标|力争)"
_PAST_PLAN = re.compile(rf"{_PAST_YEAR}[^。；\n]*{_PLAN}|{_PLAN}[^。；\n]*{_PAST_YEAR}")


@pytest.fixture(scope="module")
def civil() -> list[Entry]:
    return [e for e in load_dir() if e.kind == "entry"]


@pytest.fixture(scope="module")
def every() -> list[Entry]:
    return load_dir()


@pytest.mark.parametrize("contacts", [None, FILLED, FILLED_WITH_LABELS],
                         ids=["defaults", "filled", "filled-with-labels"])
def test_contacts_read_as_one_phrase_filled_or_not(every: list[Entry],
                                                    contacts: dict[str, str] | None) -> None:
    problems = []
    for e in every:
        text = render_text(e.answer, contacts)
        problems += [(e.id, m.group(0)) for p in _DOUBLED for m in [p.search(text)] if m]
    assert problems == []


def test_the_fresh_install_example_reads_naturally() -> None:
    assert render_text("请咨询区民政局电话${bureau_phone}") == \
        "请咨询区民政局电话（号码以宝山区人民政府网站公布的为准）"
    assert render_text("请咨询区民政局电话${bureau_phone}", FILLED_WITH_LABELS) == \
        "请咨询区民政局电话021-00000000"


def test_placeholders_follow_their_label(every: list[Entry]) -> None:
    """The answer names what the detail is, so a bare value and a default both read on from it."""
    wrong = []
    for e in every:
        for m in re.finditer(r"\$\{(\w+)\}", e.answer):
            key, before = m.group(1), e.answer[:m.start()]
            line = before.rsplit("\n", 1)[-1]
            inside_brackets = line.count("（") > line.count("）")
            if key.endswith("_phone"):
                ok = before.endswith("电话") and not inside_brackets \
                    and not e.answer[m.end():].startswith("（")
            elif key.endswith("_address"):
                ok = before.endswith("地址：")
            else:
                ok = before.endswith(("时间：", "时间（"))
            if not ok:
                wrong.append((e.id, key, line[-12:]))
    assert wrong == []


def test_defaults_are_not_labels() -> None:
    assert set(DEFAULT_CONTACTS) == set(CONTACT_LABELS)
    for key, value in DEFAULT_CONTACTS.items():
        assert not value.startswith(CONTACT_LABELS[key]) and "电话（" not in value, key


def test_dated_facts_say_where_they_come_from(civil: list[Entry]) -> None:
    unattributed = [e.id for e in civil if "2024年" in e.answer and not _ATTRIBUTION.search(e.answer)]
    assert unattributed == []
    # A past year's plan or target is the plan of that year, never a current promise.
    promises = [(e.id, s) for e in civil for s in re.split(r"[。；\n]", e.answer)
                if _PAST_PLAN.search(s) and not _ATTRIBUTION.search(s)]
    assert promises == []
    assert not [e.id for e in civil if re.search(r"20[0-2]\d年宝山计划", e.answer)
                and "根据宝山区民政局2024年工作要点，2024年宝山计划" not in e.answer]


def test_work_point_plans_are_not_told_as_ongoing(civil: list[Entry]) -> None:
    ongoing = [(e.id, s) for e in civil if "工作要点" in e.source
               for s in re.split(r"[。；\n]", e.answer)
               if re.search(r"宝山区?正在|力争", s) and not _ATTRIBUTION.search(s)]
    assert ongoing == []


def test_every_answer_has_a_chinese_source_and_a_date(civil: list[Entry]) -> None:
    for e in civil:
        assert e.source and re.search(r"[\u4e00-\u9fff]", e.source), e.id
        assert not re.search(r"[A-Za-z]", e.source), (e.id, e.source)
        assert isinstance(e.updated, dt.date), e.id


def test_the_reply_ends_with_one_source_line(civil: list[Entry]) -> None:
    entry = next(e for e in civil if e.id == "mr-register-materials")
    assert source_line(entry) == "来源：《婚姻登记条例》（2025年修订） · 更新于" + entry.updated.isoformat()
    for e in civil:
        reply = entry_reply(e, FILLED)
        body, last = reply.rsplit("\n", 1)
        assert last == source_line(e) and last.startswith("来源：") and "更新于" in last, e.id
        assert body == render_text(e.answer, FILLED)
        assert len(reply.encode()) < 2048, e.id  # still one WeChat text message


def test_redirects_and_small_talk_carry_no_source_line(every: list[Entry]) -> None:
    for e in every:
        if e.kind != "entry":
            assert entry_reply(e) == render_text(e.answer), e.id


def test_answers_fit_a_text_reply_with_no_buttons(every: list[Entry]) -> None:
    """A WeChat text reply has no buttons under it: the answer says where to go instead."""
    pointing = [e.id for e in every if re.search(r"点击?下方|下方(?:菜单|按钮)|按钮", e.answer)]
    assert pointing == []
