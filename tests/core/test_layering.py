"""The package map holds (ARCHITECTURE.md): faces (bot, miniapp_api, content) depend on core and
knowledge, never on each other; core and knowledge depend on no face; no import cycle among the
project's modules. Read from the source (AST), so an import inside a function counts too."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FACES = ("bot", "miniapp_api", "content")
LOWER = ("core", "knowledge")
PACKAGES = (*LOWER, *FACES)

# Known exceptions, each with its reason: none today. Keep it that way.
PENDING: set[tuple[str, str]] = set()
PENDING_CYCLES: set[frozenset[str]] = set()


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found[module_name(path)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The project modules ``name`` imports, wherever in the file the import statement is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from core import db`` imports the module core.db; ``from core.x import f``, core.x.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # ``import a.b.c`` of a name inside a module
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def graph() -> dict[str, set[str]]:
    known = project_modules()
    return {name: set(imports_of(name, path, known)) for name, path in known.items()}


def top(name: str) -> str:
    return name.partition(".")[0]


def test_the_graph_sees_the_imports_it_should() -> None:
    edges = graph()
    assert "core.settings" in edges["core.app"]
    assert "core.booking.reads" in edges["core.booking.service"]
    assert "miniapp_api.common" in edges["miniapp_api.bookings"]


def test_core_and_knowledge_import_no_face() -> None:
    found = {(name, target) for name, targets in graph().items() if top(name) in LOWER
             for target in targets if top(target) in FACES}
    assert found - PENDING == set(), "core/knowledge must not import a face"


def test_no_face_imports_another() -> None:
    found = {(name, target) for name, targets in graph().items() if top(name) in FACES
             for target in targets if top(target) in FACES and top(target) != top(name)}
    assert found == set(), "faces depend on core and knowledge only"


def strongly_connected(edges: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return groups


def test_strongly_connected_finds_a_cycle() -> None:
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle() -> None:
    cycles = [group for group in strongly_connected(graph()) if frozenset(group) not in PENDING_CYCLES]
    assert cycles == [], "modules that import each other"
