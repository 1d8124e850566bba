"""What residents read (mini-program API, the bot, public pages), keyed by code, with
``{params}``. One place to review the wording; sections by where the text first appears."""

from __future__ import annotations

# --- errors every API shares (framework statuses, database, rate limits) ---
COMMON: dict[str, str] = {}

# --- booking, waiting list, login (mini-program) ---
BOOKING: dict[str, str] = {}

# --- knowledge search API ---
KNOWLEDGE: dict[str, str] = {}

# --- the official-account bot (replies and callback protocol errors) ---
# Reply texts carry a ``bot_`` prefix: they are not error codes and must not shadow one.
BOT: dict[str, str] = {
    "bot_welcome": "您好，欢迎关注“宝山民政”！",
    "bot_only_text": "目前只能识别文字消息，请用文字描述您的问题，例如“结婚登记要带什么”。",
    "bot_truncated": "（内容较长，已节选。）",
    "bot_read_more": "查看全文：{url}",
    "bot_voice_unrecognised": "目前只能识别文字消息，这条语音没能转成文字。请打字描述您的问题，"
                              "例如“结婚登记要带什么”；需要工作人员解答请回复“人工”。",
    "bot_welcome_back": "欢迎回来！请直接输入您想咨询的问题，例如“结婚登记要带什么”。",
    "bot_scan_booking": "这是预约签到二维码，请在预约时段到窗口出示，由工作人员扫码签到。",
    "bot_scan_received": "已收到扫码结果。如需咨询民政业务，请直接输入您的问题。",
    "bot_busy": "系统繁忙，请稍后再试。",
    "bot_location_received": "已收到您发送的位置。目前还不能按位置查找就近的办事地点，"
                             "区民政局的联系方式附后。",
    # Callback protocol errors (core.wechat.protocol.ProtocolError codes), answered as JSON.
    "bad_signature": "签名校验失败。",
    "bad_timestamp": "请求时间戳无效或与服务器时间相差超过 5 分钟。",
    "plaintext_refused": "公众号已启用安全模式，只接受加密消息。",
    "bad_xml": "消息格式不正确。",
    "missing_fields": "消息缺少必要字段。",
    "aes_not_configured": "未配置消息加解密密钥，无法处理加密消息。",
    "payload_too_large": "消息体过大。",
}

RESIDENTS: dict[str, str] = {**COMMON, **BOOKING, **KNOWLEDGE, **BOT}
