"""What staff read in the console, keyed by code, with ``{params}``. Sections by page area.

Errors are keyed by the code a ``DomainError`` carries; the one-line confirmations shown after a
saved form (``?done=code``) are keyed ``done.<code>``, so an action and a refusal may share a word
("slot_closed") without sharing a text.
"""

from __future__ import annotations

# --- login, accounts, settings ---
ACCOUNTS: dict[str, str] = {
    # One text for an unknown name, a wrong password and a locked account alike (#19): the
    # login page must not tell an outsider which accounts exist. Staff see locks on the 账号 page.
    "bad_credentials": ("用户名或密码不正确，或账号因连续输错5次已暂时锁定。"
                        "请核对后重试；已锁定的账号15分钟后自动解锁，也可请管理员解锁。"),
    "login_rate_limited": "登录尝试过于频繁，请1分钟后再试。",
    "csrf": "页面已过期，请刷新后重新提交。",
    "forbidden": "您的账号没有权限访问此页面。",
    "bad_username": "用户名只能使用小写字母、数字、下划线、点和连字符，最长64位。",
    "bad_role": "角色只能是管理员、内容编辑、登记员或社区救助顾问。",
    "weak_password": "密码至少需要8位。",
    "username_taken": "该用户名已存在。",
    "staff_not_found": "找不到该账号。",
    "staff_self": "不能修改自己的角色或停用自己的账号，请让另一位管理员操作。",
    "staff_bad_action": "不支持的操作。",
    "settings_bad_section": "请选择要保存的设置项。",
    "settings_welcome_too_long": "欢迎语最多600字。",
    "settings_contact_too_long": "“{field}”最多120字。",
    "settings_contact_bad_char": "“{field}”中不能包含“$”符号。",
    "settings_holiday_bad_date": "节假日日期“{detail}”格式不对，请写成 2026-10-01 这样的格式，每行一个。",
    "settings_holidays_too_many": "节假日最多400个日期。",
    # --- policy ---
    "settings_policy_bad_number": "“{detail}”不是有效的数字：年份写四位数（如 2026），"
                                  "金额只写整数元。",
    "settings_policy_year_missing": "请填写这些标准适用的年份：没有年份的金额不会展示给居民。",
    "upload_too_large": ("提交的内容太大，没有保存。封面图片请压缩到2MB以内、正文请精简，"
                         "再返回上一页重新提交。"),
    "done.saved": "已保存。",
    "done.staff_added": "账号已创建，请把初始密码当面告知同事并提醒其登录后妥善保管。",
    "done.urgent_handled": "已标记为已处理。",
}

