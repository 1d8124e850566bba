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
    # Means already taken or kept for a set day, farewells by deed, scenes at a height.
    ("suicide", "安眠药我已经攒够了 今晚就全吃了"),
    ("suicide", "已经吞了二十多粒安定 头好晕"),
    ("suicide", "存折和钥匙都交给侄子了 反正以后用不上了"),
    ("suicide", "对不起大家 我想通了 就这样吧"),
    ("suicide", "楼顶有个女的坐在边上 叫她也不肯下来"),
    ("suicide", "唔想再捱落去 今晚就了断"),
    ("suicide", "I tried to hang myself this morning"),
    # Violence at home: passive in Cantonese, confinement, stalking, weapons, a neighbour's report.
    ("domestic_violence", "我畀老婆打到流血"),
    ("domestic_violence", "被前夫锁在家里 手机也被收了"),
    ("domestic_violence", "他每天在我公司门口堵我 还说知道我住哪"),
    ("domestic_violence", "老公拿皮带抽我 我躲在厕所"),
    ("domestic_violence", "隔壁又在打了 女的在喊救命"),
    ("domestic_violence", "ta ba wo da le, xian zai wo zai lou ti li"),
    # A child who tells their own age, a child left exposed, shaken, sold or hidden from help.
    ("child_danger", "我13岁 继父晚上老是进我房间"),
    ("child_danger", "我表妹才六岁 被她后妈关在厕所里一整天"),
    ("child_danger", "对门的小孩一个人在窗台外面坐着 家里没大人"),
    ("child_danger", "宝宝才三个月 他爸嫌烦使劲摇她"),
    ("child_danger", "邻居的孩子被烟头烫了 大人不让去医院"),
    # An old person collapsed, feverish, confused or locked away.
    ("elder_danger", "外婆中暑了 一直说胡话"),
    ("elder_danger", "阿公倒在厨房 叫他没反应 家里就他一个"),
    ("elder_danger", "我爷爷脑梗了 嘴歪了说不出话"),
    ("elder_danger", "grandpa fell in the bathroom and can't get up"),
    # Someone in danger right now, seen by a passer-by or a worker.
    ("missing_now", "地铁口有个人倒下了 嘴唇发紫"),
    ("missing_now", "我妈有脑退化 早上出门到现在没消息 电话打不通"),
    ("missing_now", "工人从梯子上摔下来了 一动不动 叫他没反应"),
    ("missing_now", "my mom has dementia and wandered off an hour ago"),
    # Robbed, cheated or thrown out, with night coming.
    ("no_food_shelter", "手机钱包都被偷了 天黑了 不知道去哪"),
    ("no_food_shelter", "被我哥赶出来了 身上一分钱都没有"),
    ("no_food_shelter", "今晚要瞓街了"),
    ("no_food_shelter", "被老板赶出宿舍了 在路边坐着"),
    ("suicide", "刚喝了半瓶敌敌畏"),
    ("suicide", "我站在阳台栏杆外面 手在发抖"),
    ("domestic_violence", "前夫拿着刀在我家楼下等我"),
    ("child_danger", "楼下有个孩子一个人在家三天了"),
    ("child_danger", "我9岁 爸爸打我 妈妈不在"),
    ("child_danger", "有个小女孩被一个男人拖上车了"),
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
    # The same words in ordinary questions: a last working day, a lock, a scald, a past fall.
    "今天是我最后一天上班 退休手续怎么办",
    "我把门反锁了钥匙在里面 开锁电话多少",
    "孩子被开水烫了 医保能报吗",
    "我爸前几天摔了一跤 想申请长护险",
    "我妈每天要吃十几颗药 能申请慢病补贴吗",
    "邻居家在打麻将 太吵了",
    "拿拖把打扫楼道 物业不管",
    "今晚住哪个酒店好",
    "一分钱没报销 怎么回事",
    "低保申请到现在都没消息 找谁",
    "我爸的身份证不见了 怎么补办",
    "卖小孩衣服的摊位要办执照吗",
    "阳台上孩子喜欢在边上玩 装防护栏有补贴吗",
    "老人中暑怎么预防",
    "我打算这个礼拜就走 去外地工作 社保怎么转",
    "我家狗跑出去了 两天没回来",
    "邻居阿婆三天没下楼 我去敲门她开了 说脚疼",
    "世界预防自杀日有什么活动",
    "我在减肥 两天没吃晚饭了",
    "我以前被家暴过 现在想当志愿者",
    "给女儿的信写好了 想寄到她学校",
    "有个小女孩被她爸爸抱上车了",
    "我被公司赶出来了 工资没发 找谁",
    "我爸八十了 最近老说胡话 是不是老年痴呆",
    "垃圾桶旁边有个小孩的玩具",
    "老公出差三天没见了 好想他",
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
