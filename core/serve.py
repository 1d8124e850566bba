"""`baoshan serve` as a service: the whole process ends soon after SIGTERM/SIGINT, and a dead
worker is replaced (or, failing that, the process exits non-zero for its supervisor).

Sanic's WorkerManager does neither on its own. A signal that arrives before every worker has
acknowledged start-up is put back on the monitor pipe and read again, forever: the main process
spins at half a core and never exits. A worker killed later is only marked FAILED: nothing
replaces it, and once the last is gone the main process keeps the listening socket while nobody
accepts. This guard runs in the main process beside the manager (a thread, started from the
``main_process_ready`` listener) and uses the manager's own restart message to replace workers.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from functools import partial
from types import FrameType
from typing import TYPE_CHECKING, Any

from sanic import Sanic
from sanic.worker.process import WorkerProcess

from core.protocol import DeadlineProtocol
from core.settings import Settings

if TYPE_CHECKING:  # core.context is only a type here (see main_app for what importing costs)
    from core.context import App

log = logging.getLogger("baoshan.serve")

# The stop budget, inside the 10 s the service promises (and below TimeoutStopSec in the unit
# file): workers finish in-flight requests for GRACE_SECONDS, get WORKER_STOP_SECONDS in all
# (their after-stop listeners close the database) before SIGKILL, and the main process gets
# MAIN_STOP_SECONDS more to tidy up before it ends itself.
GRACE_SECONDS = 5.0
WORKER_STOP_SECONDS = 7.0
MAIN_STOP_SECONDS = 1.5
STARTING_STOP_SECONDS = 1.0
POLL_SECONDS = 0.25
# A worker that dies is replaced at once, but a worker that keeps dying is a broken deployment
# (bad configuration, database gone at start-up): restarting it forever would hide that from the
# supervisor. Past RESTART_LIMIT deaths within RESTART_WINDOW_SECONDS, or a replacement that is
# not serving within START_SECONDS, the process exits with EXIT_GAVE_UP.
RESTART_LIMIT = 5
RESTART_WINDOW_SECONDS = 60.0
START_SECONDS = 60.0
EXIT_GAVE_UP = 1
MAIN_APP_NAME = "baoshan"


def worker_app(settings: Settings) -> App:
    """The app each worker builds. The grace period is set here, next to the budget it is part of:
    Sanic's default of 15 s alone would break the promise to stop within 10 s."""
    from core.app import create_app

    app = create_app(settings)
    if app.name != MAIN_APP_NAME:  # Sanic hands the server settings over by this name
        raise RuntimeError(f"worker app {app.name!r} is not {MAIN_APP_NAME!r}")
    app.config.GRACEFUL_SHUTDOWN_TIMEOUT = GRACE_SECONDS
    return app


def main_app() -> Sanic[Any, Any]:
    """The main process's app: it only holds the socket settings and watches the workers, which
    build the real one from the loader. Building the whole service here as well (every face, the
    OpenAPI extension) cost ≈ 1 s before the first worker was even started. Same name as the
    workers' app (core.app.APP_NAME, not imported: that module brings sanic-ext and the app's
    context with it, and its create_app every face)."""
    app = Sanic(MAIN_APP_NAME, configure_logging=False)
    app.config.ACCESS_LOG = False
    app.config.AUTO_EXTEND = False  # sanic-ext is the workers' business (≈ 0.2 s to import)
    return app


def run(settings: Settings, host: str, port: int, workers: int, backlog: int,
        started: float | None = None) -> int:
    """``started``: ``time.monotonic()`` when the command began, for the ready line."""
    from sanic.worker.loader import AppLoader

    loader = AppLoader(factory=partial(worker_app, settings))
    app = main_app()
    # A deep accept queue: on rush days thousands connect within a second, and with Sanic's default
    # of 100 the overflow waits out TCP's SYN retransmission (1 s, 3 s, 7 s …) before being served.
    # DeadlineProtocol: a request's head and body must arrive within REQUEST_TIMEOUT of its first
    # byte (Sanic's own timer restarts on every byte, so a trickling client was never dropped).
    app.prepare(host=host, port=port, workers=workers, access_log=False, motd=False,
                backlog=backlog, protocol=DeadlineProtocol)
    guard = Guard(workers, f"http://{host}:{port}", started)
    app.main_process_ready(guard.attach)
    Sanic.serve(primary=app, app_loader=loader)
    return guard.exit_code