# --- notices, charity week, knowledge base, simulator ---
CONTENT: dict[str, str] = {
    "notice_not_found": "找不到该通知。",
    "notice_title_required": "请填写标题。",
    "notice_title_too_long": "标题最多120字。",
    "notice_summary_too_long": "摘要最多300字。",
    "notice_body_too_long": "正文最多50000字。",
    "notice_bad_action": "不支持的操作，请使用页面上的按钮。",
    "notice_cannot_save": "当前状态下不能保存。",
    "notice_cannot_draft": "当前状态下不能改回草稿。",
    "notice_cannot_schedule": "已发布或已归档的通知不能定时发布，请先改回草稿。",
    "notice_cannot_publish": "已归档的通知不能直接发布，请先改回草稿。",
    "notice_cannot_archive": "只有已发布的通知可以归档；草稿和尚未到时间的定时通知请改回草稿或直接修改。",
    "notice_schedule_missing": "定时发布需要填写发布时间。",
    "notice_schedule_past": "定时发布的时间必须晚于现在（北京时间）。",
    "notice_bad_time": "发布时间格式不正确，请按“年-月-日 时:分”填写。",
    "notice_cover_empty": "所选的封面图片是空文件。",
    "notice_cover_too_big": "封面图片不能超过2MB，请压缩后再上传。",
    "notice_cover_type": "封面只能是 PNG、JPEG 或 WebP 图片（按文件内容判断，改扩展名无效）。",
    "notice_bad_campaign": "所选的慈善周活动不存在。",
    "notice_conflict": ("该通知在您编辑期间已被他人保存。您的输入仍在下方；"
                        "请另开页面查看最新内容，合并后再保存。"),
    "charity_not_found": "找不到该慈善周活动。",
    "charity_title_required": "请填写活动名称。",
    "charity_title_too_long": "活动名称最多120字。",
    "charity_starts_bad": "请正确填写开始日期（例如 2026-09-01）。",
    "charity_ends_bad": "请正确填写结束日期（例如 2026-09-07）。",
    "charity_date_order": "结束日期不能早于开始日期。",
    "charity_intro_too_long": "活动介绍最多20000字。",
    "kb_not_found": "找不到该知识条目。",
    "kb_id_taken": "该 id 已被其他条目使用，请换一个。",
    "kb_id_reserved": "“{detail}”是页面地址的保留字，不能用作 id，请换一个。",
    "kb_conflict": "该条目在您编辑期间已被他人保存。您的输入仍在下方；请另开页面查看最新内容，合并后再保存。",
    "kb_bad_topic": "主题“{detail}”不在所选分类的主题表中。",
    "kb_bad_date": "更新日期格式应为 YYYY-MM-DD。",
    "kb_too_long": "{field}最多 {detail} 字。",
    "kb_bad_link": "链接须以 https:// 或 http:// 开头。",
    "kb_too_many_lines": "问法或关键词太多（每项最多 {detail} 条）。",
    "kb_question_empty": "要添加的问法为空。",
    "kb_question_too_long": "问法最多 200 字。",
    "kb_group_missing": "这组问题已被处理或不存在。",
    "kb_conflict_retry": "该条目刚被他人修改，没有加入问法，请再试一次。",
    "sim_empty": "请输入要发送的内容，或选择一个事件。",
    "sim_too_long": "消息最多 600 字。",
    "sim_bad_event": "不支持的事件。",
    "sim_bad_key": "请选择或填写菜单按钮的 key。",
    "sim_no_aes": "未配置消息加解密密钥（WECHAT_ENCODING_AES_KEY），无法模拟加密（安全）模式。",
    "sim_unreachable": "无法连接本服务的公众号回调地址（{detail}）。",
    "sim_no_base_url": "无法连接本服务的公众号回调地址（本服务地址未知，请设置 BAOSHAN_PUBLIC_BASE_URL）。",
    "sim_rejected": "回调拒绝了这条消息：HTTP {detail}。",
    "sim_bad_reply": "回调的回复无法解析，或加密回复的签名校验失败。",
    "done.notice_saved": "通知已保存。",
    "done.notice_drafted": "通知已改为草稿，居民看不到它。",
    "done.notice_scheduled": "通知已设为定时发布，到时间后自动公开。",
    "done.notice_published": "通知已发布。",
    "done.notice_archived": "通知已归档，居民将不再看到它。",
    "done.charity_saved": "慈善周活动已保存。",
    "done.kb_created": "条目已创建，机器人几秒内即可用它回答。",
    "done.kb_saved": "条目已保存，机器人几秒内即按新内容回答。",
    "done.kb_deactivated": "条目已停用（没有删除，可随时恢复）。",
    "done.kb_activated": "条目已恢复启用。",
    "done.kb_attached": "已把该问题作为一种问法加到条目中，这组未答问题已处理。",
    "done.kb_dismissed": "这组未答问题已标记为已处理。",
    "done.kb_review_dismissed": "这组待复核回答已标记为已处理。",
}

