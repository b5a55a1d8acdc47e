"""``RecorderService``: one camera's recorder on its own thread, with a node lifetime."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from kordon.record.live import LiveSnapshot
from kordon.record.recorder import Recorder

logger = logging.getLogger(__name__)


class RecorderService:
    """Runs :class:`Recorder` (crash recovery at start, then segments until stopped)."""

    def __init__(self, camera_id: str, make_recorder: Callable[[], Recorder]) -> None:
        self.camera_id = camera_id
        self._make_recorder = make_recorder
        self._recorder: Recorder | None = None
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return f"recorder:{self.camera_id}"

    def live_packets(self) -> LiveSnapshot | None:
        return self._recorder.live_packets() if self._recorder is not None else None

    async def start(self) -> None:
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
        except Exception:
            logger.exception("recorder %s stopped with an error", self.camera_id)

    async def stop(self) -> None:
        if self._recorder is not None:
            self._recorder.stop()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 3.0)
            self._thread = None
