"""``RecorderService``: one camera's recorder on its own thread, with a node lifetime."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from kordon.api.health import ConditionState, ServiceCondition
from kordon.domain.status import DeviceState
from kordon.record.live import LiveSnapshot
from kordon.record.recorder import Recorder

logger = logging.getLogger(__name__)

_CONDITION: dict[DeviceState, ConditionState] = {
    DeviceState.STARTING: "starting",
    DeviceState.ONLINE: "running",
    DeviceState.DEGRADED: "degraded",
    DeviceState.OFFLINE: "degraded",
    DeviceState.STOPPED: "stopped",
}


class RecorderService:
    """Runs :class:`Recorder` (crash recovery at start, then segments until stopped).

    The recorder survives storage and source failures itself (it pauses and retries); an
    error that still ends its thread leaves the service ``failed`` in :meth:`condition`.
    """

    def __init__(self, camera_id: str, make_recorder: Callable[[], Recorder]) -> None:
        self.camera_id = camera_id
        self._make_recorder = make_recorder
        self._recorder: Recorder | None = None
        self._thread: threading.Thread | None = None
        self._failure: str | None = None
        self._stopping = False

    @property
    def name(self) -> str:
        return f"recorder:{self.camera_id}"

    def live_packets(self) -> LiveSnapshot | None:
        return self._recorder.live_packets() if self._recorder is not None else None

    def condition(self) -> ServiceCondition:
        """The recorder's real state: recording, paused (degraded), failed or stopped."""
        recorder, thread = self._recorder, self._thread
        if recorder is None or thread is None:
            return ServiceCondition("stopped" if self._stopping else "starting")
        if self._failure is not None:
            return ServiceCondition("failed", self._failure)
        if not thread.is_alive() and not self._stopping:
            return ServiceCondition("failed", "the recorder thread ended")
        status = recorder.condition
        return ServiceCondition(_CONDITION[status.state], status.detail)

    async def start(self) -> None:
        self._stopping = False
        self._failure = None
        recorder = self._make_recorder()
        report = await asyncio.to_thread(recorder.start)
        logger.info("recorder %s: recovery %s", self.camera_id, report)
        self._recorder = recorder
        self._thread = threading.Thread(
            target=self._run, name=f"recorder-{self.camera_id}", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        assert self._recorder is not None
        try:
            self._recorder.run()
        except Exception as exc:
            self._failure = f"recorder stopped with an error: {type(exc).__name__}: {exc}"
            logger.exception("recorder %s stopped with an error", self.camera_id)

    def wait_stopped(self, timeout_s: float) -> bool:
        """Block until the recorder thread has ended (at most ``timeout_s``); ``True`` if so."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout_s)
        return not thread.is_alive()

    async def stop(self) -> None:
        self._stopping = True
        if self._recorder is not None:
            self._recorder.stop()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 3.0)
            self._thread = None
