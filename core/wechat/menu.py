"""The custom menu: a config file, validated against WeChat's limits before it is published."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from string import Template
from typing import Any

import yaml

MENU_FILE = Path(__file__).with_name("menu.yaml")
MAX_BUTTONS, MAX_SUB_BUTTONS = 3, 5
MAX_TOP_BYTES, MAX_SUB_BYTES = 16, 60  # WeChat counts bytes: 4 / about 8 Chinese characters (+ margin)
MAX_SUB_CHARS = 8
TYPES = {"click", "view", "miniprogram"}


class MenuError(ValueError):
    pass


def load(path: Path = MENU_FILE, values: Mapping[str, str] | None = None) -> dict[str, Any]:
    text = Template(path.read_text(encoding="utf-8")).safe_substitute(values or {})
    menu = yaml.safe_load(text)
    if not isinstance(menu, dict):
        raise MenuError("菜单文件格式不正确 / the menu file must be a mapping")
    return menu


def validate(menu: Mapping[str, Any], entry_ids: Iterable[str] = ()) -> list[str]:
    """Problems with the menu, in Chinese; an empty list means it can be published."""
    problems: list[str] = []
    known = set(entry_ids)
    buttons = menu.get("button") or []
    if not 1 <= len(buttons) <= MAX_BUTTONS:
        problems.append(f"一级菜单需 1-{MAX_BUTTONS} 个，现有 {len(buttons)} 个")
    for b in buttons:
        name = str(b.get("name", ""))
        if not name or len(name.encode()) > MAX_TOP_BYTES:
            problems.append(f"一级菜单名“{name}”为空或超过 4 个汉字")
        subs = b.get("sub_button") or []
        if len(subs) > MAX_SUB_BUTTONS:
            problems.append(f"“{name}”的子菜单超过 {MAX_SUB_BUTTONS} 个")
        if not subs:
            problems.extend(_check_action(b, known))
        for sub in subs:
            sname = str(sub.get("name", ""))
            if not sname or len(sname) > MAX_SUB_CHARS or len(sname.encode()) > MAX_SUB_BYTES:
                problems.append(f"子菜单名“{sname}”为空或超过 {MAX_SUB_CHARS} 个汉字")
            problems.extend(_check_action(sub, known))
    return problems


def _check_action(button: Mapping[str, Any], known: set[str]) -> list[str]:
    name, kind = button.get("name", ""), button.get("type")
    if kind not in TYPES:
        return [f"“{name}”的类型 {kind!r} 不支持"]
    problems: list[str] = []
    if kind == "click":
        key = str(button.get("key", ""))
        if not key or len(key.encode()) > 128:
            problems.append(f"“{name}”缺少 key 或 key 过长")
        elif key.startswith("kb:") and known and key[3:] not in known:
            problems.append(f"“{name}”指向不存在的知识条目 {key[3:]}")
    if kind in ("view", "miniprogram") and not str(button.get("url", "")).startswith("http"):
        problems.append(f"“{name}”需要 http(s) 链接（小程序按钮也需要备用链接）")
    if kind == "miniprogram":
        appid = str(button.get("appid", ""))
        if not appid or appid.startswith(("$", "dev-placeholder")):
            problems.append(f"“{name}”需要配置 MINIAPP_APP_ID")
    return problems
