"""The ``baoshan`` command (see CONTRACT.md for the commands others rely on)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core.logs import configure_logging
from core.settings import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from types import ModuleType

# This module is imported again, as ``__mp_main__``, by every process Sanic spawns (each worker
# and the state manager, which the server waits for): so it imports almost nothing at the top,
# and each command imports what it uses.

log = logging.getLogger("baoshan.cli")


class _LazyDb:
    """``core.db`` on first use (it imports the ORM, ≈ 0.3 s)."""

    def __getattr__(self, name: str) -> object:
        import core.db

        return getattr(core.db, name)


db: ModuleType = _LazyDb()  # type: ignore[assignment]


def _kb_command(name: str) -> Callable[[argparse.Namespace, Settings], int]:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        from core import cli_kb

        return int(getattr(cli_kb, name)(args, settings) or 0)

    return run


async def prepare_database(settings: Settings) -> None:
    """Before workers start: migrate (dev) or insist on a migrated schema (production), then make
    sure the knowledge base has entries. Runs in the main process and closes its connections
    itself, so nothing is left open across the fork and SIGINT is not held up by SQLite."""
    if settings.is_production:
        pending = await db.pending_migrations(settings)
        if pending:
            raise ConfigError(f"数据库有未应用的迁移 {pending}，请先运行 baoshan db upgrade",
                              "pending migrations; run `baoshan db upgrade` first")
    else:
        applied = await db.upgrade(settings)
        if applied:
            log.info("migrations applied", extra={"migrations": applied})
    await db.init_orm(settings)
    try:
        seeded = await _seed_if_empty()
        if seeded:
            log.info("knowledge base seeded from bundled entries", extra={"entries": seeded})
        from core import guide_seed

        guides = await guide_seed.seed_if_empty()
        if guides:
            log.info("guides seeded from the bundled file", extra={"guides": guides})
        rebound = await _rebind_fields(settings)
        if rebound:
            log.info("encrypted fields bound to their rows", extra={"fields": rebound})
    finally:
        await db.close_orm()


async def _seed_if_empty() -> int:
    """``core.kb.seed_if_empty``, importing the knowledge service (the matcher, pinyin tables:
    ≈ 0.5 s) only when there is something to seed: a restart only checks."""
    from core.models import KbEntry

    if await KbEntry.all().exists():
        return 0
    from core import kb

    return await kb.seed_if_empty()


async def _rebind_fields(settings: Settings) -> int:
    """Rewrites values encrypted before row binding (v1) as v2; a no-op once none is left."""
    from core.booking.identity import backfill_lookups
    from core.crypto import FieldCipher
    from core.field_binding import rebind_legacy_fields

    cipher = FieldCipher(settings.secret_key)
    rebound = await rebind_legacy_fields(cipher)
    # Bookings made before booking_lookup existed (migration 0011) become findable by phone/name.
    await backfill_lookups(cipher)
    return rebound


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from core import serve

    asyncio.run(prepare_database(settings))
    # core.serve: the workers under a guard that stops the whole process promptly on SIGTERM or
    # SIGINT and replaces a worker that dies (exit status 1 if it cannot).
    return serve.run(settings, args.host, args.port, args.workers, args.backlog,
                     started=_process_started())


def _process_started() -> float:
    """When this process began (Linux /proc, in seconds since boot), on the ``time.monotonic()``
    clock, so the ready line includes the interpreter's start and the imports; else now."""
    now = time.monotonic()
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return now
    return now - age if 0 <= age < 3600 else now


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    applied = asyncio.run(db.upgrade(settings))
    print("\n".join(applied) if applied else "数据库已是最新 / nothing to apply")

    async def rebind() -> int:
        await db.init_orm(settings)
        try:
            return await _rebind_fields(settings)
        finally:
            await db.close_orm()

    rebound = asyncio.run(rebind())
    if rebound:
        print(f"已将 {rebound} 个加密字段绑定到所在记录 / {rebound} encrypted fields rebound")
    return 0


def cmd_db_makemigrations(args: argparse.Namespace, settings: Settings) -> int:
    import tempfile

    from tortoise.cli.cli import CLIContext, makemigrations

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(db.tortoise_config(settings), fh)
    asyncio.run(makemigrations(CLIContext(None, fh.name), (), False, args.name))
    Path(fh.name).unlink()
    return 0


def cmd_slots_open(args: argparse.Namespace, settings: Settings) -> int:
    from core.booking import BookingError
    from core.booking.slots import local_times, open_slot

    async def run() -> int:
        starts, ends = local_times(args.date, args.start, args.end)
        opens = None
        if args.opens_at:
            from core import tz

            opens = tz.assume_local(datetime.fromisoformat(args.opens_at))
        await db.upgrade(settings) if not settings.is_production else None
        await db.init_orm(settings)
        try:
            slot = await open_slot(args.service, starts, ends, args.capacity, title=args.title,
                                   opens_at=opens, theme=args.theme, place=args.place,
                                   age_min=args.age_min, age_max=args.age_max,
                                   gender_split=args.gender_split)
        finally:
            await db.close_orm()
        slot_id: int = slot.id  # Tortoise types a model's fields as Any
        return slot_id

    try:
        slot_id = asyncio.run(run())
    except (BookingError, ValueError) as exc:
        print(f"无法开放时段 / cannot open slot: {getattr(exc, 'detail', None) or exc}", file=sys.stderr)
        return 2
    print(slot_id)  # the contract: the last line printed is the new slot's id alone
    return 0


