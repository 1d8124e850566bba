"""Citizen-facing Chinese text of the bot, keyed by purpose (one place to review)."""

TEXT: dict[str, str] = {
    "welcome": "您好，欢迎关注“宝山民政”！",
    "only_text": "目前只能识别文字消息，请用文字描述您的问题，例如“结婚登记要带什么”。",
    "suggest_expired": "这个序号对应的问题已过期，请重新输入您的问题。",
    "truncated": "（内容较长，已节选。）",
    "read_more": "查看全文：{url}",
    "booking": "{name}请在“宝山民政”小程序中预约：{link}",
    "booking_no_link": "{name}请在“宝山民政”小程序中预约（在公众号菜单或微信搜索“宝山民政”小程序进入）。",
    "transfer": "正在为您转接人工客服，请稍候。",
    "no_notice": "目前没有新的通知。您可以直接输入想咨询的问题。",
    "welcome_back": "欢迎回来！请直接输入您想咨询的问题，例如“结婚登记要带什么”。",
    "scan_booking": "这是预约签到二维码，请在预约时段到窗口出示，由工作人员扫码签到。",
    "scan_received": "已收到扫码结果。如需咨询民政业务，请直接输入您的问题。",
    "busy": "系统繁忙，请稍后再试。",
    "location_received": "已收到您发送的位置。目前还不能按位置查找就近的办事地点，区民政局的联系方式附后。",
}

# What the bot asks the knowledge base for when it needs the bureau's contacts and the contacts
# entry itself is missing.
CONTACT_QUESTION = "宝山区民政局地址电话"

ERRORS: dict[str, str] = {
    "bad_signature": "签名校验失败。",
    "bad_timestamp": "请求时间戳无效或与服务器时间相差超过 5 分钟。",
    "plaintext_refused": "公众号已启用安全模式，只接受加密消息。",
    "bad_xml": "消息格式不正确。",
    "missing_fields": "消息缺少必要字段。",
    "aes_not_configured": "未配置消息加解密密钥，无法处理加密消息。",
    "payload_too_large": "消息体过大。",
    "not_configured": "公众号服务器尚未配置。",
}

# Words a resident types to reach a person rather than the bot.
HUMAN_WORDS = frozenset({"人工", "转人工", "人工客服", "真人", "客服", "找人工", "人工服务"})

# What residents type to see the newest notice.
NOTICE_WORDS = frozenset({"最新通知", "通知", "通知公告", "最新公告", "公告", "最新消息"})

# Booking intents: the words that mean "I want to book this" → (service name, mini-program path).
BOOKING_INTENTS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("预约结婚", "结婚预约", "预约登记", "结婚登记预约", "约领证"), "结婚登记",
     "pages/booking/index?service=marriage_registration"),
    (("集体颁证报名", "报名集体颁证", "集体颁证预约"), "集体颁证",
     "pages/booking/index?service=collective_ceremony"),
    (("海葬咨询", "生态安葬咨询", "树葬咨询", "预约安葬咨询"), "节地生态安葬咨询",
     "pages/booking/index?service=eco_burial_consultation"),
    (("慈善超市活动", "慈善活动报名", "慈善超市报名"), "慈善超市活动报名",
     "pages/booking/index?service=charity_event"),
)
