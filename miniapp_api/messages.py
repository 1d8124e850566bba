"""Citizen-facing Chinese text and HTTP status for every code this API answers, in one place."""

from __future__ import annotations

# code -> (HTTP status, message)
ERRORS: dict[str, tuple[int, str]] = {
    "invalid_input": (422, "填写的信息有误，请检查后重试。"),
    "slot_full": (409, "该时段已约满，请选择其他时段，或加入候补名单。"),
    "booking_unreadable": (409, "这条预约的信息无法读取，不能改约。请取消后重新预约，或致电登记机关。"),
    "duplicate_booking": (409, "已有一个有效预约，不能重复预约。如需更改，请先取消或改约原预约。"),
    "not_open": (409, "该时段尚未开放预约，请在开放后再来。"),
    "booking_closed": (409, "该时段已停止预约，请选择其他时段。"),
    "cancel_closed": (409, "已过取消或改约的截止时间，如有特殊情况请致电登记机关。"),
    "already_cancelled": (409, "该预约已取消，无需重复操作。"),
    "slot_available": (409, "该时段还有名额，请直接预约。"),
    "already_waiting": (409, "您已在该时段的候补名单中。"),
    "slot_closed": (409, "该时段已由工作人员关闭，请选择其他时段。"),
    "slot_not_found": (404, "预约时段不存在，请刷新后重新选择。"),
    "booking_not_found": (404, "没有找到这条预约。"),
    "unauthorized": (401, "登录已失效，请重新进入小程序。"),
    "invalid_code": (401, "微信登录凭证无效或已使用，请重新进入小程序。"),
    "rate_limited": (429, "操作太频繁，请稍后再试。"),
    "wechat_unavailable": (503, "微信服务暂时无法连接，请稍后再试。"),
}


def status_and_message(code: str) -> tuple[int, str]:
    return ERRORS.get(code, (400, "请求无法处理，请稍后重试。"))
