"""The words that steer a conversation, and the replies they get, for every face.

The bot, the public search API and ``baoshan ask`` all answer through ``core.answering``; these
words used to live in the bot alone, so "人工" and "最新通知" got other answers elsewhere. Kept
here (core, not a face) so all three read one list.
"""

from __future__ import annotations

from dataclasses import dataclass

# Words a resident types to reach a person rather than the bot.
HUMAN_WORDS = frozenset({"人工", "转人工", "人工客服", "真人", "客服", "找人工", "人工服务"})

# What residents type to see the newest notice.
NOTICE_WORDS = frozenset({"最新通知", "通知", "通知公告", "最新公告", "公告", "最新消息"})

# A resident saying the answer just given did not help (compared after dropping punctuation and
# the particles below): staff review that answer.
THUMBS_DOWN_WORDS = frozenset({"没用", "没有用", "答非所问", "不对", "看不懂", "没什么用",
                               "不是这个", "说的不对", "回答不对", "没帮助", "没有帮助"})
THUMBS_DOWN_PARTICLES = "啊呀吧的了哦嘛呢"


@dataclass(frozen=True)
class BookingIntent:
    words: tuple[str, ...]
    name: str  # the service as residents read it
    path: str  # the mini-program page that books it


BOOKING_INTENTS: tuple[BookingIntent, ...] = (
    BookingIntent(("预约结婚", "结婚预约", "预约登记", "结婚登记预约", "约领证"), "结婚登记",
                  "pages/booking/index?service=marriage_registration"),
    BookingIntent(("集体颁证报名", "报名集体颁证", "集体颁证预约"), "集体颁证",
                  "pages/booking/index?service=collective_ceremony"),
    BookingIntent(("海葬咨询", "生态安葬咨询", "树葬咨询", "预约安葬咨询"), "节地生态安葬咨询",
                  "pages/booking/index?service=eco_burial_consultation"),
    BookingIntent(("慈善超市活动", "慈善活动报名", "慈善超市报名"), "慈善超市活动报名",
                  "pages/booking/index?service=charity_event"),
)

# Follow-ups ("那在哪里办", "周六上班吗") name no service: these words (cues, question words and
# aspects of any service) are what such a message is made of. What is left once they are taken
# out is the service the message names, if any; nothing left means the topic must supply it.
FOLLOW_UP_WORDS: tuple[str, ...] = tuple(sorted({
    "那么", "那个", "那", "还有", "还", "另外", "请问", "想问", "问一下", "我想", "我们", "我",
    "在哪里", "在哪儿", "在哪", "哪里", "哪儿", "哪个", "什么地方", "地方", "地址", "怎么走", "怎么去",
    "几点", "上班", "下班", "开门", "关门", "周六", "周日", "周末", "星期六", "星期天", "礼拜六",
    "礼拜天", "节假日", "假期", "中午", "休息", "办公时间", "时间", "电话", "号码", "多少",
    "多久", "多长", "几天", "要", "需要", "需", "可以", "能不能", "能", "可不可以", "用不用", "用",
    "带", "什么", "啥", "材料", "证件", "手续", "流程", "怎么", "怎样", "如何", "办理", "办",
    "预约", "收费", "费用", "钱", "本人", "代办", "别人", "网上", "线上", "现场", "去", "到",
    "是", "不是", "有", "没有", "的", "了", "吗", "呢", "吧", "啊", "呀", "也", "都", "就",
    "这个", "这", "上", "下", "开", "和", "跟",
}, key=len, reverse=True))
# Aspects that ask where or when: answered by the office that handles the topic's service.
PLACE_TIME_WORDS: tuple[str, ...] = (
    "在哪", "哪里", "哪儿", "地方", "地址", "怎么走", "怎么去", "几点", "上班", "下班", "开门",
    "关门", "周六", "周日", "周末", "星期", "礼拜", "节假日", "中午", "休息", "办公时间", "电话")

# Per category: the service in a few words (the taxonomy's name), and the office residents go
# to for it, when there is one answer for where and when. A follow-up is searched with these
# in front of it. Only offices the knowledge base has an entry for are named.
CATEGORY_CONTEXT: dict[str, tuple[str, str]] = {
    "marriage": ("婚姻登记", "婚姻登记处"),
    "social_assistance": ("社会救助", "社区事务受理服务中心"),
    "children": ("儿童福利", "社区事务受理服务中心"),
    "disability": ("残疾人福利", "社区事务受理服务中心"),
    "elderly_care": ("养老服务", ""),
    "vagrant_aid": ("流浪乞讨人员救助", "救助管理站"),
    "social_org": ("社会组织", ""),
    "charity": ("慈善", ""),
    "funeral": ("殡葬服务", ""),
    "admin_division": ("行政区划与地名", ""),
    "welfare_lottery": ("福利彩票", ""),
    "service_info": ("区民政局", "区民政局"),
}

# Replies the decision path gives itself (the knowledge base's own are in knowledge.render).
REPLIES: dict[str, str] = {
    "transfer": "正在为您转接人工客服，请稍候。",
    "no_notice": "目前没有新的通知。您可以直接输入想咨询的问题。",
    "notice": "最新通知：{title}\n{summary}",
    "booking": "{name}请在“宝山民政”小程序中预约：{link}",
    "booking_no_link": "{name}请在“宝山民政”小程序中预约（在公众号菜单或微信搜索“宝山民政”小程序进入）。",
    "thumbs_down": ("抱歉，刚才的回答没有帮到您，我们已记下，工作人员会改进。"
                    "您可以换一种说法再问一次，例如说清楚要办的事和遇到的情况；需要工作人员解答请回复“人工”。"),
}

# --- guides ---
# 社会组织登记咨询 (core.booking.rules.SOCIAL_ORG), booked in the mini-program like the others.
BOOKING_INTENTS += (
    BookingIntent(("预约祭扫", "祭扫预约", "预约扫墓", "扫墓预约"), "清明冬至祭扫",
                  "pages/booking/index?service=tomb_sweeping"),
    BookingIntent(("预约社会组织登记咨询", "社会组织登记咨询预约", "预约社会组织咨询",
                   "社会组织咨询预约"), "社会组织登记咨询",
                  "pages/booking/index?service=social_org_consultation"),
)
