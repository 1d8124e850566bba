"""What a question asks *about* a service: where, when, what to bring, how much, who qualifies.

The segmenter drops "在哪里", "多少", "带什么" as stop words (they say how someone asks, not what
about), so "结婚登记在哪里办" and "结婚登记要带什么" looked identical to the matcher and the
answer was whichever marriage entry scored a hair higher. An aspect becomes one extra term
(``@where``, ``@bring``…) on both sides — entries' phrasings and residents' questions — so the
phrasing that asks the same thing about the same service wins.

Senses: a few words mean something else in context. "老人走了" beside 丧葬费 is a death, not a
dementia patient walking off; the death sense adds the official term so funeral entries match.
"""

from __future__ import annotations

import re

_ASPECT_WORDS: dict[str, tuple[str, ...]] = {
    "@where": (
        "在哪", "哪里", "哪儿", "哪块", "哪个地方", "什么地方", "啥地方", "地址", "地点",
        "位置", "怎么走", "办公地", "哪边", "何处", "到哪", "去哪",
    ),
    "@when": (
        "几点", "什么时候", "啥时候", "时间", "上班", "下班", "周六", "周日", "周末", "星期",
        "节假日", "营业", "开门", "办公时间", "几号", "哪天", "多久", "多长时间", "几天",
    ),
    "@bring": (
        "带什么", "带啥", "带哪些", "材料", "证件", "准备什么", "准备啥", "准备哪些", "要带",
        "需要带", "提交", "证明",
    ),
    "@amount": (
        "多少钱", "补多少", "给多少", "发多少", "标准是", "多少元", "金额", "钱数", "补贴多少",
        "一个月多少", "几块", "多少", "收费", "费用", "要钱", "免费",
    ),
    "@who": (
        "条件", "资格", "符合", "能不能申请", "能申请", "可以申请", "哪些人", "什么人", "谁可以",
        "够不够", "算不算", "能享受", "能领",
    ),
    "@phone": (
        "电话", "热线", "号码", "联系方式", "怎么联系",
    ),
    "@book": (
        "预约", "挂号", "报名", "排号", "约时间",
    ),
    "@apply": (
        "怎么申请", "如何申请", "申请流程", "办理流程", "怎么办理", "如何办理", "去哪申请",
        "在哪申请", "哪里申请", "流程", "手续", "怎么领", "如何领取", "去哪领", "怎么报名",
        "步骤",
    ),
    "@what": (
        "是什么", "什么是", "是啥", "干什么的", "干啥的", "有什么用", "包括哪些", "有哪些服务",
        "什么服务", "哪些内容", "什么意思", "怎么回事", "管什么", "管些什么",
    ),
    "@pay": (
        "到账", "打钱", "哪一天", "哪天打",
        "打到", "发放", "几号发", "多久发", "什么时候发", "啥时候发", "账户", "打卡",
        "发钱", "停发", "被停", "停了", "没到", "断了",
    ),
    "@wait": (
        "等多久", "排队", "轮候", "多久才能", "要等", "排到", "等床位", "排号",
    ),
    "@both": (
        "同时领", "同时享受", "重复领", "一起领", "兼得", "两个都",
    ),
}
_ASPECTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile("|".join(words))) for name, words in _ASPECT_WORDS.items())

# A relative "走了" (not 走丢/走失/走散/走路) next to a funeral word, or on its own as news.
_KIN = (r"老人|老人家|我妈|我爸|我娘|我爹|妈妈|爸爸|母亲|父亲|老母亲|老父亲|奶奶|爷爷|外婆|外公|"
        r"老伴|老公|老婆|丈夫|妻子|婆婆|公公|岳父|岳母|家人|亲人|阿爸|姆妈|老头子|老太婆|伊")
_DEATH_RE = re.compile(
    rf"(?:{_KIN})(?:已经|刚刚?|昨天|前天|今天|上周|突然|前几天|早上|夜里|在医院|在家里?)?"
    r"(?:走了|走掉了|没了|过了|老了|去世|过世|离世|病故|死了|往生)(?!丢|失|散|路|出去|出门)")
# The words a death sense explains: left in, "走" would still pull toward wandering entries.
_DEATH_WORDS = frozenset({"走", "走掉", "没", "过", "老"})


def aspects(compact: str) -> list[str]:
    """Aspect terms of a text without spaces, in a fixed order."""
    return [name for name, rx in _ASPECTS if rx.search(compact)]


def senses(compact: str) -> tuple[list[str], frozenset[str]]:
    """Official terms a context-bound word stands for here, and the words it used up."""
    if _DEATH_RE.search(compact):
        return ["去世", "公民身故一件事"], _DEATH_WORDS
    return [], frozenset()


# Someone or something a civil-affairs service cannot be for: pets, machines, fiction, the dead of
# history, other worlds, dreams. "给我家狗申请个低保" shares every word with a real question
# except the one that makes it nonsense, so the matcher alone answers it confidently.
_ABSURD_RE = re.compile(
    "二次元|游戏里|游戏角色|虚拟人物|平行宇宙|外星|火星|月球|月亮上|恐龙|孙悟空|秦始皇|奥特曼|超人|"
    "仙人掌|扫地机器人|机器人|音箱|冰箱|比特币|仓鼠|鹦鹉|乌龟|宠物|狗狗|小狗|我家狗|给狗|猫咪|我家猫|"
    "做梦|梦里|微信小号|和自己结婚|跟自己结婚")


def absurd(compact: str) -> str:
    """The subject no civil-affairs service serves that the question names, or ""."""
    found = _ABSURD_RE.search(compact)
    return found.group(0) if found else ""