# --- slots, bookings, check-in, exports (the same codes the booking service raises) ---
BOOKING: dict[str, str] = {
    # invalid_input usually carries a worded ``detail``, which is then the message itself.
    "invalid_input": "填写的内容有误，请检查后重试。",
    "slot_not_found": "找不到该号源，可能已被删除。",
    "slot_closed": "该号源已关闭，不能再修改或预约。",
    "capacity_below_booked": "名额不能少于已预约的 {booked} 人；如需减少，请先与群众协商取消。",
    "booking_not_found": "找不到这条预约。",
    "no_show_not_confirmed": "只有“已确认”的预约可以标记爽约。",
    "no_show_checked_in": "该预约已签到，不能标记爽约。",
    "no_show_not_started": "号源尚未开始，不能标记爽约。",
    "no_show_already": "该预约已标记为爽约。",
    "no_show_not_marked": "该预约没有爽约标记，无需撤销。",
    "invalid_qr": "二维码无效或已被篡改，请让群众打开小程序中的预约二维码，或直接输入预约码。",
    "already_cancelled": "该预约已取消，不能签到。",
    "not_today": "这不是今天的预约（预约时间：{starts_at}），不能签到。",
    "already_checked_in": "该预约已于 {checked_in_at} 签到，请勿重复签到。",
    # The counter's wording for the same codes ("checkin." + code; the page falls back to the code).
    "checkin.booking_not_found": "没有找到该预约码，请核对后重试（不区分大小写，空格可忽略）。",
    "checkin.slot_closed": "该预约所在的号源已关闭，不能签到。",
    # Form parsing on the booking pages (the detail of an invalid_input) and page-level refusals.
    "slot_bad_date": "日期“{value}”格式不对，请写成 2026-05-20 这样的格式。",
    "slot_bad_time": "开放预约时间“{value}”格式不对，请写成 2026-05-01 09:00 这样的格式。",
    "slot_bad_number": "“{label}”应为整数。",
    "slot_export_service": "请选择有效的预约服务，或选择“全部服务”。",
    "booking_bad_action": "不支持的操作，请使用页面上的按钮。",
    # confirmations after a booking page saved (?done=code)
    "done.slot_bulk_opened": ("已开放 {opened} 个号源，跳过周末 {weekends} 天、节假日 {holidays} 天、"
                              "重复 {duplicates} 个。"),
    "done.slot_bulk_past": "另有 {past} 个今天已过开始时间的时段未开放。",
    "done.slot_capacity_saved": "名额已修改。",
    "done.slot_capacity_promoted": "名额已修改，候补名单中已有群众自动递补。",
    "done.slot_closed": "号源已关闭：其预约已改为“已关闭”，名额与重复预约限制已释放，候补名单已结束。",
    "done.booking_no_show_marked": "已标记爽约。",
    "done.booking_no_show_undone": "已撤销爽约标记。",
    "done.checkin_done": "签到成功。",
    # --- tomb ---
    "done.tomb_campaign_opened": "祭扫季已开放：各墓园高峰日的时段已建好，到开放预约时间后居民即可预约。",
    # --- counter ---
    "no_show_not_ended": "该号源尚未结束，不能把未签到的预约全部标记为爽约。",
    "cancel_checked_in": "该预约已签到，不能取消。",
    "export_unmasked_admin": "只有管理员可以导出未脱敏的名单。",
    "search_none": "没有找到匹配的预约。请核对预约码，或输入完整的11位手机号、完整姓名。",
    "day_slot_missing": "该号源不在所选日期。",
    "done.booking_staff_cancelled": "预约已取消，取消原因已通过消息通知群众（群众订阅了消息时）。",
    "done.day_no_show_all": "已把该号源未签到的预约全部标记为爽约。",
    "confirm.no_show_all.title": "确认批量标记爽约",
    "confirm.no_show_all": "号源 {starts_at} {service} 已结束：{count} 条未签到的预约将标记为爽约。",
    "confirm.no_show_all.button": "确认标记",
    "confirm.no_show_all.final": "之后仍可在预约详情中逐条撤销爽约标记。",
    "confirm.booking_cancel.title": "确认取消预约",
    "confirm.booking_cancel": "取消预约 {code}（{starts_at} {service}）：名额将释放，群众会收到取消通知。",
    "confirm.booking_cancel.reason": "取消原因（会通知群众）：{reason}",
    "confirm.booking_cancel.button": "确认取消预约",
    "confirm.booking_cancel.final": "此操作不能撤销，群众需要时可重新预约。",
    # --- youth ---
    "capacity_below_gender": ("该场按男女各半分配名额，已报名男 {men} 人、女 {women} 人；"
                              "名额的一半（向上取整）不能少于其中任一人数。"),
    # --- slots ---
    "slot_has_bookings": ("该号源已有 {booked} 人预约，不能修改时间或地点（标题和主题可以修改）。"
                          "如需改期，请关闭该号源并另开新号源。"),
    "slot_edit_bad_time": "时间“{value}”格式不对，请写成 09:00 这样的格式。",
    "slot_fix_fields": "请修改下面标出的内容。",
    "done.slot_edited": "号源已修改。",
    "done.slot_bulk_preview": ("将开放 {count} 个号源（每个 {capacity} 个名额），跳过周末 {weekends} 天、"
                               "节假日 {holidays} 天、重复 {duplicates} 个。请核对后确认。"),
    "done.slots_closed": "已关闭 {slots} 个号源，{residents} 位群众的预约已改为已关闭并收到通知。",
    "done.slots_capacity": "已将 {slots} 个号源的名额改为 {capacity}，候补递补 {promoted} 人。",
}

