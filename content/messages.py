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
    # notices and charity week (content/notices.py, content/charity.py, content/public.py)
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
    "notice_public_missing": "该通知不存在、尚未发布或已撤下。",
    "charity_not_found": "找不到该慈善周活动。",
    "charity_title_required": "请填写活动名称。",
    "charity_title_too_long": "活动名称最多120字。",
    "charity_starts_bad": "请正确填写开始日期（例如 2026-09-01）。",
    "charity_ends_bad": "请正确填写结束日期（例如 2026-09-07）。",
    "charity_date_order": "结束日期不能早于开始日期。",
    "charity_intro_too_long": "活动介绍最多20000字。",
    "charity_public_missing": "目前没有正在进行或即将开始的慈善周活动。",
    "staff_not_found": "找不到该账号。",
    "staff_self": "不能修改自己的角色或停用自己的账号，请让另一位管理员操作。",
    "staff_bad_action": "不支持的操作。",
    "settings_bad_section": "请选择要保存的设置项。",
    "settings_welcome_too_long": "欢迎语最多600字。",
    "settings_contact_too_long": "“{field}”最多120字。",
    "settings_contact_bad_char": "“{field}”中不能包含“$”符号。",
    "settings_holiday_bad_date": "节假日日期“{detail}”格式不对，请写成 2026-10-01 这样的格式，每行一个。",
    "settings_holidays_too_many": "节假日最多400个日期。",
}

# One-line confirmations shown after a form is saved (?done=code), keyed by code.
DONE: dict[str, str] = {
    "saved": "已保存。",
    "notice_saved": "通知已保存。",
    "notice_drafted": "通知已改为草稿，居民看不到它。",
    "notice_scheduled": "通知已设为定时发布，到时间后自动公开。",
    "notice_published": "通知已发布。",
    "notice_archived": "通知已归档，居民将不再看到它。",
    "charity_saved": "慈善周活动已保存。",
    "staff_added": "账号已创建，请把初始密码当面告知同事并提醒其登录后妥善保管。",
}

ROLE_NAMES: dict[str, str] = {"admin": "管理员", "editor": "内容编辑", "registrar": "登记员"}

NOTICE_STATE_NAMES: dict[str, str] = {"draft": "草稿", "scheduled": "定时发布", "published": "已发布",
                                      "archived": "已归档"}
