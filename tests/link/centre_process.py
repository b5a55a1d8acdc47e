"""The centre's link end as a process of its own, for the namespace fault tests.

``python -m tests.link.centre_process --db-url URL --broker HOST:PORT --client-id ID
--edge-id EDGE --topic-root ROOT`` opens the centre's store (migrating it), and runs the
real :class:`~kordon.link.receiver.LinkReceiver` with an :class:`~kordon.link.ingest.Ingestor`
into it (persistent session ``ID``, so a restart after kill -9 gets what the broker queued
meanwhile), until SIGTERM (a clean stop) or SIGKILL.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from types import FrameType

from kordon.link.ingest import Ingestor
from kordon.link.mqtt_link import BrokerEndpoint
from kordon.link.receiver import LinkReceiver
from kordon.link.receiver_settings import ReceiverSettings
from kordon.link.topics import LinkTopics
from kordon.store import Store

READY_LINE = "centre: connected"


def _now() -> datetime:
    return datetime.now(UTC)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.link.centre_process")
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--broker", required=True, help="HOST:PORT")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--edge-id", required=True)
    parser.add_argument("--topic-root", required=True)
    ns = parser.parse_args(argv)
    host, sep, port = str(ns.broker).rpartition(":")
    if not sep or not host or not port.isdigit():
        parser.error(f"--broker must be HOST:PORT, got {ns.broker!r}")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s centre %(message)s")
    stop = threading.Event()

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    with Store(ns.db_url) as store:
        receiver = LinkReceiver(
            Ingestor(store),
            BrokerEndpoint(
                host=host,
                port=int(port),
                client_id=ns.client_id,
                keepalive_s=5,
                min_delay_s=1,
                max_delay_s=2,
                session_expiry_s=600,
            ),
            ReceiverSettings.of({ns.edge_id}),
            clock=_now,
            topics=LinkTopics(root=ns.topic_root),
        )
        receiver.start()
        try:
            while not receiver.link.connected.wait(0.1):
                if stop.is_set():
                    return 0
            print(READY_LINE, flush=True)
            stop.wait()
        finally:
            receiver.stop()
            print(f"centre: stopped, {receiver.counts()}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
