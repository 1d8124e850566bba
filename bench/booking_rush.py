"""Rush-day booking: N simultaneous attempts on one slot of C places, against a real server.

Starts a fake WeChat (jscode2session) on loopback, opens a marriage-registration slot with
``baoshan slots open``, starts ``baoshan serve --workers W``, logs N residents in, then sends all N
booking requests at once (each a different couple) and prints: confirmed count (must equal C),
p50/p99/max latency of the booking requests, and the 5xx count.

    python bench/booking_rush.py                                   # SQLite, 1 worker
    python bench/booking_rush.py --database-url postgres://postgres@127.0.0.1:5432/bench --workers 2

A PostgreSQL URL names a database that the script creates and drops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.booking.rules import id_check_digit  # noqa: E402
from core.tz import SHANGHAI  # noqa: E402


async def fake_wechat(port: int) -> None:
    """A minimal keep-alive HTTP server answering /sns/jscode2session with openid = "o-" + code."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                target = head.split(b" ", 2)[1].decode()
                code = parse_qs(urlsplit(target).query).get("js_code", ["x"])[0]
                body = json.dumps({"openid": f"o-{code}", "session_key": f"sk-{code}"}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=2048)
    async with server:
        await server.serve_forever()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_id(birth: str, male: bool, seq: int) -> str:
    first17 = f"310113{birth}{(seq * 2 + (1 if male else 0)) % 1000:03d}"
    return first17 + id_check_digit(first17)


def couple(slot_id: int, i: int) -> dict:
    # Distinct people: vary the birth date by index so every ID number is different.
    day = datetime(1990, 1, 1) + timedelta(days=i)
    return {"slot_id": slot_id, "phone": "13800000014",
            "party_a": {"name": "张三", "id_number": make_id(day.strftime("%Y%m%d"), True, 1)},
            "party_b": {"name": "李四", "id_number": make_id(day.strftime("%Y%m%d"), False, 2)}}


def raw_post(host: str, path: str, body: dict, token: str) -> bytes:
    data = json.dumps(body).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: {len(data)}\r\n"
            "Connection: close\r\n\r\n").encode() + data


def pg_admin(url: str) -> tuple[str, str]:
    parts = urlsplit(url.replace("postgres://", "postgresql://", 1))
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


