"""Concurrent writers for tests: N threads, each doing its share of writes, all counted.

Every write's outcome and latency is recorded, so a test asserts "no failures" and
``make reliability`` prints the figures. ``KORDON_CONCURRENCY_ITERATIONS`` sets the writes
per thread (the default keeps ``make test`` quick).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

ITERATIONS_ENV = "KORDON_CONCURRENCY_ITERATIONS"
DEFAULT_WRITES_PER_THREAD = 12


def writes_per_thread() -> int:
    """``$KORDON_CONCURRENCY_ITERATIONS`` or the default; a clear error on a bad value."""
    raw = os.environ.get(ITERATIONS_ENV, str(DEFAULT_WRITES_PER_THREAD))
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{ITERATIONS_ENV} must be a positive integer, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{ITERATIONS_ENV} must be a positive integer, got {raw!r}")
    return value


@dataclass(frozen=True, slots=True)
class WriteLoad:
    """What happened when ``threads`` threads each did their writes at once."""

    label: str
    threads: int
    attempted: int
    failures: tuple[str, ...]
    latencies_s: tuple[float, ...]

    def figures(self) -> str:
        """One line for a human: failure rate and latency of the successful writes."""
        rate = 100.0 * len(self.failures) / self.attempted if self.attempted else 0.0
        line = (
            f"{self.label}: {self.threads} threads, {self.attempted} writes, "
            f"{len(self.failures)} failed ({rate:.1f} %)"
        )
        if len(self.latencies_s) >= 2:
            cuts = statistics.quantiles(self.latencies_s, n=100, method="inclusive")
            line += (
                f"; latency ms p50 {1e3 * cuts[49]:.1f}, p95 {1e3 * cuts[94]:.1f}, "
                f"max {1e3 * max(self.latencies_s):.1f}"
            )
        if self.failures:
            line += f"; first failure: {self.failures[0]}"
        return line


def run_writers(
    label: str, threads: int, writes: int, write: Callable[[int, int], None]
) -> WriteLoad:
    """Call ``write(thread, i)`` for ``i`` in ``range(writes)`` on each of ``threads`` threads.

    The threads start together (a barrier). Any exception from ``write`` is a failure,
    recorded with its type and message; the thread goes on with its next write.
    """
    if threads < 1 or writes < 1:
        raise ValueError(f"threads and writes must be >= 1, got {threads} and {writes}")
    start = threading.Barrier(threads)
    lock = threading.Lock()
    failures: list[str] = []
    latencies: list[float] = []

    def worker(thread: int) -> None:
        start.wait()
        for i in range(writes):
            began = time.perf_counter()
            try:
                write(thread, i)
            except Exception as exc:  # every kind of failure counts: that is the point
                with lock:
                    failures.append(f"{type(exc).__name__}: {exc}")
            else:
                elapsed = time.perf_counter() - began
                with lock:
                    latencies.append(elapsed)

    workers = [
        threading.Thread(target=worker, args=(t,), name=f"writer-{t}") for t in range(threads)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return WriteLoad(
        label=label,
        threads=threads,
        attempted=threads * writes,
        failures=tuple(failures),
        latencies_s=tuple(latencies),
    )