# --- confirmation pages before an irreversible action (issue #14) ---
# Each names exactly what will happen and to whom; the page's buttons are "confirm.<action>.button"
# and 返回. The action runs only on the page's own POST (confirm=1 and the session's CSRF token).
CONFIRM: dict[str, str] = {
    "confirm.slot_close.title": "确认关闭号源",
    "confirm.slot_close": ("关闭号源 {starts_at} {service}：{booked} 位群众的预约将改为已关闭并收到通知，"
                           "候补名单中 {waiting} 人的候补将结束。"),
    "confirm.slot_close.reason": "关闭原因（会显示给群众）：{reason}",
    "confirm.slot_close.button": "确认关闭",
    "confirm.slot_close.final": "此操作不能撤销。",
    "confirm.staff_deactivate.title": "确认停用账号",
    "confirm.staff_deactivate": "停用账号 {username}：该账号将无法登录，已登录的会话随即失效。",
    "confirm.staff_deactivate.button": "确认停用",
    "confirm.notice_archive.title": "确认归档通知",
    "confirm.notice_archive": "归档通知《{title}》：归档后居民将看不到该通知。",
    "confirm.notice_archive.button": "确认归档",
    # --- slots ---
    "confirm.slots_close.title": "确认批量关闭号源",
    "confirm.slots_close": ("关闭所选 {slots} 个号源：{residents} 位群众的预约将改为已关闭并收到通知，"
                            "候补名单中 {waiting} 人的候补将结束。"),
    "confirm.slots_close.list": "号源：{slots}",
    "confirm.slots_close.button": "确认关闭 {slots} 个号源",
}

