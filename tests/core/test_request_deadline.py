"""Issue #11: a client that has not sent its whole request (head and body) within REQUEST_TIMEOUT
of its first byte is closed, however steadily it trickles bytes; idle keep-alive time before a
request does not count. A real `baoshan serve` (shortened to 3 s) and raw sockets."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.server import wait_healthy

pytestmark = pytest.mark.slow

DEADLINE = 3.0


def _closed_after(sock: socket.socket, drip: bytes, limit: float = 12.0) -> tuple[float, bytes]:
    """Sends ``drip`` a byte every 0.25 s until the server closes; seconds taken and what it said."""
    began, said = time.monotonic(), b""
    sock.settimeout(0.25)
    i = 0
    while time.monotonic() - began < limit:
        try:
            sock.send(drip[i % len(drip): i % len(drip) + 1])
            i += 1
        except OSError:
            break
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            break
        said += data
        if not data:
            break
    return time.monotonic() - began, said


def _slow_head(port: int) -> tuple[float, bytes]:
    # A head that never ends: a header line, one byte at a time.
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        return _closed_after(sock, b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")


def _slow_body(port: int) -> tuple[float, bytes]:
    # A complete head, then a body trickled one byte at a time.
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"POST /api/v1/miniapp/bookings HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        return _closed_after(sock, b" ")


def _pause_then_ask(port: int) -> tuple[bytes, bytes]:
    # Idle keep-alive time is not request time: a quick request after a pause is answered.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        sock.sendall(request)
        first = sock.recv(65536)
        time.sleep(DEADLINE + 1)
        sock.sendall(request)
        return first, sock.recv(65536)


def test_slow_clients_are_closed_at_a_total_deadline(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(workers=1, extra_env={"SANIC_REQUEST_TIMEOUT": str(DEADLINE)})
    wait_healthy(server, limit=60)
    with ThreadPoolExecutor(3) as pool:  # side by side: one deadline's wait for all three
        head, body, paused = (pool.submit(f, server.port)
                              for f in (_slow_head, _slow_body, _pause_then_ask))
        (head_took, _), (body_took, body_said), (first, second) = (
            head.result(), body.result(), paused.result())
    print(f"slow head closed after {head_took:.1f} s; slow body after {body_took:.1f} s "
          f"({body_said[:12]!r})")
    assert head_took < DEADLINE + 4, f"slow head still open after {head_took:.1f} s"
    assert body_took < DEADLINE + 4, f"slow body still open after {body_took:.1f} s"
    assert body_said.startswith(b"HTTP/1.1 408") or body_said == b""
    assert first.startswith(b"HTTP/1.1 200") and second.startswith(b"HTTP/1.1 200")
