"""A console form over the request size limit gets a page that says so, not the API's JSON (on a
real server: the in-process test client does not enforce the limit)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.server import running_site

TOO_BIG = 9 * 1024 * 1024  # over every route's limit (core/limits.py)


@pytest.fixture(scope="module")
def base(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_site(database_url, tmp_path_factory.mktemp("upload"), "baoshan_upload") as site:
        yield site.base


def test_a_console_form_over_the_limit_gets_a_page(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30, trust_env=False) as http:
        r = http.post("/console/notices/new", data={"title": "带大图的通知"},
                      files={"cover": ("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * TOO_BIG, "image/png")})
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html") and "内容太大" in r.text
    assert "返回工作台" in r.text


def test_the_api_keeps_its_json_error(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30, trust_env=False) as http:
        r = http.post("/api/v1/miniapp/bookings", content=b"{" + b" " * TOO_BIG + b"}",
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
