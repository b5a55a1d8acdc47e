"""``LinkReceiverService``: one broker's link receiver as a service of the central server.

It takes the edges' outbox batches and their evidence ledgers (``kordon.link.ledger_ingest``),
hands what each commit stored to ``on_stored`` (the live feed) and each refusal to
``on_refused`` (the link's health)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from kordon.central.command_sender import CommandBroker
from kordon.central.config import BrokerConfig, CentralConfig
from kordon.link.clock_offset import ClockSettings
from kordon.link.command_wire import CommandTopics
from kordon.link.ingest import Ingestor
from kordon.link.ledger_ingest import LedgerIngestor
from kordon.link.mqtt_link import BrokerEndpoint, TlsFiles
from kordon.link.receiver import LinkReceiver
from kordon.link.receiver_settings import (
    ClockHook,
    ReceiverCounts,
    ReceiverSettings,
    RefusedHook,
    StoredHook,
    TracksHook,
)
from kordon.link.topics import LinkTopics
from kordon.store.store import Store


def read_secret(path: Path) -> str:
    """The first line of ``path`` (a password file), stripped; ``ValueError`` when empty."""
    text = path.read_text(encoding="utf-8").splitlines()
    secret = text[0].strip() if text else ""
    if not secret:
        raise ValueError(f"{path} holds no password (first line empty)")
    return secret


def broker_endpoint(config: CentralConfig, broker: BrokerConfig) -> BrokerEndpoint:
    """The centre's persistent session with ``broker`` (password read from its file)."""
    tls = None
    if broker.tls is not None:
        cert = broker.tls.cert_file
        key = broker.tls.key_file
        tls = TlsFiles(
            ca_file=config.resolve(broker.tls.ca_file),
            cert_file=None if cert is None else config.resolve(cert),
            key_file=None if key is None else config.resolve(key),
        )
    password = None
    if broker.password_file is not None:
        password = read_secret(config.resolve(broker.password_file))
    return BrokerEndpoint(
        host=broker.host,
        port=broker.port,
        client_id=broker.client_id,
        username=broker.username,
        password=password,
        tls=tls,
    )


def command_brokers(config: CentralConfig) -> list[CommandBroker]:
    """Each broker's session for the centre's commands: its own client id
    (``<client_id>-commands``, persistent too), the same user and TLS."""
    brokers = []
    for broker in config.brokers:
        base = broker_endpoint(config, broker)
        brokers.append(
            CommandBroker(
                endpoint=replace(base, client_id=f"{base.client_id}-commands"),
                topics=CommandTopics(root=broker.topic_root),
            )
        )
    return brokers


class LinkReceiverService:
    """Receives ``broker``'s batches into the store once the store service has started."""

    def __init__(
        self,
        config: CentralConfig,
        broker: BrokerConfig,
        *,
        store: Callable[[], Store],
        clock: Callable[[], datetime],
        on_stored: StoredHook | None = None,
        on_refused: RefusedHook | None = None,
        on_clock: ClockHook | None = None,
        on_tracks: TracksHook | None = None,
    ) -> None:
        self.name = f"link-{broker.id}"
        self.broker_id = broker.id
        self._endpoint = broker_endpoint(config, broker)
        self._topics = LinkTopics(root=broker.topic_root)
        self._settings = ReceiverSettings.of(
            config.allowed_edges,
            revoked=config.revoked_edges,
            max_batch_bytes=config.link.max_batch_bytes,
            max_clock_ahead_s=config.link.max_clock_ahead_s,
            clock=ClockSettings(
                threshold_s=config.link.clock_threshold_s,
                confirm_s=config.link.clock_confirm_s,
            ),
        )
        self._store = store
        self._clock = clock
        self._on_stored = on_stored
        self._on_refused = on_refused
        self._on_clock = on_clock
        self._on_tracks = on_tracks
        self._receiver: LinkReceiver | None = None

    @property
    def receiver(self) -> LinkReceiver | None:
        return self._receiver

    def counts(self) -> ReceiverCounts:
        if self._receiver is None:
            return ReceiverCounts(0, 0, 0, {})
        return self._receiver.counts()

    def connected(self) -> bool:
        return self._receiver is not None and self._receiver.link.connected.is_set()

    async def start(self) -> None:
        store = self._store()
        receiver = LinkReceiver(
            Ingestor(store),
            self._endpoint,
            self._settings,
            clock=self._clock,
            topics=self._topics,
            ledger=LedgerIngestor(store),
            on_stored=self._on_stored,
            on_refused=self._on_refused,
            on_clock=self._on_clock,
            on_tracks=self._on_tracks,
        )
        receiver.start()
        self._receiver = receiver

    async def stop(self) -> None:
        receiver, self._receiver = self._receiver, None
        if receiver is not None:
            await asyncio.to_thread(receiver.stop)
