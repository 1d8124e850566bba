"""Throughput and latency of POST /wechat against one real worker.

Starts `baoshan serve --workers 1` on a fresh database (SQLite in a temp dir, or the PostgreSQL
database named by BAOSHAN_DATABASE_URL), then sends signed text messages with distinct MsgIds and
varied questions: first at a steady rate, then as fast as a pool of connections allows. Prints
throughput and p50/p99 latency for each phase.

    python bench/wechat_callback.py [--rate 200] [--seconds 10] [--connections 32]
    python bench/wechat_callback.py --reference [--cold]   # beside the WeRoBot reference bot

``--reference`` also starts ../shared/bench/reference_bot.py (WeRoBot + rapidfuzz under gunicorn,
one sync worker; its packages go into a venv of their own, $BENCH_REF_VENV, made on first use)
over the same entries, drives it with the same messages at the same peak, and prints the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
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
        if b"\r\nconnection: close" in head.lower():  # a sync WSGI server: one request per connection
            self.close()
            self.writer = None
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


def report(name: str, lat: list[float], errors: list[int], seconds: float, cpu: float) -> dict:
    lat.sort()
    p = lambda f: lat[min(len(lat) - 1, int(len(lat) * f))] if lat else float("nan")  # noqa: E731
    # Server CPU per message says what one worker could do with a core to itself: on a 2-core box
    # the load generator takes a share, so throughput alone understates the server.
    per = cpu * 1000 / max(1, len(lat))
    print(f"{name}: {len(lat)} messages in {seconds:.1f}s = {len(lat) / seconds:.0f} msg/s, "
          f"p50={p(0.5):.1f}ms p99={p(0.99):.1f}ms max={lat[-1] if lat else 0:.1f}ms "
          f"non-200={len(errors)}, server CPU {per:.2f} ms/msg (≈ {1000 / per:.0f} msg/s per core)")
    return {"msg_per_s": len(lat) / seconds, "p50_ms": p(0.5), "p99_ms": p(0.99),
            "non_200": len(errors), "cpu_ms_per_msg": per}


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


async def peak(host: str, port: int, connections: int, seconds: float, name: str = "") -> dict:
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
    return report(f"{name}peak ({connections} connections)", lat, errors,
                  time.perf_counter() - start, server_cpu() - cpu)


REFERENCE_DIR = Path(os.environ.get("REFERENCE_BOT_DIR", ROOT.parent / "shared" / "bench"))


def reference_python() -> Path:
    """The reference bot's interpreter: a venv of its own, so its packages stay out of ours."""
    venv = Path(os.environ.get("BENCH_REF_VENV", Path(tempfile.gettempdir()) / "baoshan-bench-ref-venv"))
    python = venv / "bin" / "python"
    if not (venv / "bin" / "gunicorn").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "werobot", "rapidfuzz", "gunicorn"],
                       check=True)
    return python


def start_reference(port: int) -> subprocess.Popen:
    from knowledge.entries import load_dir

    python = reference_python()
    entries = [{"questions": [e.title, *e.questions], "answer": e.answer}
               for e in load_dir() if e.active and e.kind == "entry"]
    path = Path(tempfile.mkdtemp(prefix="bench-ref-")) / "entries.json"
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "REF_ENTRIES": str(path), "WECHAT_TOKEN": TOKEN}
    return subprocess.Popen([str(python), "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}",
                             "--backlog", "2048", "--chdir", str(REFERENCE_DIR), "reference_bot:app"],
                            env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def beside_reference(port: int, connections: int, seconds: float) -> None:
    """Ours and the reference bot, each at its peak, alternately (so a busy moment of the shared
    machine hits both alike), then the ratio of the medians."""
    global SERVER_PID
    ours_pid = SERVER_PID
    ref_port = free_port()
    ref = start_reference(ref_port)
    try:
        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{ref_port}/", timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        ours, theirs = [], []
        for _ in range(3):
            SERVER_PID = ours_pid
            ours.append(asyncio.run(peak("127.0.0.1", port, connections, seconds, "ours: ")))
            SERVER_PID = ref.pid
            theirs.append(asyncio.run(peak("127.0.0.1", ref_port, connections, seconds, "reference: ")))
    finally:
        SERVER_PID = ours_pid
        os.killpg(ref.pid, signal.SIGTERM)
        ref.wait(timeout=20)

    def med(rows: list[dict], k: str) -> float:
        return sorted(r[k] for r in rows)[len(rows) // 2]

    ratio = med(ours, "msg_per_s") / max(med(theirs, "msg_per_s"), 1e-9)
    print(f"callback beside the reference bot ({connections} connections, median of 3): ours "
          f"{med(ours, 'msg_per_s'):.0f} msg/s p99 {med(ours, 'p99_ms'):.1f} ms, reference "
          f"{med(theirs, 'msg_per_s'):.0f} msg/s p99 {med(theirs, 'p99_ms'):.1f} ms: "
          f"{ratio:.1f}× the reference (target ≥ 4×, p99 ≤ 50 ms); CPU per message "
          f"{med(ours, 'cpu_ms_per_msg'):.2f} ms vs {med(theirs, 'cpu_ms_per_msg'):.2f} ms")
    print(json.dumps({"ours": ours, "reference": theirs, "ratio": round(ratio, 2),
                      "load_avg_1m": round(os.getloadavg()[0], 2)}))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--cold", action="store_true", help="make every question unique (no cache hits)")
    ap.add_argument("--reference", action="store_true",
                    help="measure the peak beside the WeRoBot reference bot and print the ratio")
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
        if args.reference:
            beside_reference(port, args.connections, args.seconds)
        else:
            asyncio.run(steady("127.0.0.1", port, args.rate, args.seconds))
            asyncio.run(peak("127.0.0.1", port, args.connections, args.seconds))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
