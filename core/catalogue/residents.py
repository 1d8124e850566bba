"""What residents read (mini-program API, the bot, public pages), keyed by code, with
``{params}``. One place to review the wording; sections by where the text first appears."""

from __future__ import annotations

# --- errors every API shares (framework statuses, database, rate limits) ---
COMMON: dict[str, str] = {
    "bad_request": "请求格式不正确，请检查后重试。",
    "invalid_input": "填写的信息有误，请检查后重试。",
    "forbidden": "没有权限进行此操作。",
    "not_found": "您访问的页面或资源不存在。",
    "method_not_allowed": "不支持该请求方式。",
    "payload_too_large": "提交的内容太大，请精简后重试。",
    "rate_limited": "操作太频繁，请稍后再试。",
    "conflict": "操作与当前状态冲突，请刷新后重试。",
    "internal_error": "系统繁忙，请稍后再试。如需帮助请拨打12345市民服务热线。",
    "service_unavailable": "服务暂时不可用，请稍后再试。",
    "database_unavailable": "数据库暂时不可用，请稍后再试。",
    # The public notices API and the knowledge search both page with ?limit=.
    "invalid_limit": "limit 必须是 1 到 {max} 之间的整数。",
}

# --- booking, waiting list, login (mini-program) ---
BOOKING: dict[str, str] = {
    # Residents only meet 401 in the mini-program, whose token has expired or been revoked.
    "unauthorized": "登录已失效，请重新进入小程序。",
    "invalid_code": "微信登录凭证无效或已使用，请重新进入小程序。",
    "wechat_unavailable": "微信服务暂时无法连接，请稍后再试。",
    "slot_full": "该时段已约满，请选择其他时段，或加入候补名单。",
    "booking_unreadable": "这条预约的信息无法读取，不能改约。请取消后重新预约，或致电登记机关。",
    "duplicate_booking": "已有一个有效预约，不能重复预约。如需更改，请先取消或改约原预约。",
    # ``opens_at`` also reaches the client beside the message (error.opens_at).
    "not_open": "该时段尚未开放预约，请在开放后再来。",
    "booking_closed": "该时段已停止预约，请选择其他时段。",
    "cancel_closed": "已过取消或改约的截止时间，如有特殊情况请致电登记机关。",
    "already_cancelled": "该预约已取消，无需重复操作。",
    "slot_available": "该时段还有名额，请直接预约。",
    "already_waiting": "您已在该时段的候补名单中。",
    "slot_closed": "该时段已由工作人员关闭，请选择其他时段。",
    "slot_not_found": "预约时段不存在，请刷新后重新选择。",
    "booking_not_found": "没有找到这条预约。",
    # --- counter ---
    # A staff cancellation's notice (subscribe message and the mini-program's booking view).
    "booking_staff_cancelled": "工作人员已取消您的预约：{reason}",
    # --- youth ---
    # A gender-split 幸福加油站 event keeps men and women half each: places may be left for the other.
    "gender_full": "本场活动按男女各半分配名额，您所属性别的名额已满。可加入候补名单，或选择其他场次。",
}

