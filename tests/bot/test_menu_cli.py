"""`baoshan wechat menu publish` against a fake WeChat server listening on a real socket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.cli import main
from tests.support.wechat import FakeWechatApi


@pytest.fixture
def fake_wechat() -> Iterator[FakeWechatApi]:
    fake = FakeWechatApi()
    with fake.serve():
        yield fake


def test_menu_publish_validates_then_posts_with_a_shared_token(
        fake_wechat: FakeWechatApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], scratch_database_url: str) -> None:
    for key, value in {"BAOSHAN_VAR_DIR": str(tmp_path), "WECHAT_API_BASE_URL": fake_wechat.url,
                       "BAOSHAN_DATABASE_URL": scratch_database_url,
                       "WECHAT_APP_ID": "wxapp", "WECHAT_APP_SECRET": "s3cret",
                       "MINIAPP_APP_ID": "wxmini", "BAOSHAN_PUBLIC_BASE_URL": "https://b.example"}.items():
        monkeypatch.setenv(key, value)
    assert main(["db", "upgrade"]) == 0
    assert main(["wechat", "menu", "publish"]) == 0
    assert fake_wechat.paths == ["/cgi-bin/stable_token", "/cgi-bin/menu/create"]
    menu = fake_wechat.calls[1].body
    assert len(menu["button"]) == 3 and menu["button"][1]["sub_button"][0]["appid"] == "wxmini"
    assert "菜单已发布" in capsys.readouterr().out


def test_menu_publish_refuses_an_invalid_menu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BAOSHAN_VAR_DIR", str(tmp_path))
    bad = tmp_path / "menu.yaml"
    bad.write_text("button:\n  - {name: 这是一个太长的菜单名, type: click, key: x}\n", encoding="utf-8")
    assert main(["wechat", "menu", "publish", "--file", str(bad)]) == 1
    assert "一级菜单名" in capsys.readouterr().err