# --- audit log: what each recorded action and field is called ("audit.<action>", "audit_field.<key>")
# Every action string a service records has a label (tests/content/test_audit_log.py); a field
# without one is shown by its key rather than hidden.
_AUDIT_ACTIONS: dict[str, str] = {
    "staff.add": "新建账号", "staff.role": "修改角色", "staff.activate": "启用账号",
    "staff.deactivate": "停用账号", "staff.unlock": "解锁账号", "staff.password": "重置密码",
    "staff.lock": "账号锁定", "staff.login": "登录", "staff.login_failed": "登录失败",
    "urgent.handled": "处理紧急求助",
    "notice.create": "新建通知", "notice.update": "修改通知", "notice.draft": "通知改为草稿",
    "notice.schedule": "定时发布通知", "notice.publish": "发布通知", "notice.archive": "归档通知",
    "charity.create": "新建慈善周活动", "charity.update": "修改慈善周活动",
    "slot.capacity": "修改名额", "slot.close": "关闭号源", "slot.bulk_open": "批量开放号源",
    "booking.check_in": "签到", "booking.no_show": "标记爽约", "booking.no_show_undo": "撤销爽约",
    "booking.export": "导出预约名单",
    "kb.create": "新建知识条目", "kb.update": "修改知识条目", "kb.activate": "启用知识条目",
    "kb.deactivate": "停用知识条目", "kb.add_question": "添加问法",
    "kb.unanswered_resolve": "未答问题已解决", "kb.unanswered_dismiss": "忽略未答问题",
    "kb.review_dismiss": "忽略待复核回答",
    "settings.welcome": "修改欢迎语", "settings.contacts": "修改联系方式",
    "settings.holidays": "修改节假日",
    # --- tomb ---
    "tomb.campaign_open": "开放祭扫季", "booking.phone": "电话代约（绿色通道）",
    # --- counter ---
    "booking.identity_view": "查看实名信息", "booking.no_show_all": "批量标记爽约",
    "booking.staff_cancel": "工作人员取消预约", "booking.reschedule": "改约",
    # --- policy ---
    "settings.policy": "修改政策找人标准",
    # --- referral ---
    "staff.streets": "修改服务街镇", "referral.submit": "居民提交救助顾问求助",
    "referral.withdraw": "居民撤回求助（个人信息已删除）", "referral.view": "查看求助人信息",
    "referral.claim": "认领求助", "referral.note": "添加求助备注", "referral.attempt": "记录联系",
    "referral.close": "办结求助",
    # --- slots ---
    "slot.edit": "修改号源",
}
_AUDIT_FIELDS: dict[str, str] = {
    # accounts and sign-in
    "username": "用户名", "role": "角色", "active": "启用", "unlocked": "已解锁", "password": "密码",
    "attempts": "连续失败次数", "account_exists": "账号存在", "locked_until": "锁定至",
    "locked": "账号已锁定",
    # slots and bookings
    "capacity": "名额", "booked": "已预约", "closed": "已关闭", "reason": "原因",
    "confirmed_bookings": "有效预约", "closed_bookings": "关闭的预约", "places_freed": "释放名额",
    "waitlist_skipped": "结束的候补", "code": "预约码", "no_show": "爽约", "no_show_at": "爽约标记时间",
    "checked_in": "已签到", "checked_in_at": "签到时间", "format": "格式", "rows": "行数",
    "slot": "号源", "service": "服务", "from": "起始日期", "to": "结束日期", "windows": "时段",
    "opened": "已开放", "weekend_days": "跳过周末天数", "holiday_days": "跳过节假日天数",
    "duplicates": "重复跳过", "past": "已过时段",
    # notices and charity week
    "title": "标题", "status": "状态", "publish_at": "发布时间", "cover": "封面",
    "campaign_id": "慈善周活动", "starts_on": "开始日期", "ends_on": "结束日期", "published": "已发布",
    # knowledge base
    "id": "编号", "answer": "答案", "kind": "类型", "category": "分类", "questions": "问法",
    "keywords": "关键词", "topics": "话题", "source": "来源", "department": "部门", "link": "链接",
    "action": "操作", "updated": "更新日期", "normalized": "问题", "count": "条数", "entry": "知识条目",
    "question": "问法", "text": "内容", "channel": "渠道",
    # settings
    "dates": "节假日", "bureau_address": "区民政局地址", "bureau_phone": "区民政局电话",
    "office_hours": "区民政局办公时间", "marriage_office_address": "婚姻登记处地址",
    "marriage_office_phone": "婚姻登记处电话", "marriage_office_hours": "婚姻登记处办公时间",
    "rescue_station_phone": "救助管理站电话",
    # --- tomb ---
    "days": "高峰日", "places": "墓园数", "opens_at": "开放预约时间", "existing": "已有跳过",
    "party_size": "人数",
    # --- counter ---
    "page": "页面", "bookings": "预约", "waitlist": "候补", "unmasked": "未脱敏",
    # --- policy ---
    "year": "年份", "dibao": "低保标准", "dibao_assets": "低保家庭财产标准",
    "low_income_assets": "低收入家庭财产标准",
    # --- referral ---
    "streets": "服务街镇", "street": "街镇", "urgent": "紧急", "consent_version": "同意书版本",
    "claimed_by": "认领人", "reached": "已联系上", "outcome": "办结结果",
    # --- slots ---
    "theme": "主题", "place": "地点", "starts_at": "开始时间", "ends_at": "结束时间",
}
AUDIT: dict[str, str] = {
    **{f"audit.{k}": v for k, v in _AUDIT_ACTIONS.items()},
    **{f"audit_field.{k}": v for k, v in _AUDIT_FIELDS.items()},
    "audit.target.slot": "号源 {when} {service}",
    "audit.target.booking": "预约 {code}",
    "audit.target.notice": "通知 {title}",
    "audit.target.charity": "慈善周 {title}",
    "audit.target.kb": "知识条目 {title}",
    "audit.target.staff": "账号 {username}",
    "audit.target.unknown_account": "（不存在的账号）",
}

