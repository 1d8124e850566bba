"""`baoshan wechat menu publish` against a fake WeChat server listening on a real socket."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from core.cli import main


class _Fake(BaseHTTPRequestHandler):
    calls: ClassVar[list[tuple[str, dict]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        type(self).calls.append((self.path.split("?")[0], body))
        token = self.path.startswith("/cgi-bin/stable_token")
        reply = {"access_token": "TOKEN", "expires_in": 7200} if token else {"errcode": 0, "errmsg": "ok"}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_wechat() -> Iterator[str]:
    _Fake.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_menu_publish_validates_then_posts_with_a_shared_token(
        fake_wechat: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], scratch_database_url: str) -> None:
    for key, value in {"BAOSHAN_VAR_DIR": str(tmp_path), "WECHAT_API_BASE_URL": fake_wechat,
                       "BAOSHAN_DATABASE_URL": scratch_database_url,
                       "WECHAT_APP_ID": "wxapp", "WECHAT_APP_SECRET": "s3cret",
                       "MINIAPP_APP_ID": "wxmini", "BAOSHAN_PUBLIC_BASE_URL": "https://b.example"}.items():
        monkeypatch.setenv(key, value)
    assert main(["db", "upgrade"]) == 0
    assert main(["wechat", "menu", "publish"]) == 0
    paths = [p for p, _ in _Fake.calls]
    assert paths == ["/cgi-bin/stable_token", "/cgi-bin/menu/create"]
    menu = _Fake.calls[1][1]
    assert len(menu["button"]) == 3 and menu["button"][1]["sub_button"][0]["appid"] == "wxmini"
    assert "菜单已发布" in capsys.readouterr().out


def test_menu_publish_refuses_an_invalid_menu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BAOSHAN_VAR_DIR", str(tmp_path))
    bad = tmp_path / "menu.yaml"
    bad.write_text("button:\n  - {name: 这是一个太长的菜单名, type: click, key: x}\n", encoding="utf-8")
    assert main(["wechat", "menu", "publish", "--file", str(bad)]) == 1
    assert "一级菜单名" in capsys.readouterr().err
