"""An outpost's side of the edge → centre link (docs/edge-central.md): its outbox, the
sender that ships it and the centre's commands it acts on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kordon.bus.inprocess import InProcessBus
from kordon.central.edge_commands import EdgeCommandService
from kordon.central.edge_link import EdgeLinkService
from kordon.compose.slots import IncidentSlot
from kordon.compose.start_hook import StartHook
from kordon.config.edge import EdgeLinkConfig
from kordon.evidence.ledger import Ledger
from kordon.incidents.store_outbox import EdgeOutbox
from kordon.link.durability import require_full_sync
from kordon.link.evidence_server import EvidenceSource
from kordon.link.outbox import Outbox
from kordon.link.snapshot_entry import EdgeSnapshots
from kordon.services.evidence_log import EvidenceLog
from kordon.services.live_frames import LiveFrames
from kordon.store.store import Store


@dataclass(frozen=True)
class EdgeParts:
    """The edge's services, each to be started at its own place in the node's order."""

    snapshots: EdgeSnapshots
    """Each event's snapshot follows its event (kordon.link.snapshot_entry)."""
    outbox: StartHook
    """Before anything writes."""
    link: EdgeLinkService
    """After the ledger: the sender ships it too (audit entries)."""
    commands: EdgeCommandService
    """After the incidents: the centre's commands act through them."""


def edge_parts(
    edge: EdgeLinkConfig,
    *,
    resolve: Callable[[Path], Path],
    store: Callable[[], Store],
    ledger: Callable[[], Ledger],
    snapshot_dir: Path,
    bus: InProcessBus,
    now: Callable[[], datetime],
    audit: EvidenceLog,
    incidents: IncidentSlot,
    evidence: Callable[[], EvidenceSource],
) -> EdgeParts:
    """An outpost's link services; ``evidence`` gives the clips and exports the centre
    pulls on demand (made after this)."""
    snapshots = EdgeSnapshots(
        store=store,
        read=lambda event_id: LiveFrames.read_event_jpeg(snapshot_dir, event_id),
        clock=now,
    )

    def start_edge_outbox() -> None:
        # Before anything writes: from here on every event, incident change and device
        # status is queued for the centre in its own transaction, fsynced at commit.
        opened = store()
        require_full_sync(opened.engine)
        outbox = Outbox(opened.sessions)
        opened.add_commit_hook(EdgeOutbox(outbox, clock=now, snapshots=snapshots))

    return EdgeParts(
        snapshots=snapshots,
        outbox=StartHook("edge-outbox", start_edge_outbox),
        link=EdgeLinkService(
            edge, store=store, resolve=resolve, ledger=ledger, now=now, bus=bus, evidence=evidence
        ),
        commands=EdgeCommandService(
            edge,
            store=store,
            incidents=lambda: incidents.service,
            resolve=resolve,
            audit=audit,
            now=now,
        ),
    )