# --- words ---
# The console's own error pages for what the framework refuses (no such page, wrong method) and
# the confirmations that say what an account action did to whom (#14).
WORDS: dict[str, str] = {
    "console_not_found": "找不到该页面，可能地址有误或页面已移动。请从导航重新进入。",
    "console_bad_method": "不支持这样打开该页面，请从导航重新进入。",
    "console_bad_request": "请求无法处理，请返回上一页重新操作。",
    "console_error": "系统出现错误，操作未完成。请稍后重试；如仍不行，请联系系统管理员。",
    "console_unavailable": "系统暂时繁忙，请稍后再试。",
    "done.logged_out": "您已退出登录。",
    "done.staff_added_named": ("账号已创建：{username}（{role}），"
                               "请把初始密码当面告知同事并提醒其登录后妥善保管。"),
    "done.staff_role": "已将 {username} 的角色改为{role}。",
    "done.staff_deactivate": "已停用 {username}：该账号不能再登录。",
    "done.staff_activate": "已启用 {username}。",
    "done.staff_unlock": "已解锁 {username}。",
    "done.staff_password": "已重置 {username} 的密码，请当面告知本人。",
}

# --- referral --- (the community assistance adviser's queue: content/referrals.py)
REFERRAL: dict[str, str] = {
    "adviser_streets": "社区救助顾问账号须选择至少一个服务街镇（且只能是宝山区的街镇）。",
    "referral_not_found": "找不到这条求助，或它不属于您服务的街镇。",
    "referral_closed": "这条求助已办结，不能再修改。",
    "referral_claimed": "这条求助已由 {username} 认领。",
    "referral_not_yours": "请先认领这条求助，再记录联系或办结。",
    "referral_bad_text": "请填写内容（最多{max}字）。",
    "referral_bad_outcome": "请选择办结结果。",
    "done.referral_claimed": "已认领，求助人的联系方式已显示（本次查看已记录）。",
    "done.referral_noted": "已记录。",
    "done.referral_closed": "已办结。",
    "done.staff_streets": "已更新 {username} 的服务街镇。",
    "audit.target.referral": "求助 #{id}",
}

# --- proxy ---
# Proxy sweeping (代客祭扫): the work queue, order pages, package management and their audit rows.
PROXY: dict[str, str] = {
    "proxy_duplicate": "该墓位在这一天已有代祭扫订单，请换一天安排。",
    "proxy_order_not_found": "找不到这条代祭扫订单。",
    "proxy_bad_state": "订单当前的状态不能进行此操作（可能已被其他同事处理），请刷新后重试。",
    "proxy_unreadable": "这条订单的加密信息无法读取，不能安排日期；请取消订单并联系家属。",
    "proxy_photo_too_large": "第{n}张照片超过2MB，请压缩后重新上传。",
    "proxy_photo_type": "第{n}张照片不是有效的 PNG、JPEG 或 WebP 图片（按文件内容判断，与扩展名无关）。",
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
    "done.proxy_place_saved": "地点已保存。",
    "done.proxy_place_activated": "地点已启用。",
    "done.proxy_place_deactivated": "地点已停用：新订单不能再选择它，已有订单不受影响。",
    "audit.proxy.place_create": "新建祭扫地点", "audit.proxy.place_update": "修改祭扫地点",
    "audit.proxy.place_activate": "启用祭扫地点", "audit.proxy.place_deactivate": "停用祭扫地点",
    "audit_field.note": "说明",
    "proxy_bad_action": "不支持的操作，请使用页面上的按钮。",
    "done.proxy_scheduled": "已安排日期，家属将收到通知。",
    "done.proxy_done": "已标记完成，照片已保存，家属将收到通知。",
    "done.proxy_cancelled": "订单已取消，取消原因已通知家属。",
    "done.proxy_package_saved": "套餐已保存。",
    "done.proxy_package_activated": "套餐已启用。",
    "done.proxy_package_deactivated": "套餐已停用：新订单不能再选择它，已有订单不受影响。",
    "confirm.proxy_cancel.title": "确认取消代祭扫订单",
    "confirm.proxy_cancel": "取消订单 {ref}（{place}，{day}）：家属将收到取消通知。",
    "confirm.proxy_cancel.reason": "取消原因（会告知家属）：{reason}",
    "confirm.proxy_cancel.button": "确认取消订单",
    "confirm.proxy_cancel.final": "此操作不能撤销。",
    "audit.proxy.create": "代祭扫下单", "audit.proxy.schedule": "安排代祭扫",
    "audit.proxy.done": "代祭扫完成", "audit.proxy.cancel": "取消代祭扫",
    "audit.proxy.package_create": "新建代祭扫套餐", "audit.proxy.package_update": "修改代祭扫套餐",
    "audit.proxy.package_activate": "启用代祭扫套餐", "audit.proxy.package_deactivate": "停用代祭扫套餐",
    "audit_field.day": "日期", "audit_field.place": "地点", "audit_field.package": "套餐",
    "audit_field.photos": "照片", "audit_field.name": "名称", "audit_field.description": "服务内容",
}