async def pg(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def tree_pids(root: int) -> list[int]:
    """The server's worker processes (every descendant of ``root``)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    found, grew = {root}, True
    while grew:
        more = {pid for pid, ppid in parents.items() if ppid in found} - found
        found |= more
        grew = bool(more)
    return sorted(found - {root})


def cpu_seconds(root: int) -> float:
    """User+system CPU of a process tree (the server and its workers), from /proc (Linux)."""
    tree = [root, *tree_pids(root)]
    total = 0.0
    for pid in tree:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def kill_busiest_worker(server_pid: int) -> int | None:
    """SIGKILL the descendant that has used the most CPU (a worker in the middle of the rush)."""
    def cpu(pid: int) -> int:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return -1
        return int(stat[11]) + int(stat[12])
    pids = tree_pids(server_pid)
    if not pids:
        return None
    victim = max(pids, key=cpu)
    os.kill(victim, 9)
    return victim


async def log_in_all(client: httpx.AsyncClient, residents: int) -> list[str]:
    """Every resident's session token, 100 logins at a time (before any clock starts)."""
    sem = asyncio.Semaphore(100)

    async def login(i: int) -> str:
        async with sem:
            r = await client.post("/api/v1/miniapp/session", json={"code": f"bench{i}"})
            r.raise_for_status()
            return str(r.json()["token"])

    return list(await asyncio.gather(*[login(i) for i in range(residents)]))


async def rush(base: str, slot_id: int, attempts: int, server_pid: int, profile: str = "",
               kill_after_ms: int = 0) -> dict:
    limits = httpx.Limits(max_connections=attempts, max_keepalive_connections=attempts)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        tokens = await log_in_all(client, attempts)
        gate = asyncio.Event()
        host, port = urlsplit(base).hostname or "127.0.0.1", urlsplit(base).port or 80
        # The rush itself uses raw HTTP/1.1 over asyncio streams: httpx costs ≈ 2 ms of client CPU
        # per request, which on a shared 2-core box measured the load generator, not the server.
        requests = [raw_post(host, "/api/v1/miniapp/bookings", couple(slot_id, i), tokens[i])
                    for i in range(attempts)]

        booked_ids: list[int] = []

        async def book(i: int) -> tuple[int, float]:
            reader, writer = await asyncio.open_connection(host, port)
            await gate.wait()
            began = time.perf_counter()
            try:
                writer.write(requests[i])
                await writer.drain()
                status = int((await reader.readline()).split()[1])
                rest = await reader.read()  # Connection: close — the body ends with the stream
                if status == 201:
                    booked_ids.append(int(json.loads(rest.split(b"\r\n\r\n", 1)[1])["id"]))
            except (OSError, ValueError, IndexError, KeyError):
                status = 599
            finally:
                writer.close()
            return status, time.perf_counter() - began

        tasks = [asyncio.create_task(book(i)) for i in range(attempts)]
        await asyncio.sleep(1.0)  # every connection open and waiting at the gate
        spies = [subprocess.Popen(  # noqa: ASYNC220 (a fork before the clock starts)
                  ["py-spy", "record", "-r", "500", "-f", "raw", "-o", f"{profile}.{pid}.txt",
                                   "-p", str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for pid in (tree_pids(server_pid) if profile else [])]
        if spies:
            await asyncio.sleep(1.0)  # py-spy attaching
        cpu = cpu_seconds(server_pid)
        wall = time.perf_counter()
        gate.set()
        killed = None
        if kill_after_ms:
            await asyncio.sleep(kill_after_ms / 1000)
            killed = kill_busiest_worker(server_pid)
        results = await asyncio.gather(*tasks)
        wall = time.perf_counter() - wall
        cpu = cpu_seconds(server_pid) - cpu
        for spy in spies:
            spy.send_signal(2)
            spy.wait(timeout=30)
        # Then the scripts that keep trying: a second wave of the same size after the slot filled.
        gate = asyncio.Event()
        requests = [raw_post(host, "/api/v1/miniapp/bookings", couple(slot_id, attempts + i), tokens[i])
                    for i in range(attempts)]
        tasks = [asyncio.create_task(book(i)) for i in range(attempts)]
        await asyncio.sleep(1.0)
        gate.set()
        retries = await asyncio.gather(*tasks)
        slots = (await client.get("/api/v1/miniapp/slots",
                                  params={"service": "marriage_registration"})).json()["slots"]
    again = sorted(t for _, t in retries)
    lat = [t for _, t in results]
    statuses = [s for s, _ in results]
    return {"attempts": attempts, "confirmed": statuses.count(201), "booked_ids": booked_ids,
            "killed_worker": killed,
            "slot_full": statuses.count(409), "5xx": sum(s >= 500 for s in statuses),
            "other": sum(s not in (201, 409) and s < 500 for s in statuses),
            "remaining": next(s["remaining"] for s in slots if s["id"] == slot_id),
            "p50_ms": round(statistics.median(lat) * 1000), "p99_ms": round(percentile(lat, 0.99) * 1000),
            "max_ms": round(max(lat) * 1000), "wall_s": round(wall, 2),
            "server_cpu_ms_per_request": round(cpu * 1000 / attempts, 2),
            "second_wave": {"confirmed": sum(s == 201 for s, _ in retries),
                            "5xx": sum(s >= 500 for s, _ in retries),
                            "p50_ms": round(statistics.median(again) * 1000),
                            "p99_ms": round(percentile(again, 0.99) * 1000)}}


class KeepAlive:
    """One keep-alive HTTP/1.1 connection speaking raw bytes (what wrk does, at a few tens of
    microseconds of client CPU per request instead of httpx's ≈ 2 ms)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: dict, token: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        data = json.dumps(body).encode()
        self.writer.write((f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\n"
                           f"Content-Type: application/json\r\nAuthorization: Bearer {token}\r\n"
                           f"Content-Length: {len(data)}\r\n\r\n").encode() + data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        return int(head.split(b" ", 2)[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def steady(base: str, slot_id: int, residents: int, connections: int, seconds: float,
                 server_pid: int) -> dict:
    """The rush under steady load, as wrk gives it: ``connections`` keep-alive connections, each
    sending its next booking as soon as the last is answered, for ``seconds``; every request is a
    fresh resident (logged in beforehand; past ``residents`` requests the residents come round
    again, as the scripts that keep trying do)."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        tokens = await log_in_all(client, residents)
        host, port = urlsplit(base).hostname or "127.0.0.1", urlsplit(base).port or 80
        bodies = [couple(slot_id, i) for i in range(residents)]
        results: list[tuple[int, float]] = []
        began_at: list[float] = []  # when each result's request was sent, in order of results
        booked_ids: list[int] = []
        counter = iter(range(10**9))
        conns = [KeepAlive(host, port) for _ in range(connections)]
        for conn in conns:  # connected before the clock starts, as wrk's are
            conn.reader, conn.writer = await asyncio.open_connection(host, port)

        async def drive(conn: KeepAlive, stop_at: float) -> None:
            while time.perf_counter() < stop_at:
                i = next(counter) % residents
                began = time.perf_counter()
                try:
                    status, body = await conn.post("/api/v1/miniapp/bookings", bodies[i], tokens[i])
                    if status == 201:
                        booked_ids.append(int(json.loads(body)["id"]))
                except (OSError, ValueError, KeyError, asyncio.IncompleteReadError):
                    conn.close()
                    status = 599
                results.append((status, time.perf_counter() - began))
                began_at.append(began - wall)

        cpu = cpu_seconds(server_pid)
        wall = time.perf_counter()
        await asyncio.gather(*(drive(c, wall + seconds) for c in conns))
        wall = time.perf_counter() - wall
        cpu = cpu_seconds(server_pid) - cpu
        for conn in conns:
            conn.close()
        slots = (await client.get("/api/v1/miniapp/slots",
                                  params={"service": "marriage_registration"})).json()["slots"]
    lat = [t for _, t in results]
    statuses = [s for s, _ in results]
    # Where the tail comes from: the requests in flight while the places were being taken, or
    # the refusals after the slot filled (from the last 201's answer on).
    granted = [b + t for (s, t), b in zip(results, began_at, strict=True) if s == 201]
    filled = max(granted, default=0.0)
    after = [t for (_, t), b in zip(results, began_at, strict=True) if b >= filled]
    return {"mode": "steady", "connections": connections, "seconds": seconds, "requests": len(results),
            "req_per_s": round(len(results) / wall), "confirmed": statuses.count(201),
            "booked_ids": booked_ids, "slot_full": statuses.count(409),
            "5xx": sum(s >= 500 for s in statuses),
            "other": sum(s not in (201, 409) and s < 500 for s in statuses),
            "other_statuses": sorted({s for s in statuses if s not in (201, 409) and s < 500}),
            "remaining": next(s["remaining"] for s in slots if s["id"] == slot_id),
            "p50_ms": round(statistics.median(lat) * 1000), "p99_ms": round(percentile(lat, 0.99) * 1000),
            "max_ms": round(max(lat) * 1000), "wall_s": round(wall, 2),
            "filled_ms": round(filled * 1000),
            "after_fill_p99_ms": round(percentile(after, 0.99) * 1000) if after else None,
            "server_cpu_ms_per_request": round(cpu * 1000 / max(1, len(results)), 2)}


async def integrity(db_url: str, slot_id: int, booked_ids: list[int]) -> dict:
    """Every 201 names a stored confirmed booking; the slot's count equals its active bookings."""
    active_sql = "SELECT id FROM booking WHERE slot_id = {} AND status = 'confirmed'"
    if db_url.startswith("postgres"):
        import asyncpg

        conn = await asyncpg.connect(db_url.replace("postgres://", "postgresql://", 1))
        try:
            active = {r["id"] for r in await conn.fetch(active_sql.format("$1"), slot_id)}
            booked = await conn.fetchval("SELECT booked FROM booking_slot WHERE id = $1", slot_id)
        finally:
            await conn.close()
    else:
        import sqlite3

        with sqlite3.connect(db_url[len("sqlite://"):]) as db:
            active = {r[0] for r in db.execute(active_sql.format("?"), (slot_id,))}
            booked = db.execute("SELECT booked FROM booking_slot WHERE id = ?", (slot_id,)).fetchone()[0]
    return {"granted_201s": len(booked_ids), "missing_201s": len(set(booked_ids) - active),
            "active": len(active), "booked": int(booked)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database-url", default="")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--attempts", type=int, default=2000)
    p.add_argument("--capacity", type=int, default=100)
    p.add_argument("--profile", default="", metavar="PREFIX",
                   help="record the first wave with py-spy (installed separately) into PREFIX.<pid>.txt")
    p.add_argument("--kill-worker-after-ms", type=int, default=0, metavar="MS",
                   help="SIGKILL the busiest worker this long into the first wave, then check that "
                        "every 201 exists and booked = active bookings <= capacity")
    p.add_argument("--steady", type=float, default=0, metavar="SECONDS",
                   help="instead of one gated burst: --connections keep-alive connections sending "
                        "bookings back to back for SECONDS (wrk-style; the issue's rush figure uses 4)")
    p.add_argument("--connections", type=int, default=200, help="with --steady (default 200)")
    p.add_argument("--fake-wechat", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.fake_wechat:
        asyncio.run(fake_wechat(args.fake_wechat))
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="booking-rush-"))
    db_url = args.database_url or f"sqlite://{tmp / 'rush.sqlite3'}"
    # (admin URL, database name) of a PostgreSQL run: the database is made here and dropped at the end.
    postgres = pg_admin(db_url) if db_url.startswith("postgres") else None
    if postgres:
        admin, name = postgres
        asyncio.run(pg(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(pg(admin, f'CREATE DATABASE "{name}"'))
    # The fake runs in its own process so the load generator's event loop cannot starve it.
    fake_port = free_port()
    fake = subprocess.Popen([sys.executable, __file__, "--fake-wechat", str(fake_port)])
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("BAOSHAN_", "WECHAT_"))},
           "BAOSHAN_DATABASE_URL": db_url, "BAOSHAN_VAR_DIR": str(tmp),
           "BAOSHAN_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
           "BAOSHAN_RATE_LIMIT_PER_ADDRESS": "0",  # every simulated resident shares one address
           "WECHAT_API_BASE_URL": f"http://127.0.0.1:{fake_port}", "PYTHONPATH": str(ROOT)}
    day = (datetime.now(UTC).astimezone(SHANGHAI) + timedelta(days=2)).date().isoformat()
    opened = subprocess.run([sys.executable, "-m", "core.cli", "slots", "open", "--service",
                             "marriage_registration", "--date", day, "--start", "09:00", "--end", "11:00",
                             "--capacity", str(args.capacity)], env=env, capture_output=True, text=True,
                            check=True)
    slot_id = int(opened.stdout.strip().splitlines()[-1])
    log = (tmp / "serve.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "core.cli", "serve", "--port", str(port),
                               "--workers", str(args.workers)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        time.sleep(1.5)  # let every worker finish starting
        if args.steady:
            result = asyncio.run(steady(base, slot_id, args.attempts, args.connections, args.steady,
                                        server.pid))
        else:
            result = asyncio.run(rush(base, slot_id, args.attempts, server.pid, args.profile,
                                      args.kill_worker_after_ms))
        result["integrity"] = asyncio.run(integrity(db_url, slot_id, result.pop("booked_ids")))
    finally:
        server.terminate()
        server.wait(timeout=30)
        fake.terminate()
        fake.wait(timeout=10)
        if postgres:
            admin, name = postgres
            asyncio.run(pg(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    kind = "postgres" if db_url.startswith("postgres") else "sqlite"
    print(json.dumps({"database": kind, "workers": args.workers, "capacity": args.capacity, **result}))
    check = result["integrity"]
    sound = (check["missing_201s"] == 0 and check["booked"] == check["active"]
             and check["booked"] <= args.capacity)
    if args.kill_worker_after_ms:  # requests on the killed worker fail; what was granted must hold
        ok = sound
    elif args.steady:
        ok = sound and (result["confirmed"] == args.capacity and result["5xx"] == 0
                        and result["remaining"] == 0)
        print(f"steady rush: {result['requests']} requests from {args.connections} keep-alive "
              f"connections in {result['wall_s']} s = {result['req_per_s']} req/s, "
              f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms (target ≤ 500 ms), "
              f"{result['confirmed']} confirmed in the first {result['filled_ms']} ms "
              f"(p99 after that {result['after_fill_p99_ms']} ms), {result['5xx']} 5xx, "
              f"server CPU {result['server_cpu_ms_per_request']} ms/request")
        print("OK" if ok else "FAIL", f"p99 {'≤' if result['p99_ms'] <= 500 else '>'} 0.5 s")
        return 0 if ok else 1
    else:
        ok = sound and (result["confirmed"] == args.capacity and result["5xx"] == 0
                        and result["remaining"] == 0 and result["second_wave"]["confirmed"] == 0
                        and result["second_wave"]["5xx"] == 0)
    print("OK" if ok else "FAIL", f"p99 {'≤' if result['p99_ms'] <= 1000 else '>'} 1 s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
