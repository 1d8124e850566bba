"""Citizen-facing Chinese text of core's errors, keyed by error code (one place to review)."""

ERROR_MESSAGES: dict[str, str] = {
    "bad_request": "请求格式不正确，请检查后重试。",
    "invalid_input": "填写的信息有误，请检查后重试。",
    "unauthorized": "请先登录。",
    "forbidden": "没有权限进行此操作。",
    "not_found": "您访问的页面或资源不存在。",
    "method_not_allowed": "不支持该请求方式。",
    "payload_too_large": "提交的内容太大，请精简后重试。",
    "rate_limited": "操作太频繁，请稍后再试。",
    "conflict": "操作与当前状态冲突，请刷新后重试。",
    "internal_error": "系统繁忙，请稍后再试。如需帮助请拨打12345市民服务热线。",
    "service_unavailable": "服务暂时不可用，请稍后再试。",
    "database_unavailable": "数据库暂时不可用，请稍后再试。",
}


def message_for(code: str) -> str:
    return ERROR_MESSAGES.get(code, ERROR_MESSAGES["bad_request"])
