"""Labels of the staff console.

Coded messages (errors a ``DomainError`` carries, ``?done=`` confirmations) live in
``core.catalogue.staff``. What stays here are labels: names of roles and notice states and the
simulator's notes, which no service raises and no other face shows.
"""

ROLE_NAMES: dict[str, str] = {"admin": "管理员", "editor": "内容编辑", "registrar": "登记员",
                              "adviser": "社区救助顾问"}

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
