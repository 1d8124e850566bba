"""Throughput and latency of POST /wechat against one real worker.

Starts `baoshan serve --workers 1` on a fresh database (SQLite in a temp dir, or the PostgreSQL
database named by BAOSHAN_DATABASE_URL), then sends signed text messages with distinct MsgIds and
varied questions: first at a steady rate, then as fast as a pool of connections allows. Prints
throughput and p50/p99 latency for each phase.

    python bench/wechat_callback.py [--rate 200] [--seconds 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"
EVAL = ROOT / "knowledge" / "eval"
# Residents' questions of every style, from the labelled evaluation sets (≈ 850 distinct texts).
QUESTIONS: list[str] = []
COLD = False  # --cold: every message unique, so no answer can come from a cache


def question(i: int) -> str:
    q = QUESTIONS[i % len(QUESTIONS)]
    return f"{q} {i}" if COLD else q


XML = ("<xml><ToUserName><![CDATA[gh_baoshan]]></ToUserName><FromUserName><![CDATA[oBench{user}]]>"
       "</FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
       "<Content><![CDATA[{q}]]></Content><MsgId>{msgid}</MsgId></xml>")
_ids = itertools.count(int(time.time()) * 1000)


def signed(q: str) -> tuple[dict[str, str], bytes]:
    ts, nonce = str(int(time.time())), str(next(_ids))
    sig = hashlib.sha1("".join(sorted([TOKEN, ts, nonce])).encode()).hexdigest()
    msgid = next(_ids)
    body = XML.format(user=msgid % 500, ts=ts, q=q, msgid=msgid).encode()
    return {"signature": sig, "timestamp": ts, "nonce": nonce}, body


class Conn:
    """One keep-alive HTTP/1.1 connection speaking raw bytes.

    httpx costs ≈ 2 ms of client CPU per request; on a 2-core box shared with the server that
    measured the load generator. Raw streams cost a few tens of microseconds.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: text/xml\r\n"
                          f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def one(conn: Conn, q: str, lat: list[float], errors: list[int]) -> None:
    params, body = signed(q)
    path = "/wechat?" + "&".join(f"{k}={v}" for k, v in params.items())
    t = time.perf_counter()
    try:
        status = await conn.post(path, body)
    except (OSError, asyncio.IncompleteReadError, ValueError):
        conn.close()
        conn.writer = None
        status = 599
    lat.append((time.perf_counter() - t) * 1000)
    if status != 200:
        errors.append(status)


SERVER_PID = 0


def server_cpu() -> float:
    """User+system CPU seconds of the server's process tree (Linux /proc)."""
    from booking_rush import cpu_seconds

    return cpu_seconds(SERVER_PID)


def report(name: str, lat: list[float], errors: list[int], seconds: float, cpu: float) -> None:
    lat.sort()
    p = lambda f: lat[min(len(lat) - 1, int(len(lat) * f))] if lat else float("nan")  # noqa: E731
    # Server CPU per message says what one worker could do with a core to itself: on a 2-core box
    # the load generator takes a share, so throughput alone understates the server.
    per = cpu * 1000 / max(1, len(lat))
    print(f"{name}: {len(lat)} messages in {seconds:.1f}s = {len(lat) / seconds:.0f} msg/s, "
          f"p50={p(0.5):.1f}ms p99={p(0.99):.1f}ms max={lat[-1] if lat else 0:.1f}ms "
          f"non-200={len(errors)}, server CPU {per:.2f} ms/msg (≈ {1000 / per:.0f} msg/s per core)")


async def steady(host: str, port: int, rate: int, seconds: float) -> None:
    """Messages sent on a fixed schedule, whatever the server's pace (an open-loop load)."""
    lat: list[float] = []
    errors: list[int] = []
    idle: list[Conn] = [Conn(host, port) for _ in range(64)]

    async def send(i: int) -> None:
        conn = idle.pop() if idle else Conn(host, port)
        await one(conn, question(i), lat, errors)
        idle.append(conn)

    tasks = []
    cpu = server_cpu()
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        due = start + i / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(send(i)))
    await asyncio.gather(*tasks)
    report(f"steady {rate} msg/s", lat, errors, time.perf_counter() - start, server_cpu() - cpu)
    for conn in idle:
        conn.close()


async def peak(host: str, port: int, connections: int, seconds: float) -> None:
    lat: list[float] = []
    errors: list[int] = []
    stop_at = time.perf_counter() + seconds

    async def worker(n: int) -> None:
        conn = Conn(host, port)
        for i in itertools.count(n):
            if time.perf_counter() >= stop_at:
                conn.close()
                return
            await one(conn, question(i), lat, errors)

    cpu = server_cpu()
    start = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(connections)))
    report(f"peak ({connections} connections)", lat, errors, time.perf_counter() - start,
           server_cpu() - cpu)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--cold", action="store_true", help="make every question unique (no cache hits)")
    args = ap.parse_args()
    global COLD
    COLD = args.cold
    sys.path.insert(0, str(ROOT))
    from knowledge.evaluate import load_items

    QUESTIONS.extend(dict.fromkeys(i["q"] for f in sorted(EVAL.glob("*.yaml")) for i in load_items(f)))
    random.Random(5).shuffle(QUESTIONS)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = tempfile.mkdtemp(prefix="bench-wechat-")
    env = {**os.environ, "WECHAT_TOKEN": TOKEN, "BAOSHAN_VAR_DIR": tmp, "BAOSHAN_LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "core.cli", "serve", "--port", str(port),
                             "--workers", "1"], cwd=tmp, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    global SERVER_PID
    SERVER_PID = proc.pid
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        db = "postgres" if env.get("BAOSHAN_DATABASE_URL", "").startswith("postgres") else "sqlite"
        print(f"one worker, {db}, {len(QUESTIONS)} distinct questions{' made unique' if COLD else ''}")
        asyncio.run(steady("127.0.0.1", port, args.rate, args.seconds))
        asyncio.run(peak("127.0.0.1", port, args.connections, args.seconds))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
