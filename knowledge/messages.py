"""Chinese text of the knowledge API's errors, keyed by error code."""

ERRORS: dict[str, str] = {
    "empty_query": "请输入要咨询的问题。",
    "invalid_limit": "limit 必须是 1 到 10 之间的整数。",
    "kb_unavailable": "知识库正在加载，请稍后再试。",
    "rate_limited": "查询太频繁，请稍后再试。",
}
