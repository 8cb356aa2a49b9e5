"""Parse untrusted files in worker processes with a wall-clock limit and an address-space limit.

A parser that hangs is killed at `parse_timeout_s`; one that runs out of memory (RLIMIT_AS of
`parse_memory_mb`) or crashes takes down only its worker. Either way the file is refused with a
reason (FileRejected) and the next file gets a fresh worker. Workers are fresh interpreters (nothing
inherited from the embedding model's threads), reused across files because starting one and
importing the office parsers costs seconds.

`parse_isolated` is the one-file entry point and shares a lazily started pool per process;
`ParserPool` gives the same with an explicit lifetime and `parse_many`, which keeps several
workers busy at once.
"""

from __future__ import annotations

import atexit
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from kb.errors import FileRejected
from kb.models import ParsedBlock
from kb.settings import IngestSettings

MEGABYTE = 1024 * 1024
STOP_GRACE_S = 2.0

Outcome = tuple[str, Any]  # ("ok", value) | ("rejected", reason) | ("out_of_memory", "") | ("failed", description)


def parse_isolated(path: Path, settings: IngestSettings) -> list[ParsedBlock]:
    """Parse one file in the shared worker pool for these settings; FileRejected says why a file was refused."""
    return _shared_pool(settings).parse(path)


def check_size(path: Path, settings: IngestSettings) -> None:
    size = path.stat().st_size
    if size > settings.max_file_mb * MEGABYTE:
        raise FileRejected(f"file is {size / MEGABYTE:.1f} MB; the limit is {settings.max_file_mb:g} MB")


class ParserPool:
    """Reusable parser workers. Use as a context manager; `close()` stops the workers."""

    def __init__(self, settings: IngestSettings, workers: int = 1) -> None:
        self._settings = settings
        self._workers = [_Worker(settings.parse_memory_mb) for _ in range(max(1, workers))]
        self._lock = threading.Lock()

    def __enter__(self) -> "ParserPool":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def parse(self, path: Path) -> list[ParsedBlock]:
        check_size(path, self._settings)
        return self.run(_parse_in_worker, str(path), self._settings.max_pdf_pages)

    def parse_many(self, paths: Iterable[Path]) -> Iterator[tuple[Path, list[ParsedBlock] | FileRejected]]:
        """Parse on all workers at once; yields (path, blocks or the FileRejected) in input order.
        Consume it fully before calling anything else on this pool."""
        tasks = list(paths)
        outcomes: dict[int, list[ParsedBlock] | FileRejected] = {}
        waiting = list(range(len(tasks)))
        running: dict[_Worker, tuple[int, float]] = {}
        next_to_yield = 0
        try:
            while next_to_yield < len(tasks):
                with self._lock:
                    while waiting and len(running) < len(self._workers):
                        index = waiting.pop(0)
                        try:
                            check_size(tasks[index], self._settings)
                        except FileRejected as exc:
                            outcomes[index] = exc
                            continue
                        worker = next(w for w in self._workers if w not in running)
                        worker.send(_parse_in_worker, (str(tasks[index]), self._settings.max_pdf_pages))
                        running[worker] = (index, time.monotonic() + self._settings.parse_timeout_s)
                    if running and next_to_yield not in outcomes:
                        self._collect(running, outcomes)
                while next_to_yield in outcomes:
                    yield tasks[next_to_yield], outcomes.pop(next_to_yield)
                    next_to_yield += 1
        finally:
            for worker in running:  # abandoned part-way: their answers would reach the next caller
                worker.stop(kill=True)

    def run(self, target: Callable[..., Any], *args: Any) -> Any:
        """Run `target(*args)` in a worker under the pool's limits. `target` must be importable by name
        (a module-level function): the worker is a fresh interpreter."""
        with self._lock:
            worker = self._workers[0]
            worker.send(target, args)
            deadline = time.monotonic() + self._settings.parse_timeout_s
            ready = wait([worker.connection], timeout=max(0.0, deadline - time.monotonic()))
            if not ready:
                worker.stop(kill=True)
                raise self._timeout()
            return self._value(worker.receive())

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()

    def _collect(self, running: dict["_Worker", tuple[int, float]], outcomes: dict[int, Any]) -> None:
        deadline = min(limit for _, limit in running.values())
        ready = wait([worker.connection for worker in running], timeout=max(0.0, deadline - time.monotonic()))
        for worker in list(running):
            index, limit = running[worker]
            if worker.connection in ready:
                outcomes[index] = self._outcome(worker.receive())
            elif time.monotonic() >= limit:
                worker.stop(kill=True)
                outcomes[index] = self._timeout()
            else:
                continue
            del running[worker]

    def _outcome(self, outcome: Outcome) -> Any:
        try:
            return self._value(outcome)
        except FileRejected as exc:
            return exc

    def _value(self, outcome: Outcome) -> Any:
        status, value = outcome
        if status == "ok":
            return value
        if status == "rejected":
            raise FileRejected(value)
        if status == "out_of_memory":
            raise FileRejected(f"parser ran out of memory (limit {self._settings.parse_memory_mb} MB)")
        raise FileRejected(f"parser failed: {value}")

    def _timeout(self) -> FileRejected:
        return FileRejected(f"parser exceeded {self._settings.parse_timeout_s:g} s")


