"""Issue #11: request bodies are limited per route and refused before they are read (or
authenticated): API 64 KB, console forms 256 KB, the notice editor's cover upload ~2.9 MB for a
signed-in editor only. On a real server with raw sockets, plus the console cases in process."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sanic import Sanic

from content import auth
from core import limits
from tests.content.conftest import PASSWORD, login
from tests.support.asgi import client as asgi_client
from tests.support.server import running_site

BIG = 7_500_000  # what the fault-injection run sent


@pytest.fixture(scope="module")
def site(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    with running_site(database_url, tmp_path_factory.mktemp("limits"), "baoshan_limits") as s:
        yield s.server.port, s.server.proc.pid


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.settimeout(10)
    return sock


def _response(sock: socket.socket) -> tuple[int, bytes]:
    """Status and body of one response (read until the server closes or the body is complete)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), None)
    while length is not None and len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(head.split(b" ", 2)[1]), body


def test_an_oversized_api_body_is_refused_from_its_head(site: tuple[int, int]) -> None:
    port, _ = site
    with _connect(port) as sock:
        began = time.monotonic()
        # Only the head: a server that meant to read the body would wait for it.
        sock.sendall(b"POST /api/v1/miniapp/bookings HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % BIG)
        status, body = _response(sock)
    assert status == 413 and time.monotonic() - began < 5
    assert json.loads(body)["error"]["code"] == "payload_too_large"


def test_a_booking_just_over_64_kb_is_refused_before_authentication(site: tuple[int, int]) -> None:
    port, _ = site
    padded = json.dumps({"slot_id": 1, "name": "陈七", "pad": " " * (limits.API_BODY)}).encode()
    with _connect(port) as sock:
        sock.sendall(b"POST /api/v1/miniapp/bookings HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(padded))
        status, body = _response(sock)
    assert status == 413, body  # not 401: the limit comes first
    assert json.loads(body)["error"]["code"] == "payload_too_large"


def test_a_chunked_body_is_cut_off_while_streaming(site: tuple[int, int]) -> None:
    port, _ = site
    sent = 0
    with _connect(port) as sock:
        sock.sendall(b"POST /api/v1/miniapp/bookings HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"4000\r\n" + b" " * 0x4000 + b"\r\n"
        try:
            while sent < 2 * 1024 * 1024:
                sock.sendall(chunk)
                sent += 0x4000
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server closed the connection: expected once past the limit
        status, body = _response(sock)
    assert status == 413 and json.loads(body)["error"]["code"] == "payload_too_large"


def _rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (the manager and its workers)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        total += next(int(line.split()[1]) for line in status.splitlines()
                      if line.startswith("VmRSS:"))
        todo += [int(c) for c in children]
    return total


def test_thirty_oversized_anonymous_posts_do_not_grow_the_worker(site: tuple[int, int]) -> None:
    port, pid = site
    before = _rss_kb(pid)
    peak = before
    statuses: list[int] = []
    payload = b"{" + b" " * (BIG - 2) + b"}"

    def post() -> None:
        try:
            with _connect(port) as sock:
                sock.sendall(b"POST /api/v1/miniapp/bookings HTTP/1.1\r\nHost: x\r\n"
                             b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                             % len(payload))
                try:
                    sock.sendall(payload)
                except OSError:
                    pass  # refused and closed mid-send
                statuses.append(_response(sock)[0])
        except OSError:
            statuses.append(0)

    began = time.monotonic()
    threads = [threading.Thread(target=post) for _ in range(30)]
    for t in threads:
        t.start()
    # Peak, not final: buffered bodies are freed once their requests end.
    while any(t.is_alive() for t in threads) and time.monotonic() - began < 60:
        peak = max(peak, _rss_kb(pid))
        time.sleep(0.02)
    grown_mb = (peak - before) / 1024
    print(f"peak RSS {before // 1024} → {peak // 1024} MB (+{grown_mb:.1f}); statuses "
          f"{sorted(set(statuses))}; {time.monotonic() - began:.1f} s")
    assert grown_mb < 60, grown_mb
    assert 413 in statuses and not set(statuses) - {413, 0}


async def test_console_forms_have_a_modest_limit_and_covers_need_an_editor(app: Sanic) -> None:
    async with asgi_client(app) as anonymous:
        # 300 KB to the notice editor without a session: refused before the body is read (the
        # console's HTML page), where it used to be buffered and then redirected to sign-in.
        r = await anonymous.post("/console/notices/new", content=b"x" * (300 * 1024),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
        r = await anonymous.post("/console/kb/new", content=b"x" * (limits.CONSOLE_FORM + 1),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    await auth.add_staff("limits-editor", "editor", PASSWORD)
    async with asgi_client(app) as http:
        editor = await login(http, "limits-editor")
        cover = b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 1024 * 1024 - 16)
        r = await editor.post("/console/notices/new", data={"title": "带封面的通知", "summary": "s",
                                                            "body": "正文"},
                              files={"cover": ("c.png", cover, "image/png")})
        assert r.status_code != 413, r.text[:300]
