"""Running the suite on several pytest-xdist workers (``pytest -n auto``, the README's command).

Each worker is a test session of its own: its own database (``database_url``), its own temporary
directories (``tmp_path_factory`` is per worker, so a server's ``./var`` and caches are too) and
ports from the kernel (``free_port``). What this module adds is *which tests go together*:

* the browser tests run on one worker: one server and one Chromium for all of them;
* a module whose tests share a module-scoped fixture (a real server, a PostgreSQL cluster, an
  index) runs on one worker, so the fixture is built once; this also keeps the tests of one
  server module (start-up, signals, killed workers) one after another;
* every other test is handed out on its own, to whichever worker is free.

pytest-xdist's own ``--dist loadgroup`` would do this from ``xdist_group`` marks, but it groups by
rewriting node ids, which pytest 9.2 no longer lets it do (the marks are silently ignored). So
the workers write down each test's group while collecting, and the controller's scheduler reads
it (``pytest_xdist_make_scheduler``, pytest-xdist's documented way to schedule by scope).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

MAX_WORKERS = 4  # each worker may run a real server (two processes) or Chromium beside itself
GROUPS_ENV = "BAOSHAN_TEST_GROUPS_FILE"  # set by the controller, inherited by its workers


def group_of(item: pytest.Item) -> str | None:
    """The unit ``item`` is scheduled in (None: on its own)."""
    module = item.nodeid.split("::", 1)[0].replace("\\", "/")
    if "/browser/" in module:
        return "browser"  # tests/support/browser.py: a session-scoped server, one Chromium
    info: Any = getattr(item, "_fixtureinfo", None)
    defs = info.name2fixturedefs if info is not None else {}
    for name in getattr(item, "fixturenames", ()):
        if any(d.scope == "module" for d in defs.get(name, ())):
            return module
    return None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: one worker per CPU this process may use, at most MAX_WORKERS
    (``PYTEST_XDIST_AUTO_NUM_WORKERS`` still decides where it is set). Much of the suite waits
    rather than computes (servers starting, late answers, deadlines), so one worker more can be
    quicker on a quiet machine; on the busy 2-core machine three workers were not reliably
    quicker than two (SQLite 372 s against 420 s, PostgreSQL 432 s against 426 s), and two leave
    the timed tests more room."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist's own hook reads it
    return max(1, min(len(os.sched_getaffinity(0)), MAX_WORKERS))


def pytest_configure(config: pytest.Config) -> None:
    # In the controller only (workers have ``workerinput``), before it starts the workers.
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return
    directory = tempfile.mkdtemp(prefix="baoshan-test-groups-")
    os.environ[GROUPS_ENV] = directory

    def cleanup() -> None:
        for path in Path(directory).glob("*"):
            path.unlink(missing_ok=True)
        Path(directory).rmdir()
        os.environ.pop(GROUPS_ENV, None)
    config.add_cleanup(cleanup)


@pytest.hookimpl(trylast=True)  # after tests/conftest.py has put the items in their order
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    directory, worker = os.environ.get(GROUPS_ENV), os.environ.get("PYTEST_XDIST_WORKER")
    if not directory or not worker:
        return
    groups = {item.nodeid: group for item in items if (group := group_of(item))}
    path = Path(directory) / f"{worker}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(groups), encoding="utf-8")
    os.replace(tmp, path)  # the controller reads it whole or not at all


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getoption("dist") != "loadgroup":
        return None  # another --dist: pytest-xdist's own scheduler
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        """LoadScopeScheduling whose scopes are the groups above (largest units first)."""

        _groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self._groups is None:
                # Called once every worker has reported its collection, so the files are there;
                # all workers collected the same tests (xdist checks), any one file will do.
                files = sorted(Path(os.environ.get(GROUPS_ENV, "/nonexistent")).glob("*.json"))
                self._groups = json.loads(files[0].read_text(encoding="utf-8")) if files else {}
            return self._groups.get(nodeid) or nodeid

    return GroupScheduling(config, log)