def cmd_staff_add(args: argparse.Namespace, settings: Settings) -> int:
    from core import catalogue
    from core.accounts import AuthError, add_staff

    password = sys.stdin.readline().rstrip("\r\n")

    async def run() -> None:
        if not settings.is_production:
            await db.upgrade(settings)
        await db.init_orm(settings)
        try:
            await add_staff(args.username, args.role, password, actor="cli",
                            streets=tuple(c.strip() for c in args.streets.split(",") if c.strip()))
        finally:
            await db.close_orm()

    try:
        asyncio.run(run())
    except AuthError as exc:
        print(catalogue.text("staff", exc.code, exc.params), file=sys.stderr)
        return 1
    print(f"已创建工作人员账号 {args.username.strip().lower()}（{args.role}）/ staff account created")
    return 0


def cmd_wechat_menu_publish(args: argparse.Namespace, settings: Settings) -> int:
    from core import outbound
    from core.wechat import WechatApiError, WechatClient
    from core.wechat.menu import MENU_FILE, load, validate
    from knowledge.entries import load_dir

    values = {"MINIAPP_APP_ID": settings.miniapp_app_id, "PUBLIC_BASE_URL": settings.public_base_url}
    menu = load(Path(args.file) if args.file else MENU_FILE, values)
    problems = validate(menu, [e.id for e in load_dir()])
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    if args.dry_run:
        print(json.dumps(menu, ensure_ascii=False, indent=2))
        return 0

    async def publish() -> None:
        await db.init_orm(settings)
        try:
            async with outbound.client() as http:
                await WechatClient.from_settings(settings, http).create_menu(menu)
        finally:
            await db.close_orm()

    try:
        asyncio.run(publish())
    except WechatApiError as exc:
        print(f"发布失败 / publish failed: {exc}", file=sys.stderr)
        return 1
    print("菜单已发布 / menu published")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="baoshan", description="宝山民政服务 / Baoshan civil-affairs service")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the service")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=1)
    s.add_argument("--backlog", type=int, default=2048, help="listen queue length (default 2048)")
    s.set_defaults(func=cmd_serve)

    a = sub.add_parser("ask", help="print what the bot would answer")
    a.add_argument("question", nargs="+")
    a.add_argument("--json", action="store_true")
    a.add_argument("--limit", type=int, default=3)
    a.set_defaults(func=_kb_command("cmd_ask"))

    d = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    d.add_parser("upgrade", help="apply pending migrations").set_defaults(func=cmd_db_upgrade)
    mk = d.add_parser("makemigrations", help="write a migration for model changes")
    mk.add_argument("--name", default=None)
    mk.set_defaults(func=cmd_db_makemigrations)

    k = sub.add_parser("kb", help="knowledge base").add_subparsers(dest="kb_command", required=True)
    ki = k.add_parser("import", help="import entries from a YAML file or directory")
    ki.add_argument("path")
    ki.add_argument("--replace", action="store_true", help="deactivate entries not in PATH")
    ki.set_defaults(func=_kb_command("cmd_kb_import"))
    ke = k.add_parser("export", help="export active entries as YAML files")
    ke.add_argument("path")
    ke.set_defaults(func=_kb_command("cmd_kb_export"))
    kv = k.add_parser("eval", help="evaluate matching on a labelled question file")
    kv.add_argument("file")
    kv.add_argument("--bundled", action="store_true", help="use the bundled entries, not the DB")
    kv.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    kv.set_defaults(func=_kb_command("cmd_kb_eval"))
    sl = sub.add_parser("slots", help="bookable slots").add_subparsers(dest="slots_command",
                                                                       required=True)
    so = sl.add_parser("open", help="open one bookable slot (times in Asia/Shanghai)")
    so.add_argument("--service", required=True)
    so.add_argument("--date", required=True, help="YYYY-MM-DD")
    so.add_argument("--start", required=True, help="HH:MM")
    so.add_argument("--end", required=True, help="HH:MM")
    so.add_argument("--capacity", type=int, required=True)
    so.add_argument("--title", default="")
    so.add_argument("--opens-at", default=None, help="ISO-8601; bookings before it get not_open")
    so.add_argument("--theme", default="", help="e.g. 七夕 (shown in the slot list)")
    so.add_argument("--place", default="", help="where: a cemetery, a meet-up's venue")
    so.add_argument("--age-min", type=int, default=None, help="youth_event only (default 18)")
    so.add_argument("--age-max", type=int, default=None, help="youth_event only (default 45)")
    so.add_argument("--gender-split", action="store_true",
                    help="youth_event only: half the places for men, half for women")
    so.set_defaults(func=cmd_slots_open)

    st = sub.add_parser("staff", help="staff accounts").add_subparsers(dest="staff_command",
                                                                       required=True)
    sa = st.add_parser("add", help="create a console account; password from standard input")
    sa.add_argument("username")
    sa.add_argument("--role", required=True, choices=["admin", "editor", "registrar", "adviser"])
    sa.add_argument("--streets", default="",
                    help="adviser: the 街镇 codes served, comma-separated (core/data/streets.yaml)")
    sa.set_defaults(func=cmd_staff_add)

    w = sub.add_parser("wechat", help="official account").add_subparsers(dest="wechat_command",
                                                                        required=True)
    wm = w.add_parser("menu", help="custom menu").add_subparsers(dest="menu_command", required=True)
    mp = wm.add_parser("publish", help="validate core/wechat/menu.yaml and publish it")
    mp.add_argument("--file", default=None)
    mp.add_argument("--dry-run", action="store_true", help="validate and print, do not publish")
    mp.set_defaults(func=cmd_wechat_menu_publish)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = load_settings()
    configure_logging(settings.log_level if args.command == "serve" else "WARNING",
                      settings.log_format)
    return int(args.func(args, settings) or 0)


if __name__ == "__main__":
    sys.exit(main())
