"""Chinese text of the staff console, keyed by code."""

ERRORS: dict[str, str] = {
    "bad_credentials": "用户名或密码不正确。",
    "locked": "登录失败次数过多，账号已暂时锁定，请15分钟后再试或联系管理员。",
    "csrf": "页面已过期，请刷新后重新提交。",
    "forbidden": "您的账号没有权限访问此页面。",
    "bad_username": "用户名只能使用小写字母、数字、下划线、点和连字符，最长64位。",
    "bad_role": "角色只能是 admin、editor 或 registrar。",
    "weak_password": "密码至少需要8位。",
    "username_taken": "该用户名已存在。",
}

# One-line confirmations shown after a form is saved (?done=code), keyed by code.
DONE: dict[str, str] = {
    "saved": "已保存。",
}

ROLE_NAMES: dict[str, str] = {"admin": "管理员", "editor": "内容编辑", "registrar": "登记员"}
