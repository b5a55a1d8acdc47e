"""``Prefetcher``: pull items from an iterator on a background thread, a few items ahead.

Decoding and colour conversion (PyAV) release the GIL, so on a 2-core machine the next
frames are decoded while the detector works on the current one.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, TypeVar

from kordon.analyze.options import AnalyzeError

logger = logging.getLogger(__name__)

T = TypeVar("T")

_POLL_S = 0.05


@dataclass(frozen=True, slots=True)
class Fetched(Generic[T]):
    """One item and the milliseconds the background thread spent producing it."""

    item: T
    fetch_ms: float


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


class _End:
    pass


_END = _End()


class Prefetcher(Generic[T]):
    """Iterates ``items`` on a daemon thread, at most ``depth`` items ahead of the reader.

    Cheap to construct; ``start()`` starts the thread; iterate to get ``Fetched`` items in
    order; an exception raised by ``items`` is re-raised to the reader at its place in the
    sequence. ``close()`` (or leaving the ``with`` block) stops and joins the thread: call
    it before closing whatever ``items`` reads from. The reader must be a single thread.
    """

    def __init__(
        self,
        items: Iterator[T],
        *,
        depth: int = 3,
        name: str = "prefetch",
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        """``timer`` (seconds, monotonic) measures each item's fetch time."""
        if depth < 1:
            raise AnalyzeError(f"prefetch depth must be >= 1, got {depth}")
        self._items = items
        self._depth = depth
        self._name = name
        self._timer = timer
        self._queue: queue.Queue[Fetched[T] | _Failed | _End] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._finished = False

    def start(self) -> None:
        if self._thread is not None:
            raise AnalyzeError(f"{self._name}: start() called twice")
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def __iter__(self) -> Iterator[Fetched[T]]:
        if self._thread is None:
            raise AnalyzeError(f"{self._name}: iterated before start()")
        while not self._finished:
            got = self._queue.get()
            if isinstance(got, _End):
                self._finished = True
                return
            if isinstance(got, _Failed):
                self._finished = True
                raise got.error
            yield got

    def close(self) -> None:
        """Stop the thread (it may be blocked on a full queue) and wait for it."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is None:
            return
        while thread.is_alive():
            self._drain()
            thread.join(_POLL_S)
        self._drain()

    def _drain(self) -> None:
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass

    def _put(self, value: Fetched[T] | _Failed | _End) -> bool:
        """Blocks while the queue is full; ``False`` once ``close()`` was called."""
        while not self._stop.is_set():
            try:
                self._queue.put(value, timeout=_POLL_S)
            except queue.Full:
                continue
            return True
        return False

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                t0 = self._timer()
                try:
                    item = next(self._items)
                except StopIteration:
                    self._put(_END)
                    return
                except Exception as exc:  # handed to the reader, raised there
                    self._put(_Failed(exc))
                    return
                if not self._put(Fetched(item, (self._timer() - t0) * 1e3)):
                    return
        finally:
            close = getattr(self._items, "close", None)
            if callable(close):
                try:
                    close()
                except Exception:  # a generator's cleanup failing must not kill the reader
                    logger.exception("%s: closing the source iterator failed", self._name)

    def __enter__(self) -> Prefetcher[T]:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