class Guard:
    """Watches the server workers of one WorkerManager from a thread of the main process."""

    def __init__(self, workers: int, address: str = "", started: float | None = None) -> None:
        self.workers = workers
        self.address = address
        self.started = time.monotonic() if started is None else started
        self.exit_code = 0
        self._manager: Any = None
        self._stop_at: float | None = None
        self._stop = threading.Event()
        self._sanic_handler: Callable[[int, FrameType | None], Any] | None = None
        self._deaths: deque[float] = deque()
        self._handled: set[int] = set()  # pids whose death was dealt with
        self._signals: deque[int] = deque()  # received, not yet handed to Sanic's handler
        self._signalled = threading.Event()
        self._starting: dict[str, float] = {}  # replacement workers not yet serving
        # Pids of workers that had acknowledged start-up at the last look. Kept here because the
        # manager marks every worker TERMINATED as soon as a stop signal arrives.
        self._serving: set[int] = set()

    def attach(self, app: Sanic[Any, Any]) -> None:
        self._manager = app.manager
        # The manager installed its handler when it was built; ours runs first and then calls it.
        self._sanic_handler = self._manager.shutdown_signal
        threading.Thread(target=self._forward, name="baoshan-signals", daemon=True).start()
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        threading.Thread(target=self._watch, name="baoshan-guard", daemon=True).start()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Nothing here may block or talk to the manager's state server: it runs between two
        # bytecodes of whatever the main thread was doing, possibly mid-call to that server.
        # Sanic's own handler does talk to it (marking each worker TERMINATED), so it runs on
        # the forwarding thread instead: called here, its request and reply interleaved with the
        # main thread's on the same connection, and every later read of the workers' state got
        # the answer to the one before (CI: "'str' object has no attribute 'get'" in serve()).
        if self._stop_at is None:
            self._stop_at = time.monotonic()
            self._stop.set()
        self._signals.append(signum)  # deque.append takes no lock
        self._signalled.set()

    def _forward(self) -> None:
        """Hands each signal to Sanic's handler, in order, from this thread: the state server's
        proxies keep one connection per thread, so this one cannot cross the main thread's."""
        while True:
            self._signalled.wait()
            self._signalled.clear()
            while self._signals:
                signum = self._signals.popleft()
                try:
                    if self._sanic_handler is not None:
                        self._sanic_handler(signum, None)
                except Exception:  # a second signal kills (ServerKilled); nothing to add
                    log.exception("stop signal handling failed", extra={"signal": signum})

    def give_up(self, reason: str) -> None:
        log.error("exiting for the supervisor to restart the service", extra={"reason": reason})
        self.exit_code = EXIT_GAVE_UP
        os.kill(os.getpid(), signal.SIGTERM)  # the ordinary stop, with its deadline

    # The thread

    def _watch(self) -> None:
        try:
            self._wait_until_serving()
            while not self._stop.wait(POLL_SECONDS):
                self._look()
                self._check_workers()
        except Exception:  # the guard must outlive a surprise; the deadline below still holds
            log.exception("worker guard failed")
            self._stop.wait()
        self._enforce_deadline()

    def _servers(self) -> list[Any]:
        return [p for w in list(self._manager.transient.values()) for p in list(w.processes)
                if w.name.startswith(WorkerProcess.SERVER_LABEL)]

    def _wait_until_serving(self) -> None:
        """Replacing a worker before every worker has acknowledged start-up would re-create the
        loop described above, so start-up stays Sanic's (a worker that fails to start ends the
        process with exit status 1)."""
        while not self._stop.wait(POLL_SECONDS):
            states = self._look()
            # FAILED/COMPLETED: acknowledged, then dead before this thread looked; the manager
            # only records that once it is past waiting, so a replacement is safe then too.
            if len(states) == self.workers and all(s in ("ACKED", "FAILED", "COMPLETED")
                                                   for s in states):
                took = time.monotonic() - self.started
                log.info("all workers serving", extra={"workers": self.workers,
                                                        "ready_s": round(took, 2)})
                # For the operator at the terminal, whatever the log format: where, and how soon.
                print(f"宝山民政服务已就绪 / ready: {self.address}，{self.workers} 个 worker，"
                      f"启动用时 {took:.1f} s / ready in {took:.1f} s", flush=True)
                return

    def _look(self) -> list[str | None]:
        """Reads the manager's state of the server workers and notes the pids serving."""
        states = [s for s in list(self._manager.worker_state.values()) if s.get("server")]
        self._serving = {s["pid"] for s in states if s.get("state") == "ACKED" and s.get("pid")}
        return [s.get("state") for s in states]

    def _check_workers(self) -> None:
        now = time.monotonic()
        for process in self._servers():
            pid = process.pid
            if pid is None or pid in self._handled:
                continue
            if process.is_alive():
                began = self._starting.get(process.name)
                if began is not None:
                    if pid in self._serving:
                        log.info("replacement worker serving", extra={"worker": process.name,
                                                                      "pid": pid})
                        del self._starting[process.name]
                    elif now - began > START_SECONDS:
                        self.give_up(f"replacement worker not serving after {START_SECONDS:.0f} s")
                        return
                continue
            self._handled.add(pid)
            self._deaths.append(now)
            while self._deaths and now - self._deaths[0] > RESTART_WINDOW_SECONDS:
                self._deaths.popleft()
            gave_up = len(self._deaths) > RESTART_LIMIT
            log.error("worker died" if gave_up else "worker died; starting a replacement",
                      extra={"worker": process.name, "pid": pid, "exitcode": process.exitcode})
            if gave_up:
                self.give_up(f"{len(self._deaths)} worker deaths within "
                             f"{RESTART_WINDOW_SECONDS:.0f} s")
                return
            self._starting[process.name] = now
            # The manager's own restart message: its monitor loop spawns a fresh process on the
            # same listening socket (what the auto-reloader and the inspector send).
            self._manager.monitor_publisher.send(process.name)

    def _enforce_deadline(self) -> None:
        assert self._stop_at is not None
        log.info("stopping", extra={"deadline_s": WORKER_STOP_SECONDS + MAIN_STOP_SECONDS})
        # A worker still starting serves nobody and may not even have its signal handlers yet
        # (a SIGINT then lands in the middle of building the index): it gets no grace period.
        starting = set(self._live_pids()) - self._serving - self._listening()
        worker_deadline = self._stop_at + WORKER_STOP_SECONDS
        while time.monotonic() < worker_deadline and self._live_pids():
            if starting and time.monotonic() > self._stop_at + STARTING_STOP_SECONDS:
                for pid in starting & set(self._live_pids()):
                    log.info("killing a worker that was still starting", extra={"pid": pid})
                    _kill(pid)
                starting = set()
            time.sleep(0.1)
        left = self._live_pids()
        for pid in left:
            log.error("worker did not stop in time; killing it", extra={"pid": pid})
            _kill(pid)
        # Sanic's main process normally returns from serve() within a second of its workers.
        time.sleep(MAIN_STOP_SECONDS)
        log.warning("main process did not finish stopping; ending it",
                    extra={"exit_code": self.exit_code})
        for child in _children():
            _kill(child)
        logging.shutdown()
        os._exit(self.exit_code)

    def _listening(self) -> set[int]:
        """Pids of workers that reached Sanic's "serving" flag (the stop leaves it set)."""
        try:
            return {s["pid"] for s in list(self._manager.worker_state.values())
                    if s.get("server") and s.get("serving") and s.get("pid")}
        except Exception:  # the state server may be gone (a signal to the whole group)
            return set(self._live_pids())

    def _live_pids(self) -> list[int]:
        """Worker pids still running. Reads /proc rather than waiting on the processes: reaping
        them here would race the manager's own bookkeeping in the main thread."""
        pids = [p.pid for p in self._servers() if p.pid]
        return [pid for pid in pids if _running(pid)]


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def _children() -> list[int]:
    """Every live child of this process (workers and the manager's state server)."""
    me = str(os.getpid())
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[1] == me and fields[0] not in ("Z", "X"):
                found.append(int(entry))
    return found


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
