"""MQTT topics of the link: ``<root>/<edge_id>/outbox`` up, ``<root>/<edge_id>/ack`` down;
the evidence ledger travels on ``<root>/<edge_id>/ledger`` up, ``.../ledger_ack`` down;
clips and exports pulled by the centre on ``<root>/<edge_id>/evidence`` up, requested on
``.../evidence_req`` down (``kordon.link.evidence_wire``)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_ROOT = "kordon/edge"


def check_edge_id(edge_id: str) -> str:
    """An edge id must be one topic level: no '/', '+', '#', NUL; at most 128 characters."""
    if not edge_id or len(edge_id) > 128 or any(c in "/+#\x00" for c in edge_id):
        raise ValueError(f"edge id {edge_id!r} must be 1-128 characters without / + # or NUL")
    return edge_id


@dataclass(frozen=True, slots=True)
class LinkTopics:
    root: str = DEFAULT_ROOT

    def __post_init__(self) -> None:
        if not self.root or self.root.endswith("/") or any(c in "+#\x00" for c in self.root):
            raise ValueError(f"topic root {self.root!r} must be a plain topic without wildcards")

    def outbox(self, edge_id: str) -> str:
        return f"{self.root}/{check_edge_id(edge_id)}/outbox"

    def ack(self, edge_id: str) -> str:
        return f"{self.root}/{check_edge_id(edge_id)}/ack"

    def ledger(self, edge_id: str) -> str:
        return f"{self.root}/{check_edge_id(edge_id)}/ledger"

    def ledger_ack(self, edge_id: str) -> str:
        return f"{self.root}/{check_edge_id(edge_id)}/ledger_ack"

    def evidence(self, edge_id: str) -> str:
        """Manifests, chunks and errors of pulled evidence (edge → centre)."""
        return f"{self.root}/{check_edge_id(edge_id)}/evidence"

    def evidence_req(self, edge_id: str) -> str:
        """The centre's requests for evidence (centre → edge)."""
        return f"{self.root}/{check_edge_id(edge_id)}/evidence_req"

    @property
    def all_evidence(self) -> str:
        """The filter the centre subscribes to for pulled evidence."""
        return f"{self.root}/+/evidence"

    @property
    def all_ledgers(self) -> str:
        """The filter the centre subscribes to for ledger batches."""
        return f"{self.root}/+/ledger"

    @property
    def all_outboxes(self) -> str:
        """The filter the centre subscribes to."""
        return f"{self.root}/+/outbox"

    def edge_of_outbox(self, topic: str) -> str | None:
        """The edge id in an outbox topic, or ``None`` if ``topic`` is not one."""
        return self._edge_of(topic, "/outbox")

    def edge_of_ledger(self, topic: str) -> str | None:
        """The edge id in a ledger topic, or ``None`` if ``topic`` is not one."""
        return self._edge_of(topic, "/ledger")

    def edge_of_evidence(self, topic: str) -> str | None:
        """The edge id in an evidence topic, or ``None`` if ``topic`` is not one."""
        return self._edge_of(topic, "/evidence")

    def _edge_of(self, topic: str, suffix: str) -> str | None:
        prefix = f"{self.root}/"
        if not (topic.startswith(prefix) and topic.endswith(suffix)):
            return None
        edge = topic[len(prefix) : -len(suffix)]
        return edge if edge and "/" not in edge else None
