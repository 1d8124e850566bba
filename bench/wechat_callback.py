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
QUESTIONS = ["结婚登记要带什么", "低保怎么申请", "一键通怎么装", "海葬怎么预约", "离婚冷静期多少天",
             "养老院怎么申请入住", "退休金什么时候发", "你好", "慈善超市在哪里", "重残护理补贴",
             "我妈八十多一个人住 那个按一下就能叫人的怎么装", "骨灰撒到海里怎么弄"]
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


async def one(client: httpx.AsyncClient, q: str, lat: list[float], errors: list[int]) -> None:
    params, body = signed(q)
    t = time.perf_counter()
    r = await client.post("/wechat", params=params, content=body)
    lat.append((time.perf_counter() - t) * 1000)
    if r.status_code != 200:
        errors.append(r.status_code)


def report(name: str, lat: list[float], errors: list[int], seconds: float) -> None:
    lat.sort()
    p = lambda f: lat[min(len(lat) - 1, int(len(lat) * f))] if lat else float("nan")  # noqa: E731
    print(f"{name}: {len(lat)} messages in {seconds:.1f}s = {len(lat) / seconds:.0f} msg/s, "
          f"p50={p(0.5):.1f}ms p99={p(0.99):.1f}ms max={lat[-1] if lat else 0:.1f}ms "
          f"non-200={len(errors)}")


async def steady(base: str, rate: int, seconds: float) -> None:
    lat: list[float] = []
    errors: list[int] = []
    async with httpx.AsyncClient(base_url=base, timeout=10,
                                 limits=httpx.Limits(max_connections=64)) as c:
        tasks = []
        start = time.perf_counter()
        for i in range(int(rate * seconds)):
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(one(c, QUESTIONS[i % len(QUESTIONS)], lat, errors)))
        await asyncio.gather(*tasks)
        report(f"steady {rate} msg/s", lat, errors, time.perf_counter() - start)


async def peak(base: str, connections: int, seconds: float) -> None:
    lat: list[float] = []
    errors: list[int] = []
    stop_at = time.perf_counter() + seconds

    async def worker(c: httpx.AsyncClient, n: int) -> None:
        for i in itertools.count(n):
            if time.perf_counter() >= stop_at:
                return
            await one(c, QUESTIONS[i % len(QUESTIONS)], lat, errors)

    async with httpx.AsyncClient(base_url=base, timeout=10,
                                 limits=httpx.Limits(max_connections=connections)) as c:
        start = time.perf_counter()
        await asyncio.gather(*(worker(c, n) for n in range(connections)))
        report(f"peak ({connections} connections)", lat, errors, time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args()
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
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        db = "postgres" if env.get("BAOSHAN_DATABASE_URL", "").startswith("postgres") else "sqlite"
        print(f"one worker, {db}")
        asyncio.run(steady(base, args.rate, args.seconds))
        asyncio.run(peak(base, args.connections, args.seconds))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
