"""Knowledge entries: the reviewable YAML files in ``knowledge/entries`` and their validation."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge import yamlio

ENTRIES_DIR = Path(__file__).parent / "entries"
KINDS = ("entry", "out_of_scope", "smalltalk")
ACTIONS = ("", "book:marriage_registration", "book:collective_ceremony",
           "book:eco_burial_consultation", "book:charity_event", "book:tomb_sweeping")
MAX_ANSWER_CHARS = 600
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_PLACEHOLDER_RE = re.compile(r"\$\{([a-z_]+)\}")




class EntryError(ValueError):
    pass


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    answer: str
    kind: str = "entry"
    category: str = ""
    questions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    source: str = ""
    department: str = ""
    link: str = ""
    action: str = ""
    updated: dt.date | None = None
    active: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def placeholders(self) -> set[str]:
        return set(_PLACEHOLDER_RE.findall(self.answer))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        for key in ("questions", "keywords", "topics"):
            data[key] = list(data[key])
        return data


def _strs(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    return tuple(str(v).strip() for v in value if str(v).strip())


def entry_from_dict(raw: Mapping[str, Any], *, kind: str | None = None) -> Entry:
    if not isinstance(raw, Mapping):
        raise EntryError("每条知识必须是一个映射（mapping）")
    updated = raw.get("updated")
    if isinstance(updated, str) and updated:
        try:
            updated = dt.date.fromisoformat(updated)
        except ValueError:
            raise EntryError(f"{raw.get('id')}: updated 日期格式应为 YYYY-MM-DD") from None
    return Entry(
        id=str(raw.get("id", "")).strip(),
        kind=kind or str(raw.get("kind") or "entry"),
        category=str(raw.get("category") or "").strip(),
        title=str(raw.get("title") or "").strip(),
        answer=str(raw.get("answer") or "").strip(),
        questions=_strs(raw.get("questions")),
        keywords=_strs(raw.get("keywords")),
        topics=_strs(raw.get("topics")),
        source=str(raw.get("source") or "").strip(),
        department=str(raw.get("department") or "").strip(),
        link=str(raw.get("link") or "").strip(),
        action=str(raw.get("action") or "").strip(),
        updated=updated if isinstance(updated, dt.date) else None,
        active=bool(raw.get("active", True)),
    )


def validate(entry: Entry, categories: Iterable[str] | None = None) -> list[str]:
    """Problems with one entry, in Chinese, for the import command and the console form."""
    problems: list[str] = []
    where = entry.id or "(无 id)"
    if not _ID_RE.match(entry.id):
        problems.append(f"{where}: id 只能用小写字母、数字和连字符")
    if entry.kind not in KINDS:
        problems.append(f"{where}: kind 必须是 {', '.join(KINDS)} 之一")
    if not entry.title:
        problems.append(f"{where}: 缺少标题")
    if not entry.answer:
        problems.append(f"{where}: 缺少答案")
    if len(entry.answer) > MAX_ANSWER_CHARS:
        problems.append(f"{where}: 答案 {len(entry.answer)} 字，超过 {MAX_ANSWER_CHARS} 字")
    if entry.kind == "entry":
        cats = set(categories or ())
        if cats and entry.category not in cats:
            problems.append(f"{where}: 分类 {entry.category!r} 不在分类表中")
        if not entry.questions:
            problems.append(f"{where}: 至少需要一种问法")
    if entry.action not in ACTIONS:
        problems.append(f"{where}: action {entry.action!r} 无效")
    return problems


def load_file(path: Path) -> list[Entry]:
    kind = {"_out_of_scope": "out_of_scope", "_smalltalk": "smalltalk"}.get(path.stem)
    with path.open(encoding="utf-8") as fh:
        data = yamlio.load(fh) or []
    if not isinstance(data, list):
        raise EntryError(f"{path.name}: 顶层必须是列表")
    return [entry_from_dict(item, kind=kind) for item in data]


def load_dir(directory: Path = ENTRIES_DIR) -> list[Entry]:
    entries: list[Entry] = []
    for path in sorted(directory.glob("*.yaml")):
        entries.extend(load_file(path))
    seen: set[str] = set()
    for e in entries:
        if e.id in seen:
            raise EntryError(f"重复的 id：{e.id}")
        seen.add(e.id)
    return entries


def dump_dir(entries: Iterable[Entry], directory: Path) -> list[Path]:
    """Write entries back as one file per category (the same layout ``load_dir`` reads)."""
    directory.mkdir(parents=True, exist_ok=True)
    groups: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        name = {"out_of_scope": "_out_of_scope", "smalltalk": "_smalltalk"}.get(e.kind, e.category)
        data = e.to_dict()
        data.pop("kind")
        data["updated"] = e.updated.isoformat() if e.updated else ""
        groups.setdefault(name or "uncategorised", []).append(
            {k: v for k, v in data.items() if v not in ("", [], None) or k in ("id", "answer")})
    written = []
    for name, items in sorted(groups.items()):
        path = directory / f"{name}.yaml"
        path.write_text(yaml.safe_dump(items, allow_unicode=True, sort_keys=False, width=100),
                        encoding="utf-8")
        written.append(path)
    return written
