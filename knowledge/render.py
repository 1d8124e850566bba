"""Turning a match into the text a resident reads. Contact details come from staff settings."""

from __future__ import annotations

from collections.abc import Mapping
from string import Template

from knowledge.matcher import Result

# Defaults say where to look instead of inventing an address or a number; staff replace them
# with the bureau's real details in the console settings.
DEFAULT_CONTACTS: dict[str, str] = {
    "bureau_address": "宝山区民政局地址请以宝山区人民政府网站公布的为准",
    "bureau_phone": "区民政局电话（以宝山区人民政府网站公布的为准）",
    "office_hours": "工作日办公时间（节假日以通知为准）",
    "marriage_office_address": "宝山区婚姻登记处（地址以“宝山民政”公众号公布的为准）",
    "marriage_office_phone": "婚姻登记处电话（以“宝山民政”公众号公布的为准）",
    "marriage_office_hours": "婚姻登记处工作日办公时间（以预约页面显示为准）",
    "rescue_station_phone": "区救助管理站电话（可拨打12345市民服务热线转接）",
}

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


def render_text(template: str, contacts: Mapping[str, str] | None = None) -> str:
    values = {**DEFAULT_CONTACTS, **{k: v for k, v in (contacts or {}).items() if v}}
    return Template(template).safe_substitute(values)


def reply_text(result: Result, contacts: Mapping[str, str] | None = None) -> str:
    """The one reply a resident gets for ``result``, in every channel."""
    if result.intent == "answer" and result.top:
        return render_text(result.top.entry.answer, contacts)
    if result.intent in ("out_of_scope", "smalltalk") and result.other:
        text = render_text(result.other.entry.answer, contacts)
        if result.intent == "smalltalk":
            return f"{text}\n\n{CAPABILITIES}"
        return text if "12345" in text else f"{text}\n{HANDOVER_FOOTER}"
    if result.intent == "suggest" and result.hits:
        lines = [f"{i}. {h.entry.title}" for i, h in enumerate(result.hits[:3], 1)]
        return "\n".join([SUGGEST_INTRO, *lines])
    return f"{UNKNOWN_REPLY}\n\n{CAPABILITIES}"
