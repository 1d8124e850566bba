from __future__ import annotations

import copy

from core.wechat.menu import load, validate
from knowledge.entries import load_dir

VALUES = {"MINIAPP_APP_ID": "wxminiapp0001", "PUBLIC_BASE_URL": "https://baoshan.example"}


def test_the_shipped_menu_is_publishable() -> None:
    menu = load(values=VALUES)
    assert validate(menu, [e.id for e in load_dir()]) == []


def test_the_menu_needs_the_mini_program_configured() -> None:
    problems = validate(load(values={}))
    assert any("MINIAPP_APP_ID" in p for p in problems)


def test_limits_are_enforced() -> None:
    menu = load(values=VALUES)
    too_many = copy.deepcopy(menu)
    too_many["button"].append(copy.deepcopy(menu["button"][0]))
    assert any("一级菜单需" in p for p in validate(too_many))
    long_name = copy.deepcopy(menu)
    long_name["button"][0]["name"] = "这是一个很长的名字"
    long_name["button"][0]["sub_button"][0]["name"] = "这个子菜单名字实在太长了"
    problems = validate(long_name)
    assert any("一级菜单名" in p for p in problems) and any("子菜单名" in p for p in problems)
    crowded = copy.deepcopy(menu)
    crowded["button"][0]["sub_button"] *= 2
    assert any("子菜单超过" in p for p in validate(crowded))
    dangling = copy.deepcopy(menu)
    dangling["button"][0]["sub_button"][0]["key"] = "kb:no-such-entry"
    assert any("不存在" in p for p in validate(dangling, [e.id for e in load_dir()]))
