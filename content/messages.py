"""Labels of the staff console, and the booking pages' texts until they join the staff catalogue.

Coded messages (errors a ``DomainError`` carries, ``?done=`` confirmations) live in
``core.catalogue.staff``. What stays here are labels: names of roles and notice states and the
simulator's notes, which no service raises and no other face shows.
"""

ERRORS: dict[str, str] = {
    # slots, bookings, check-in and exports (content/bookings*.py, checkin.py, exports.py)
    "slot_not_found": "找不到该号源，可能已被删除。",
    "slot_closed": "该号源已关闭，不能再修改或预约。",
    "slot_capacity_below_booked": "名额不能少于已预约的 {detail} 人；如需减少，请先与群众协商取消。",
    "slot_bad_input": "{detail}",
    "slot_bad_date": "日期“{detail}”格式不对，请写成 2026-05-20 这样的格式。",
    "slot_bad_time": "开放预约时间“{detail}”格式不对，请写成 2026-05-01 09:00 这样的格式。",
    "slot_bad_number": "“{field}”应为整数。",
    "slot_export_service": "按日期导出时请先选择一项服务。",
    "booking_not_found": "找不到这条预约。",
    "booking_no_show_not_confirmed": "只有“已确认”的预约可以标记爽约。",
    "booking_no_show_checked_in": "该预约已签到，不能标记爽约。",
    "booking_no_show_not_started": "号源尚未开始，不能标记爽约。",
    "booking_no_show_already": "该预约已标记为爽约。",
    "booking_no_show_not_marked": "该预约没有爽约标记，无需撤销。",
    "booking_bad_action": "不支持的操作，请使用页面上的按钮。",
    "checkin_empty": "请输入预约码或扫描二维码。",
    "checkin_invalid_qr": "二维码无效或已被篡改，请让群众打开小程序中的预约二维码，或直接输入预约码。",
    "checkin_not_found": "没有找到该预约码，请核对后重试（不区分大小写，空格可忽略）。",
    "checkin_cancelled": "该预约已取消，不能签到。",
    "checkin_closed": "该预约所在的号源已关闭，不能签到。",
    "checkin_not_today": "这不是今天的预约（预约时间：{detail}），不能签到。",
    "checkin_already": "该预约已于 {detail} 签到，请勿重复签到。",
}

# Booking pages' confirmations (?done=code); the console reads core.catalogue.staff's first.
DONE: dict[str, str] = {
    "slot_bulk_opened": ("已开放 {opened} 个号源，跳过周末 {weekends} 天、节假日 {holidays} 天、"
                         "重复 {duplicates} 个。"),
    "slot_bulk_past": "另有 {past} 个今天已过开始时间的时段未开放。",
    "slot_capacity_saved": "名额已修改。",
    "slot_capacity_promoted": "名额已修改，候补名单中已有群众自动递补。",
    "slot_closed": "号源已关闭：其预约已改为“已关闭”，名额与重复预约限制已释放，候补名单已结束。",
    "booking_no_show_marked": "已标记爽约。",
    "booking_no_show_undone": "已撤销爽约标记。",
    "checkin_done": "签到成功。",
}

ROLE_NAMES: dict[str, str] = {"admin": "管理员", "editor": "内容编辑", "registrar": "登记员"}

NOTICE_STATE_NAMES: dict[str, str] = {"draft": "草稿", "scheduled": "定时发布", "published": "已发布",
                                      "archived": "已归档"}

# The chat simulator's notes between bubbles (content/simulator.py), keyed by purpose.
SIM_TEXT: dict[str, str] = {
    "no_reply": "（公众号没有回复：回调返回了 success，居民看不到任何消息。）",
    "transfer": "（已转接人工客服：这条消息会进入公众号的客服系统，由值班人员回复。）",
    "other_reply": "（公众号回复了 {kind} 类型的消息，模拟器无法显示。）",
    "subscribe": "［关注公众号］",
    "unsubscribe": "［取消关注］",
    "click": "［点击菜单：{name}］",
    "encrypted": "加密",
}
