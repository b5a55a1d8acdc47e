"""A simulator service's loop on a daemon thread of its own, from ``start`` to ``stop``.

Shared by the simulated vehicle's UDP services
(:class:`~kordon.sim.mission_receiver.MissionServer`,
:class:`~kordon.sim.drone_service.SimulatedDroneService`): the loop watches
:attr:`ServiceThread.stopping` and returns once it is set.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

JOIN_TIMEOUT_S = 5.0
"""How long ``stop`` waits for the loop to return."""


class ServiceThread:
    """Runs ``loop`` on a daemon thread named ``name``: :meth:`start` clears
    :attr:`stopping` and starts it, :meth:`stop` (or :meth:`stop_async` from an event
    loop) sets :attr:`stopping` and waits up to :data:`JOIN_TIMEOUT_S` for it to end."""

    def __init__(self, loop: Callable[[], None], *, name: str) -> None:
        self._loop = loop
        self.name = name
        self.stopping = threading.Event()
        """Set when the loop is to return."""
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.stopping.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread = self._halt()
        if thread is not None:
            thread.join(JOIN_TIMEOUT_S)

    async def stop_async(self) -> None:
        """:meth:`stop` without blocking the event loop while the thread ends."""
        thread = self._halt()
        if thread is not None:
            await asyncio.to_thread(thread.join, JOIN_TIMEOUT_S)

    def _halt(self) -> threading.Thread | None:
        """Ask the loop to return; the thread to wait for (``None`` when not started)."""
        self.stopping.set()
        thread, self._thread = self._thread, None
        return thread
