"""The edge's end of the link to a central server, as a node service (``role: edge``).

:class:`~kordon.config.edge.EdgeLinkConfig` is the ``edge:`` section of a site file (the
central broker, this outpost's id and MQTT credentials, batch limits); :class:`EdgeLinkService`
is the node service that, once the node's store is open, switches it to
``synchronous=FULL`` (a committed outbox entry survives a power cut) and drains its
``link_outbox`` to the centre with an :class:`~kordon.link.sender.OutboxSender`.
What the node writes into the outbox, in the same transaction as the change, is
:class:`kordon.incidents.store_outbox.EdgeOutbox`, a commit hook of the node's store
(docs/edge-central.md).

Given the node's evidence ledger, the same sender also ships it (audit entries whole, the
other entries as their leaf hashes, with the signed tree heads) from the cursor the centre
last acknowledged, after the outbox's entries (``kordon.link.ledger_shipper``).

Given the node's clips and exports (an ``EvidenceSource``), the same client answers the
centre's pulls of them, in chunks after the alarms (``kordon.link.evidence_server``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from kordon.bus.channels import TRACKS
from kordon.bus.protocol import Bus, Subscription, route
from kordon.central.link_service import read_secret
from kordon.config.edge import EdgeLinkConfig
from kordon.domain.live_track import LiveTrack
from kordon.evidence.ledger import Ledger
from kordon.link.backlog import BacklogHealth, BacklogLimits, outbox_backlog
from kordon.link.durability import require_full_sync
from kordon.link.evidence_server import EvidenceServer, EvidenceSource, ServerSettings
from kordon.link.ledger_cursor import LedgerCursor
from kordon.link.ledger_shipper import LedgerShipper
from kordon.link.mqtt_link import BrokerEndpoint, TlsFiles
from kordon.link.outbox import Outbox
from kordon.link.sender import OutboxSender
from kordon.link.sender_settings import SenderCounts, SenderSettings
from kordon.link.topics import LinkTopics
from kordon.link.track_thinning import ThinningSettings, TrackThinning
from kordon.store.store import Store

__all__ = ["EdgeLinkConfig", "EdgeLinkService", "edge_endpoint"]

logger = logging.getLogger(__name__)


def edge_endpoint(config: EdgeLinkConfig, resolve: Callable[[Path], Path]) -> BrokerEndpoint:
    """The edge's persistent session (client id = edge id, user = edge id)."""
    tls = None
    if config.tls is not None:
        cert, key = config.tls.cert_file, config.tls.key_file
        tls = TlsFiles(
            ca_file=resolve(config.tls.ca_file),
            cert_file=None if cert is None else resolve(cert),
            key_file=None if key is None else resolve(key),
        )
    password = None if config.password_file is None else read_secret(resolve(config.password_file))
    return BrokerEndpoint(
        host=config.host,
        port=config.port,
        client_id=f"kordon-edge-{config.id}",
        username=config.id if password is not None else None,
        password=password,
        tls=tls,
    )


class EdgeLinkService:
    """Drains the node's outbox to the centre while the node runs."""

    name = "edge-link"

    def __init__(
        self,
        config: EdgeLinkConfig,
        *,
        store: Callable[[], Store],
        resolve: Callable[[Path], Path],
        clock: Callable[[], float] = time.monotonic,
        ledger: Callable[[], Ledger] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        bus: Bus | None = None,
        evidence: Callable[[], EvidenceSource] | None = None,
    ) -> None:
        self._config = config
        self._bus = bus
        self._evidence = evidence
        self._subscription: Subscription | None = None
        self._task: asyncio.Task[None] | None = None
        self._store = store
        self._ledger = ledger
        self._now = now
        self._resolve = resolve
        self._clock = clock
        self._sender: OutboxSender | None = None

    def counts(self) -> SenderCounts | None:
        return None if self._sender is None else self._sender.counts()

    async def start(self) -> None:
        store = self._store()
        require_full_sync(store.engine)
        config = self._config
        thinning = None
        if self._bus is not None and config.track_interval_s is not None:
            thinning = TrackThinning(
                self._clock, ThinningSettings(interval_s=config.track_interval_s)
            )
            self._follow_tracks(self._bus, thinning)
        shipper = None
        if self._ledger is not None:
            shipper = LedgerShipper(
                self._ledger(),
                LedgerCursor(store, config.id),
                edge_id=config.id,
                now=self._now,
                batch_entries=config.batch_entries,
                batch_bytes=config.batch_bytes,
            )
        topics = LinkTopics(root=config.topic_root)
        server = None
        if self._evidence is not None:
            server = EvidenceServer(
                self._evidence(), ServerSettings(config.id), clock=self._clock, topics=topics
            )
        sender = OutboxSender(
            Outbox(store.sessions),
            edge_endpoint(config, self._resolve),
            SenderSettings(
                config.id,
                batch_entries=config.batch_entries,
                batch_bytes=config.batch_bytes,
                max_in_flight=config.max_in_flight,
                ack_timeout_s=config.ack_timeout_s,
                budget_bytes_s=config.budget_bytes_s,
                budget_burst_bytes=config.budget_burst_bytes,
            ),
            clock=self._clock,
            topics=topics,
            ledger=shipper,
            evidence=server,
            now=self._now,
            backlog=BacklogHealth(
                config.id,
                lambda: outbox_backlog(store.sessions),
                store.devices.record,
                now=self._now,
                limits=BacklogLimits(
                    max_entries=config.backlog_max_entries, max_age_s=config.backlog_max_age_s
                ),
            ),
            tracks=thinning,
        )
        sender.start()
        self._sender = sender

    def _follow_tracks(self, bus: Bus, thinning: TrackThinning) -> None:
        """Offer the site's fused tracks (not the cameras' own) to the thinning."""

        async def on_track(track: LiveTrack) -> None:
            if track.camera_id is None:
                thinning.offer(track)

        subscription = bus.subscribe(route(TRACKS, on_track))

        async def deliver() -> None:
            while True:
                try:
                    await subscription.deliver_next()
                except (ValueError, TypeError) as exc:  # one bad message must not end it
                    logger.warning("edge link: track update skipped: %s", exc)

        self._subscription = subscription
        self._task = asyncio.create_task(deliver(), name="edge-link-tracks")

    async def stop(self) -> None:
        if self._subscription is not None and self._bus is not None:
            self._bus.unsubscribe(self._subscription)
            self._subscription = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        sender, self._sender = self._sender, None
        if sender is not None:
            sender.stop()
