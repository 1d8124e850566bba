"""What staff read in the console, keyed by code, with ``{params}``. Sections by page area."""

from __future__ import annotations

# --- login, accounts, settings ---
ACCOUNTS: dict[str, str] = {}

# --- notices, charity week, knowledge base, simulator ---
CONTENT: dict[str, str] = {}

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
    "slot_export_service": "按日期导出时请先选择一项服务。",
    "booking_bad_action": "不支持的操作，请使用页面上的按钮。",
}

STAFF: dict[str, str] = {**ACCOUNTS, **CONTENT, **BOOKING}
