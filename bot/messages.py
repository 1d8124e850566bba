"""Citizen-facing Chinese text of the bot, keyed by purpose (one place to review)."""

TEXT: dict[str, str] = {
    "welcome": "您好，欢迎关注“宝山民政”！",
    "only_text": "目前只能识别文字消息，请用文字描述您的问题，例如“结婚登记要带什么”。",
    "suggest_expired": "这个序号对应的问题已过期，请重新输入您的问题。",
    "truncated": "（内容较长，已节选。）",
    "read_more": "查看全文：{url}",
    "voice_unrecognised": "目前只能识别文字消息，这条语音没能转成文字。请打字描述您的问题，"
                          "例如“结婚登记要带什么”；需要工作人员解答请回复“人工”。",
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

# The words that steer a conversation (人工, 最新通知, booking intents, thumbs-down) and their
# replies are in core.answer_words: the search API and `baoshan ask` answer them the same way.
