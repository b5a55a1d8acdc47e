"""``EvidencePullService``: the centre's evidence puller on a broker, as a central service.

Its own MQTT session (client id ``<centre's client id>-evidence``, the centre's user)
subscribes ``<root>/+/evidence``; at every connection, and at start, transfers under way
are asked again from their recorded offset (:meth:`EvidencePuller.resume`); a thread asks
again for those without progress for ``retry_s`` (:meth:`EvidencePuller.pump`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from kordon.api.providers import AuditSink
from kordon.central.evidence_pull import EvidencePuller, PullSettings
from kordon.central.evidence_transfers import TransferRepository
from kordon.link.mqtt_link import BrokerEndpoint, MqttLink
from kordon.link.topics import LinkTopics
from kordon.store.store import Store

logger = logging.getLogger(__name__)


class EvidencePullService:
    name = "evidence-pull"

    def __init__(
        self,
        endpoint: BrokerEndpoint,
        *,
        store: Callable[[], Store],
        data_dir: Path,
        allowed_edge: Callable[[str], bool],
        topics: LinkTopics | None = None,
        audit: AuditSink | None = None,
        settings: PullSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        poll_s: float = 1.0,
    ) -> None:
        self._endpoint = replace(endpoint, client_id=f"{endpoint.client_id}-evidence")
        self._store = store
        self._data_dir = data_dir
        self._allowed = allowed_edge
        self._topics = topics or LinkTopics()
        self._audit = audit
        self._settings = settings
        self._clock = clock
        self._now = now
        self._poll_s = poll_s
        self._puller: EvidencePuller | None = None
        self._link: MqttLink | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def puller(self) -> EvidencePuller:
        if self._puller is None:
            raise RuntimeError("the evidence pull service has not started")
        return self._puller

    @property
    def link(self) -> MqttLink | None:
        return self._link

    def _publish(self, topic: str, payload: bytes) -> bool:
        link = self._link
        return link is not None and link.publish(topic, payload)

    async def start(self) -> None:
        puller = EvidencePuller(
            TransferRepository(self._store().sessions),
            self._data_dir,
            publish=self._publish,
            allowed_edge=self._allowed,
            clock=self._clock,
            now=self._now,
            topics=self._topics,
            audit=self._audit,
            settings=self._settings,
        )
        self._puller = puller
        self._link = MqttLink(
            self._endpoint,
            [self._topics.all_evidence],
            on_message=puller.handle,
            on_connected=self._connected,
        )
        self._link.start()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="evidence-pull", daemon=True)
        self._thread.start()

    def _connected(self) -> None:
        # On paho's thread: resume() only publishes (queued by paho), it does not wait.
        puller = self._puller
        if puller is not None:
            puller.resume()

    def _run(self) -> None:
        while not self._stopping.wait(self._poll_s):
            link, puller = self._link, self._puller
            if link is None or puller is None or not link.connected.is_set():
                continue
            try:
                puller.pump()
            except Exception:  # the thread must outlive a bad moment (database down)
                logger.exception("evidence puller: asking again failed")

    def _stop_thread(self) -> None:
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=10)

    async def stop(self) -> None:
        self._stop_thread()
        link, self._link = self._link, None
        if link is not None:
            await asyncio.to_thread(link.stop)

    def abandon(self) -> None:
        """Stop as a crash would (tests): no DISCONNECT; the database and files stay."""
        self._stop_thread()
        link, self._link = self._link, None
        if link is not None:
            link.abandon()