# --- knowledge search API ---
KNOWLEDGE: dict[str, str] = {
    "empty_query": "请输入要咨询的问题。",
    "kb_unavailable": "知识库正在加载，请稍后再试。",
}

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
    # --- policy ---
    # The 政策找人 self-check in the chat (core.policy_chat).
    "bot_policy_intro": "【政策找人·自测】回答{count}个简单问题，看看您家可能符合哪些补贴和救助。"
                        "每题都可以回复“跳过”；随时回复“重新开始”或“退出”。"
                        "您的回答只用于这次自测，30分钟后自动删除。",
    "bot_policy_hint_choice": "请回复数字选择，不想答回复“跳过”。",
    "bot_policy_hint_number": "请回复一个数字，不想答回复“跳过”。",
    "bot_policy_not_understood": "没看懂您的回答。",
    "bot_policy_quit": "已退出政策找人自测，您的回答已删除。想再测，回复“政策找人”。",
    "bot_policy_results": "根据您的回答，下面这些政策可能适合您：",
    "bot_policy_pick": "回复编号，查看怎么办理（到哪里办、带什么）；回复“重新开始”可以再测一次。",
    "bot_policy_detail": "【{title}】\n为什么可能适合：{why}\n怎么办理：{step}\n\n"
                         "以上仅供参考，以受理中心审核为准。回复其他编号查看其他政策。",
    "bot_policy_indicative": "以上仅供参考，能否享受以街道/镇社区事务受理服务中心的审核结果为准；"
                             "各项标准每年调整，以当年公布标准为准。",
    "bot_policy_read": "详见：{url}",
    "bot_policy_adviser": "需要有人帮您一起看、一起办？可以在“宝山民政”小程序申请“社区救助顾问”，"
                          "经您同意后由所在街镇的顾问联系您。也可以拨打{hotline}咨询。",
}

# --- public pages: notices, charity week, knowledge entries (content/public.py) ---
PUBLIC: dict[str, str] = {
    "notice_public_missing": "该通知不存在、尚未发布或已撤下。",
    "kb_public_missing": "该问答不存在或已下线。您可以在“宝山民政”公众号中直接输入问题咨询。",
    "charity_public_missing": "目前没有正在进行或即将开始的慈善周活动。",
    "charity_not_found": "找不到该慈善周活动。",
    # --- slots ---
    "slot_has_bookings": "该时段已有预约，时间和地点不能更改。",
    "ceremony_public_none": "近期暂无已开放报名的集体颁证活动，敬请关注“宝山民政”公众号通知。",
    "ceremony_coming": "近期集体颁证：\n{lines}",
    "ceremony_line": "{when} {title}{theme}，剩余 {left} 个名额",
    "ceremony_line_full": "{when} {title}{theme}，名额已满",
}

# --- tomb --- the live state of the coming 清明/冬至 campaign under the bot's answer
TOMB: dict[str, str] = {
    "tomb_status_before": "【{name}】高峰日：{days}。{opens}起可在“宝山民政”小程序预约。",
    "tomb_status_open": "【{name}】高峰日：{days}。正在预约，请在“宝山民政”小程序中选择墓园和时段。",
    "tomb_status_full_days": "其中{full}已约满，可改选其他日期或非高峰日前往（无需预约）。",
    "tomb_status_all_full": "【{name}】高峰日：{days}。各时段已约满，可选择非高峰日前往（无需预约），"
                            "或加入候补名单。",
}

# --- referral --- (a request to the community assistance adviser of the resident's 街镇)
REFERRAL: dict[str, str] = {
    # Shown before the resident agrees; its version is core.referrals.CONSENT_VERSION.
    "referral_consent": ("您同意把您填写的姓名、手机号、所在街镇、自查答案和留言，交给该街镇的社区救助顾问"
                         "工作站，仅用于联系您、了解困难并协助办理救助；办结一年后删除。您可以随时撤回同意，"
                         "撤回后这些信息立即删除。"),
    "consent_required": "需要您同意把信息交给街镇社区救助顾问，才能提交求助。",
    "referral_not_found": "没有找到这条求助。",
    "referral_limit": "您已有{max}条正在处理的求助，请等待社区救助顾问联系，或撤回其中一条后再提交。",
    "referral_bad_street": "请选择您所在的街镇。",
    "referral_bad_answers": "自查答案格式不正确，请重新完成自查。",
    "referral_bad_note": "留言最多500字。",
    "referral_bad_urgent": "urgent 只能是 true 或 false。",
    # Appended to every crisis reply (core.answering): the same referral, marked urgent.
    "referral_crisis_offer": ("如需社区救助顾问联系您、帮您申请临时救助，可在“宝山民政”小程序“社区救助顾问”"
                              "中提交求助，我们会优先处理。"),
}

