"""The centre's record of evidence pulls: transfers and their progress, files received.

Tables ``link_evidence_transfers`` and ``link_evidence_files`` (``kordon.link.evidence_rows``,
migration ``0012``), on SQLite or PostgreSQL. Each method is its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, sessionmaker

from kordon.link.evidence_rows import EvidenceFileRow, EvidenceTransferRow
from kordon.link.evidence_wire import EvidenceKind, Manifest


class TransferState(StrEnum):
    OPENING = "opening"
    FETCHING = "fetching"
    DONE = "done"
    FAILED = "failed"


ACTIVE = (TransferState.OPENING, TransferState.FETCHING)


@dataclass(frozen=True, slots=True)
class Transfer:
    transfer_id: str
    edge_id: str
    kind: EvidenceKind
    item_id: str
    incident_id: str | None
    state: TransferState
    size: int | None
    sha256: str | None
    content_type: str | None
    name: str | None
    received: int
    attempts: int
    error: str | None
    requested_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: EvidenceTransferRow) -> Transfer:
        return cls(
            row.transfer_id,
            row.edge_id,
            EvidenceKind(row.kind),
            row.item_id,
            row.incident_id,
            TransferState(row.state),
            row.size,
            row.sha256,
            row.content_type,
            row.name,
            row.received,
            row.attempts,
            row.error,
            row.requested_by,
            row.created_at,
            row.updated_at,
        )


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    edge_id: str
    kind: EvidenceKind
    item_id: str
    incident_id: str | None
    sha256: str
    size: int
    content_type: str
    name: str
    path: str
    """Relative to the centre's data directory."""
    transfer_id: str
    fetched_at: datetime

    @classmethod
    def of(cls, row: EvidenceFileRow) -> ReceivedFile:
        return cls(
            row.edge_id,
            EvidenceKind(row.kind),
            row.item_id,
            row.incident_id,
            row.sha256,
            row.size,
            row.content_type,
            row.name,
            row.path,
            row.transfer_id,
            row.fetched_at,
        )


class TransferRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def create(self, transfer: Transfer) -> None:
        with self._sessions.begin() as session:
            session.add(
                EvidenceTransferRow(
                    transfer_id=transfer.transfer_id,
                    edge_id=transfer.edge_id,
                    kind=str(transfer.kind),
                    item_id=transfer.item_id,
                    incident_id=transfer.incident_id,
                    state=str(transfer.state),
                    size=transfer.size,
                    sha256=transfer.sha256,
                    content_type=transfer.content_type,
                    name=transfer.name,
                    received=transfer.received,
                    attempts=transfer.attempts,
                    error=transfer.error,
                    requested_by=transfer.requested_by,
                    created_at=transfer.created_at,
                    updated_at=transfer.updated_at,
                )
            )

    def get(self, transfer_id: str) -> Transfer | None:
        with self._sessions() as session:
            row = session.get(EvidenceTransferRow, transfer_id)
            return None if row is None else Transfer.of(row)

    def active_for(self, edge_id: str, kind: EvidenceKind, item_id: str) -> Transfer | None:
        """The transfer of this item still under way, if any (the oldest)."""
        with self._sessions() as session:
            row = session.scalars(
                _of_item(edge_id, kind, item_id)
                .where(EvidenceTransferRow.state.in_([str(s) for s in ACTIVE]))
                .order_by(EvidenceTransferRow.created_at, EvidenceTransferRow.transfer_id)
                .limit(1)
            ).first()
            return None if row is None else Transfer.of(row)

    def latest_for(self, edge_id: str, kind: EvidenceKind, item_id: str) -> Transfer | None:
        with self._sessions() as session:
            row = session.scalars(
                _of_item(edge_id, kind, item_id)
                .order_by(EvidenceTransferRow.updated_at.desc())
                .limit(1)
            ).first()
            return None if row is None else Transfer.of(row)

    def active(self) -> list[Transfer]:
        with self._sessions() as session:
            rows = session.scalars(
                select(EvidenceTransferRow)
                .where(EvidenceTransferRow.state.in_([str(s) for s in ACTIVE]))
                .order_by(EvidenceTransferRow.created_at)
            )
            return [Transfer.of(r) for r in rows]

    def set_manifest(self, transfer_id: str, manifest: Manifest, *, time: datetime) -> None:
        """Take the manifest: fetching from byte 0."""
        self._update(
            transfer_id,
            state=str(TransferState.FETCHING),
            size=manifest.size,
            sha256=manifest.sha256,
            content_type=manifest.content_type,
            name=manifest.name,
            received=0,
            updated_at=time,
        )

    def advance(
        self, transfer_id: str, *, received_from: int, received: int, time: datetime
    ) -> bool:
        """Move the progress from ``received_from`` to ``received``; ``False`` (nothing
        changed) when another writer moved it first."""
        with self._sessions.begin() as session:
            result = session.execute(
                update(EvidenceTransferRow)
                .where(
                    EvidenceTransferRow.transfer_id == transfer_id,
                    EvidenceTransferRow.received == received_from,
                    EvidenceTransferRow.state == str(TransferState.FETCHING),
                )
                .values(received=received, updated_at=time)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    def restart(self, transfer_id: str, *, attempts: int, error: str, time: datetime) -> None:
        """Back to asking for the manifest (after a hash mismatch or a changed file)."""
        self._update(
            transfer_id,
            state=str(TransferState.OPENING),
            received=0,
            attempts=attempts,
            error=error,
            updated_at=time,
        )

    def fail(self, transfer_id: str, *, error: str, time: datetime) -> None:
        self._update(transfer_id, state=str(TransferState.FAILED), error=error, updated_at=time)

    def complete(self, transfer_id: str, received: ReceivedFile) -> None:
        """Record the file and close the transfer, in one transaction."""
        with self._sessions.begin() as session:
            existing = session.get(
                EvidenceFileRow, (received.edge_id, str(received.kind), received.item_id)
            )
            if existing is not None:
                session.delete(existing)
                session.flush()
            session.add(
                EvidenceFileRow(
                    edge_id=received.edge_id,
                    kind=str(received.kind),
                    item_id=received.item_id,
                    incident_id=received.incident_id,
                    sha256=received.sha256,
                    size=received.size,
                    content_type=received.content_type,
                    name=received.name,
                    path=received.path,
                    transfer_id=received.transfer_id,
                    fetched_at=received.fetched_at,
                )
            )
            session.execute(
                update(EvidenceTransferRow)
                .where(EvidenceTransferRow.transfer_id == transfer_id)
                .values(
                    state=str(TransferState.DONE),
                    received=received.size,
                    error=None,
                    updated_at=received.fetched_at,
                )
            )

    def file(self, edge_id: str, kind: EvidenceKind, item_id: str) -> ReceivedFile | None:
        with self._sessions() as session:
            row = session.get(EvidenceFileRow, (edge_id, str(kind), item_id))
            return None if row is None else ReceivedFile.of(row)

    def _update(self, transfer_id: str, **values: object) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(EvidenceTransferRow)
                .where(EvidenceTransferRow.transfer_id == transfer_id)
                .values(**values)
            )


def _of_item(edge_id: str, kind: EvidenceKind, item_id: str) -> Select[EvidenceTransferRow]:
    """The transfers of one item of one edge."""
    return select(EvidenceTransferRow).where(
        EvidenceTransferRow.edge_id == edge_id,
        EvidenceTransferRow.kind == str(kind),
        EvidenceTransferRow.item_id == item_id,
    )