STAFF: dict[str, str] = {**ACCOUNTS, **CONTENT, **BOOKING, **CONFIRM, **AUDIT, **WORDS, **REFERRAL, **PROXY}

# --- guides ---
# 社会组织办事指南 (core.guides, core.guide_video, content/guides.py), with their audit labels.
GUIDES: dict[str, str] = {
    "guide_not_found": "找不到该办事指南。",
    "guide_step_not_found": "找不到该步骤，可能已被删除。",
    "guide_title_required": "请填写指南标题。",
    "guide_title_too_long": "标题最多120字。",
    "guide_summary_too_long": "摘要最多500字。",
    "guide_detail_too_long": "步骤说明最多5000字。",
    "guide_list_too_long": "材料最多30项、每项200字以内，关键词最多30个，来源最多500字。",
    "guide_step_title_required": "请填写步骤标题。",
    "guide_too_many_steps": "一个指南最多30个步骤。",
    "guide_no_steps": "指南还没有步骤，不能发布。",
    "guide_bad_date": "核对日期格式不对，请写成 2026-12-03 这样的格式。",
    "guide_video_not_mp4": "上传的文件不是MP4视频（按文件内容检查，改扩展名无效），请导出为MP4后再上传。",
    "guide_video_too_large": "视频超过20MB，请压缩后再上传，或改用视频号链接。",
    "guide_video_empty": "请选择要上传的MP4视频文件。",
    "guide_video_bad_url": "视频链接须以 https:// 开头，例如视频号或网页的地址。",
    "guide_video_title_too_long": "视频标题最多120字。",
    "done.guide_saved": "指南已保存。",
    "done.guide_published": "指南已发布，居民可以看到。",
    "done.guide_unpublished": "指南已下线，居民看不到它。",
    "done.guide_step_saved": "步骤已保存。",
    "done.guide_step_deleted": "步骤已删除。",
    "done.guide_video_saved": "网办小视频已保存。",
    "done.guide_video_removed": "网办小视频已移除。",
    "audit.guide.update": "修改办事指南", "audit.guide.publish": "发布办事指南",
    "audit.guide.unpublish": "下线办事指南", "audit.guide.step_create": "新增指南步骤",
    "audit.guide.step_update": "修改指南步骤", "audit.guide.step_move": "调整步骤顺序",
    "audit.guide.step_delete": "删除指南步骤", "audit.guide.video_upload": "上传网办小视频",
    "audit.guide.video_link": "设置网办小视频链接", "audit.guide.video_remove": "移除网办小视频",
    "audit_field.summary": "摘要", "audit_field.sources": "来源", "audit_field.reviewed_on": "核对日期",
    "audit_field.position": "顺序", "audit_field.materials": "材料", "audit_field.video": "视频",
    "audit_field.order": "步骤顺序", "audit_field.video_title": "视频标题",
    "audit_field.video_url": "视频链接", "audit_field.video_size": "视频大小",
    "audit.target.guide": "办事指南 {title}",
    "confirm.guide_step_delete.title": "确认删除步骤",
    "confirm.guide_step_delete": "删除步骤“{title}”：居民将不再看到这一步，已上传的网办小视频一并删除。",
    "confirm.guide_step_delete.button": "确认删除",
}
STAFF.update(GUIDES)
