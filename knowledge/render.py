"""Turning a match into the text a resident reads. Contact details come from staff settings."""

from __future__ import annotations

from collections.abc import Mapping
from string import Template

from knowledge.entries import Entry
from knowledge.matcher import Result

# What each contact placeholder is, as the console labels it. Answers write the label in the
# text ("区民政局电话${bureau_phone}", "地址：${bureau_address}"), so a value is the bare detail.
CONTACT_LABELS: dict[str, str] = {
    "bureau_address": "区民政局地址",
    "bureau_phone": "区民政局电话",
    "office_hours": "区民政局办公时间",
    "marriage_office_address": "婚姻登记处地址",
    "marriage_office_phone": "婚姻登记处电话",
    "marriage_office_hours": "婚姻登记处办公时间",
    "rescue_station_phone": "救助管理站电话",
}

# Defaults say where to look instead of inventing an address or a number; staff replace them
# with the bureau's real details in the console settings. They are not labels: the answer's text
# already says "区民政局电话", so a default reads on from it ("区民政局电话（号码以…为准）").
DEFAULT_CONTACTS: dict[str, str] = {
    "bureau_address": "以宝山区人民政府网站公布的为准",
    "bureau_phone": "（号码以宝山区人民政府网站公布的为准）",
    "office_hours": "工作日，节假日以通知为准",
    "marriage_office_address": "以“宝山民政”公众号公布的为准",
    "marriage_office_phone": "（号码以“宝山民政”公众号公布的为准）",
    "marriage_office_hours": "以预约页面显示为准",
    "rescue_station_phone": "（号码可拨打12345市民服务热线查询）",
}

SOURCE_PREFIX = "来源："
UPDATED_PREFIX = "更新于"

CAPABILITIES = (
    "我是宝山民政智能助手，可以为您解答：\n"
    "1. 低保、特困、临时救助等社会救助\n"
    "2. 养老服务：养老院、长者食堂、一键通、适老化改造\n"
    "3. 结婚、离婚登记和预约，集体颁证\n"
    "4. 海葬、树葬等节地生态安葬，祭扫预约\n"
    "5. 残疾人补贴、困境儿童保障、慈善捐赠与慈善超市\n"
    "请直接说出您的问题，例如“结婚登记要带什么”。"
)
UNKNOWN_REPLY = "抱歉，我没有完全理解您的问题。"
SUGGEST_INTRO = "您是想问以下哪个问题？请回复序号："
HANDOVER_FOOTER = "如需帮助，可拨打12345市民服务热线。"


def _bare(key: str, value: str) -> str:
    """A filled value without the label the answer already writes before it: staff may type
    "区民政局电话 021-…" or "电话：…", which would otherwise read "区民政局电话区民政局电话…"."""
    value = value.strip()
    label = CONTACT_LABELS.get(key, "")
    for prefix in (label, label[-2:], label[-4:]):  # e.g. 区民政局电话 / 电话 / 办公时间
        if prefix and value.startswith(prefix):
            value = value[len(prefix):].lstrip("：: ")
            break
    return value


def render_text(template: str, contacts: Mapping[str, str] | None = None) -> str:
    filled = {k: _bare(k, v) for k, v in (contacts or {}).items() if v and v.strip()}
    values = {**DEFAULT_CONTACTS, **{k: v for k, v in filled.items() if v}}
    return Template(template).safe_substitute(values)


def source_line(entry: Entry) -> str:
    """One short line saying where an answer comes from and when it was last checked, e.g.
    "来源：《婚姻登记条例》（2025年修订）· 更新于2026-11-29"; "" when the entry has neither."""
    parts = []
    if entry.source:
        parts.append(f"{SOURCE_PREFIX}{entry.source}")
    if entry.updated:
        parts.append(f"{UPDATED_PREFIX}{entry.updated.isoformat()}")
    return " · ".join(parts)


def entry_reply(entry: Entry, contacts: Mapping[str, str] | None = None) -> str:
    """A civil-affairs answer as residents read it: the text, then its source and date."""
    text = render_text(entry.answer, contacts)
    line = source_line(entry) if entry.kind == "entry" else ""
    return f"{text}\n{line}" if line else text


def reply_text(result: Result, contacts: Mapping[str, str] | None = None) -> str:
    """The one reply a resident gets for ``result``, in every channel."""
    if result.intent == "answer" and result.top:
        return entry_reply(result.top.entry, contacts)
    if result.intent in ("out_of_scope", "smalltalk") and result.other:
        text = render_text(result.other.entry.answer, contacts)
        if result.intent == "smalltalk":
            return f"{text}\n\n{CAPABILITIES}"
        return text if "12345" in text else f"{text}\n{HANDOVER_FOOTER}"
    if result.intent == "suggest" and result.hits:
        lines = [f"{i}. {h.entry.title}" for i, h in enumerate(result.hits[:3], 1)]
        return "\n".join([SUGGEST_INTRO, *lines])
    return f"{UNKNOWN_REPLY}\n\n{CAPABILITIES}"