class _Worker:
    """One parser process, started on first use and restarted after it is killed or dies.

    A plain `python -c` child rather than multiprocessing's spawn: spawn re-runs the parent's main
    script in the child, which breaks any caller without an `if __name__ == "__main__"` guard."""

    def __init__(self, memory_mb: int) -> None:
        self._memory_mb = memory_mb
        self._process: subprocess.Popen[bytes] | None = None
        self.connection: Any = None

    def send(self, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if self._process is None or self._process.poll() is not None:
            self._start()
        try:
            self.connection.send((target, args))
        except (BrokenPipeError, OSError):  # died while idle; one fresh start
            self._start()
            self.connection.send((target, args))

    def receive(self) -> Outcome:
        try:
            outcome: Outcome = self.connection.recv()
        except (EOFError, OSError):
            code = self._process.wait(STOP_GRACE_S) if self._process else None
            self.stop(kill=True)
            how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            return ("failed", f"parser process died ({how}); it may have hit the {self._memory_mb} MB memory limit")
        if outcome[0] == "out_of_memory":
            self.stop(kill=True)  # a process that hit its address-space limit is not trusted further
        return outcome

    def stop(self, kill: bool = False) -> None:
        process, connection = self._process, self.connection
        self._process = self.connection = None
        if process is None:
            return
        if not kill and process.poll() is None:
            try:
                connection.send(None)
                process.wait(STOP_GRACE_S)
            except (BrokenPipeError, OSError, subprocess.TimeoutExpired):
                pass
        if process.poll() is None:
            process.kill()
            process.wait(STOP_GRACE_S)
        connection.close()
        for stream in (process.stdin, process.stdout):
            if stream:
                stream.close()

    def _start(self) -> None:
        self.stop(kill=True)
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(entry for entry in sys.path if entry)}
        self._process = subprocess.Popen(
            [sys.executable, "-c", WORKER_COMMAND, str(self._memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=environment,
            close_fds=True,
        )
        assert self._process.stdin and self._process.stdout  # noqa: S101  (Popen made both pipes above)
        self.connection = _PipeConnection(self._process.stdout.fileno(), self._process.stdin.fileno())


class _PipeConnection:
    """A Connection-like pair over the child's stdin/stdout, usable with multiprocessing's `wait`."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self._reader = Connection(os.dup(read_fd), writable=False)
        self._writer = Connection(os.dup(write_fd), readable=False)

    def send(self, value: Any) -> None:
        self._writer.send(value)

    def recv(self) -> Any:
        return self._reader.recv()

    def fileno(self) -> int:
        return self._reader.fileno()

    def close(self) -> None:
        self._reader.close()
        self._writer.close()


WORKER_COMMAND = "import sys; from ingest.sandbox import serve; serve(int(sys.argv[1]))"


def serve(memory_mb: int) -> None:
    """The worker loop (runs in the child): (target, args) in, an Outcome out, until told to stop."""
    _limit_address_space(memory_mb)
    requests = Connection(os.dup(0), writable=False)
    replies = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # anything a library prints goes to stderr, never into the reply pipe
    while True:
        try:
            task = requests.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        target, args = task
        outcome = _run_task(target, args)
        try:
            replies.send(outcome)
        except MemoryError:
            replies.send(("out_of_memory", ""))
        if outcome[0] == "out_of_memory":
            return


def _run_task(target: Callable[..., Any], args: tuple[Any, ...]) -> Outcome:
    try:
        return ("ok", target(*args))
    except FileRejected as exc:
        return ("rejected", str(exc))
    except MemoryError:
        return ("out_of_memory", "")
    except RecursionError:
        return ("rejected", "structure nested too deeply to parse")
    except Exception as exc:  # any parser bug or library error refuses this one file, with the reason
        return ("failed", f"{type(exc).__name__}: {exc}"[:500])


def _parse_in_worker(path: str, max_pdf_pages: int) -> list[ParsedBlock]:
    from ingest.parsers import parse_document

    return parse_document(Path(path), max_pdf_pages=max_pdf_pages)


def _limit_address_space(memory_mb: int) -> None:
    limit = memory_mb * MEGABYTE
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


_pools: dict[str, ParserPool] = {}
_pools_lock = threading.Lock()


def _shared_pool(settings: IngestSettings) -> ParserPool:
    key = settings.model_dump_json()
    with _pools_lock:
        if key not in _pools:
            _pools[key] = ParserPool(settings, workers=1)
        return _pools[key]


@atexit.register
def _close_shared_pools() -> None:
    for pool in _pools.values():
        pool.close()
    _pools.clear()