# --- proxy ---
# Proxy sweeping (代客祭扫): the mini-program's order and photo links. The staff-side codes raised
# in core.proxy_sweeping are worded here too, as the catalogue test asks of every core module.
PROXY: dict[str, str] = {
    "proxy_duplicate": "该墓位在这一天已有代客祭扫订单，请勿重复提交；如需更改请等待工作人员联系。",
    "proxy_order_not_found": "没有找到这条代客祭扫订单。",
    "proxy_bad_state": "订单当前的状态不能进行此操作，请刷新后重试。",
    "proxy_unreadable": "这条订单的信息无法读取，请联系工作人员。",
    "proxy_photo_link": "照片链接无效或已过期，请刷新订单后重新查看。",
    "proxy_photo_too_large": "第{n}张照片超过2MB，请压缩后重新上传。",
    "proxy_photo_type": "第{n}张照片不是有效的 PNG、JPEG 或 WebP 图片。",
    "proxy_photo_count": "请上传1至6张照片。",
    "proxy_package_code": "套餐代码应为2至32位小写字母、数字或下划线，并以字母开头。",
    "proxy_package_name": "请填写套餐名称（不超过60字）。",
    "proxy_package_description": "服务内容不超过500字。",
    "proxy_package_code_taken": "该套餐代码已被使用，请换一个。",
    "proxy_package_not_found": "找不到该套餐。",
    "proxy_place_code": "地点代码应为2至32位小写字母、数字或下划线，并以字母开头。",
    "proxy_place_kind": "请选择地点类型（墓园或骨灰堂）。",
    "proxy_place_name": "请填写地点名称（不超过100字）。",
    "proxy_place_note": "说明不超过200字。",
    "proxy_place_code_taken": "该地点代码已被使用，请换一个。",
    "proxy_place_not_found": "找不到该地点。",
}

RESIDENTS: dict[str, str] = {**COMMON, **BOOKING, **KNOWLEDGE, **BOT, **PUBLIC, **TOMB, **REFERRAL, **PROXY}

# --- guides ---
# 社会组织办事指南: the public API and pages (content/guides_public.py, miniapp_api/guides.py).
GUIDES: dict[str, str] = {
    "guide_not_found": "该办事指南不存在或已下线。",
    "guide_public_missing": "该办事指南不存在或已下线。您可以在“宝山民政”公众号中直接输入问题咨询。",
    "guide_video_missing": "该视频不存在或已移除。",
    "range_not_satisfiable": "请求的范围无效。",
}
RESIDENTS.update(GUIDES)

# --- guide walk --- (远程导办 in the chat: core/guide_walk.py)
GUIDE_WALK: dict[str, str] = {
    "bot_walk_intro": "远程导办：我们一步一步带您办。请选择要办的事项，回复序号：",
    "bot_walk_pick": "回复序号开始；随时回复“退出”结束。",
    "bot_walk_none": "目前没有可导办的办事指南，请直接输入您的问题咨询。",
    "bot_walk_step": "【{title}】第{n}/{total}步：{step}",
    "bot_walk_materials": "所需材料：{materials}",
    "bot_walk_video": "网办小视频：{title} {url}",
    "bot_walk_hint": "回复“下一步”继续，“上一步”返回，“重新开始”换一件事，“退出”结束。",
    "bot_walk_last": ("这是最后一步。回复“下一步”结束导办；需要当面咨询的，可在“宝山民政”小程序预约"
                      "“社会组织登记咨询”，或回复“预约社会组织登记咨询”。"),
    "bot_walk_done": ("“{title}”的导办已完成。需要当面咨询的，可在“宝山民政”小程序预约“社会组织登记咨询”，"
                      "或回复“预约社会组织登记咨询”。"),
    "bot_walk_more": "（全文：{url}）",
    "bot_walk_not_understood": "没看懂您的回复。",
    "bot_walk_quit": "已退出远程导办。需要时回复“远程导办”重新开始。",
}
RESIDENTS.update(GUIDE_WALK)
