"""Crisis patterns recognise classes of expression, not the tuning sentences.

Every example here was written for this file (none is copied from knowledge/eval/), in the
styles residents use: colloquial, indirect, Shanghainese, traditional characters, pinyin and
English, typos, and long policy questions that bury the danger.
"""

from __future__ import annotations

import pytest

from knowledge.crisis import classify, detect

CRISIS = [
    # Suicide and self-harm: intent, means + act, farewells, following the dead partner.
    ("suicide", "侬讲我活了还有啥意思"),
    ("suicide", "活著好累 不想再醒來了"),
    ("suicide", "吃了半瓶安眠药 有点想睡"),
    ("suicide", "我把家里的药全吃了"),
    ("suicide", "刚买了一瓶百草枯"),
    ("suicide", "在28楼窗户边坐着 想往下跳"),
    ("suicide", "银行卡密码写在纸上了 你们以后好好过"),
    ("suicide", "老伴走了半年了 我也想去陪伊了"),
    ("suicide", "我一直拿头往墙上撞"),
    ("suicide", "wo bu xiang huo le"),
    ("suicide", "I'm going to kill myself tonight"),
    ("suicide", "请问低保复核要什么材料 又被退回来了 我真的活不下去了"),
    # Violence at home, including a victim who writes in Shanghainese or English.
    ("domestic_violence", "我妹妹被她老公打 电话里一直哭"),
    ("domestic_violence", "老婆拿刀追着我砍"),
    ("domestic_violence", "他把我推下楼梯"),
    ("domestic_violence", "伊老是敲我 我勿敢回去"),
    ("domestic_violence", "我老公把我头往墙上撞"),
    ("domestic_violence", "i'm being beaten by my husband"),
    # A child hurt, abused, left alone or abandoned, reported by anyone.
    ("child_danger", "我看到小孩胳膊上都是烫伤 他说是妈妈烫的"),
    ("child_danger", "班上有个学生说继父对她动手动脚"),
    ("child_danger", "隔壁家小孩三天没看见大人了 一直在哭"),
    ("child_danger", "邻居小囡天天饿肚皮 爷娘勿管"),
    ("child_danger", "孩子他妈把孩子丢在我家门口就走了"),
    # An old person hurt, neglected, collapsed or unseen for days.
    ("elder_danger", "保姆把我妈反锁在屋里 自己出去了"),
    ("elder_danger", "楼下阿婆家里一股味道 好多天没看到伊了"),
    ("elder_danger", "我婆婆摔在卫生间 爬不起来"),
    ("elder_danger", "媳妇不给我吃饭 我八十多了"),
    # Missing right now: a time cue, a person, "寻勿着".
    ("missing_now", "孩子补习班下课没回家 现在十点了"),
    ("missing_now", "阿拉爷爷寻勿着了"),
    ("missing_now", "我弟智力有问题 昨天下午出去了 一夜没回"),
    ("missing_now", "我爷爷走丢了 请问防走失手环现在还能申请吗"),
    ("missing_now", "有个小女孩被一个男的拉走了 她一直在哭"),
    # No food or shelter tonight.
    ("no_food_shelter", "今晚没处困"),
    ("no_food_shelter", "打工的厂倒闭了 宿舍不让住了 这几天睡在天桥底下"),
    ("no_food_shelter", "我在火车站过夜 好几天了"),
    ("no_food_shelter", "我和孩子已经两天没吃上饭了"),
    ("no_food_shelter", "I have no place to sleep tonight"),
]

NOT_CRISIS = [
    # Bereavement, burial and wills: 走了 / 遗书 / 死 about someone already gone.
    "我妈去世了 她的低保要注销吗",
    "阿拉姆妈走了 殡仪馆哪能联系",
    "我死了以后骨灰想撒海 现在能登记吗",
    "爷爷去世前留了遗书 怎么办继承",
    "想跟老伴一起去办老年证",
    # Prevention, hypotheticals, past or treated events, policy and campaigns.
    "我妈去年走丢过 现在想申请防走失手环",
    "老人走失了怎么办 想提前了解一下流程",
    "儿童被打的话可以找谁 想了解一下",
    "社区有反家暴讲座吗",
    "老人跌倒了医保能报多少",
    "老人摔倒了 住院费用能报销吗 已经出院了",
    "我爸记性不好 老是把煤气开着忘关 有没有燃气报警器补贴",
    # News, fiction and hearsay.
    "看了新闻 那个孩子被虐待 太可怜了",
    "听说有人在江边跳河了 是真的吗",
    "《活着》这本书好看吗",
    # Figures of speech and harmless words that contain crisis words.
    "低保审核太慢了 要死了",
    "排了三个小时的队 饿得不行了 还要等多久",
    "孩子被打了一针 发烧了正常吗",
    "孩子丢了书包 怎么办",
    "我爸走散步道 有没有无障碍",
    "钱打我卡上就行",
    "我家住在马路边 太吵了 能投诉吗",
    "不想拖累孩子 想自己住养老院 要什么手续",
    "我今年八十岁了 高龄津贴怎么领",
    "我们感情不和 想离婚 需要调解吗",
]


@pytest.mark.parametrize(("kind", "text"), CRISIS)
def test_crisis_expression_is_recognised_with_its_kind(kind: str, text: str) -> None:
    assert classify(text) == kind


@pytest.mark.parametrize("text", NOT_CRISIS)
def test_near_miss_is_not_a_crisis(text: str) -> None:
    assert detect(text) is None


def test_reply_names_the_kind_and_ends_with_the_footer() -> None:
    found = detect("我不想活了")
    assert found is not None and found.kind == "suicide"
    assert "12356" in found.reply and found.reply.endswith('回复"人工"，工作人员会尽快联系您。')


def test_empty_and_punctuation_only_messages_are_not_crises() -> None:
    assert detect("") is None
    assert detect("？？？ ……") is None
