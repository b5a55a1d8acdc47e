"""An edge node's link side as a process of its own, for the namespace fault tests.

``python -m tests.link.edge_process --db PATH --broker HOST:PORT --client-id ID --edge-id
EDGE --topic-root ROOT --events N --rate R --start ISO --step-s S`` opens the edge's SQLite
store (``synchronous=FULL``) and its outbox, starts the real
:class:`~kordon.link.sender.OutboxSender` to the broker, and writes the run's events
``ev-000000`` … ``ev-<N-1>`` with :func:`~kordon.link.edge_events.store_event` (event and
outbox entry in one transaction), ``R`` per second of real time (0: as fast as it can),
the ``n``-th created ``n × S`` simulated seconds after ``--start``. It skips the events its
database already holds, so a restart with the same arguments after a kill -9 carries on
from disk. It runs until SIGTERM (a clean stop) or SIGKILL.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType

from sqlalchemy import select

from kordon.domain.time import require_utc
from kordon.link.edge_events import store_event
from kordon.link.mqtt_link import BrokerEndpoint
from kordon.link.sender import OutboxSender
from kordon.link.sender_settings import SenderSettings
from kordon.link.topics import LinkTopics
from kordon.store.models import EventRow
from tests.link.support import edge_outbox, edge_store, event

READY_LINE = "edge: written"
"""Printed (with the count) when every event of the run is in the database."""


@dataclasses.dataclass(frozen=True, slots=True)
class EdgeArgs:
    db: Path
    host: str
    port: int
    client_id: str
    edge_id: str
    topic_root: str
    events: int
    rate: float
    start: datetime
    step_s: float
    keepalive_s: int


def parse_args(argv: Sequence[str] | None = None) -> EdgeArgs:
    parser = argparse.ArgumentParser(prog="python -m tests.link.edge_process")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--broker", required=True, help="HOST:PORT")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--edge-id", required=True)
    parser.add_argument("--topic-root", required=True)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--rate", type=float, default=0.0, help="events per real second")
    parser.add_argument("--start", required=True, help="ISO time of the first event, UTC")
    parser.add_argument("--step-s", type=float, default=0.1, help="simulated s per event")
    parser.add_argument("--keepalive-s", type=int, default=5, help="MQTT keepalive")
    ns = parser.parse_args(argv)
    host, sep, port = str(ns.broker).rpartition(":")
    if not sep or not host or not port.isdigit():
        parser.error(f"--broker must be HOST:PORT, got {ns.broker!r}")
    if ns.events < 0 or ns.rate < 0 or ns.step_s < 0:
        parser.error("--events, --rate and --step-s must be >= 0")
    if ns.keepalive_s < 1:
        parser.error("--keepalive-s must be >= 1")
    try:
        start = require_utc(datetime.fromisoformat(ns.start), name="--start")
    except ValueError as exc:
        parser.error(f"--start: {exc}")
    return EdgeArgs(
        db=ns.db,
        host=host,
        port=int(port),
        client_id=ns.client_id,
        edge_id=ns.edge_id,
        topic_root=ns.topic_root,
        events=ns.events,
        rate=ns.rate,
        start=start,
        step_s=ns.step_s,
        keepalive_s=ns.keepalive_s,
    )


def run(args: EdgeArgs, stop: threading.Event) -> None:
    """Produce the missing events and send the outbox until ``stop`` is set."""
    store = edge_store(args.db)
    outbox = edge_outbox(store)
    sender = OutboxSender(
        outbox,
        BrokerEndpoint(
            host=args.host,
            port=args.port,
            client_id=args.client_id,
            keepalive_s=args.keepalive_s,
            min_delay_s=1,
            max_delay_s=2,
            session_expiry_s=600,
        ),
        SenderSettings(
            args.edge_id, batch_entries=200, max_in_flight=4, ack_timeout_s=5.0, poll_s=0.05
        ),
        clock=time.monotonic,
        topics=LinkTopics(root=args.topic_root),
    )
    try:
        sender.start()
        with store.sessions() as session:
            have = set(session.scalars(select(EventRow.id)))
        began = time.monotonic()
        made = 0
        for n in range(args.events):
            if stop.is_set():
                return
            created = args.start + timedelta(seconds=n * args.step_s)
            item = dataclasses.replace(event(n), time=created)
            if item.id in have:
                continue
            store_event(store, outbox, item, time=created)
            sender.wake()
            made += 1
            if args.rate > 0:
                stop.wait(began + made / args.rate - time.monotonic())
        print(f"{READY_LINE} {args.events}", flush=True)
        stop.wait()
    finally:
        sender.stop()
        store.close()
        print(f"edge: stopped, {sender.counts()}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s edge %(message)s")
    stop = threading.Event()

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    run(args, stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
