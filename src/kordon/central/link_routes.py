"""The centre's own routes: ``GET /api/central/link`` (each broker's receiver: connected,
batches, entries, refusals), the outposts (``/api/central/outposts``, their audit entries)
and the operator commands sent to them (``/api/central/incidents/{id}/commands``).

Refusals (unknown or revoked edge, oversized, malformed, wrong edge, clock ahead, store
failed) are counted here by reason, so an operator sees an outpost that is refused.
Needs a session with the READ permission.

No ``from __future__ import annotations`` here: FastAPI resolves the dependency aliases at
definition time.
"""

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from kordon.accounts.roles import Permission, permissions_of
from kordon.api.deps import AuditorDep, ContextDep, CurrentUser, Guard, audited_request, require
from kordon.api.responses import responses
from kordon.central.commands import WAITING, CommandQueue, CommandRecord, CommandStatus
from kordon.central.edge_commands import CENTRAL_ACTOR_PREFIX
from kordon.central.link_service import LinkReceiverService
from kordon.central.outposts import OutpostReader, incident_edge
from kordon.domain.incident import Resolution
from kordon.domain.status import DeviceState
from kordon.link.command_wire import MAX_NOTE_CHARS, CommandAction


class BrokerLink(BaseModel):
    broker: str
    connected: bool
    batches: int
    new_entries: int
    duplicate_entries: int
    transactions: int
    refused: dict[str, int]


class CentralLink(BaseModel):
    central: str
    edges: list[str]
    revoked: list[str]
    brokers: list[BrokerLink]


def central_link_router(
    central_id: str,
    receivers: Sequence[LinkReceiverService],
    *,
    edges: Sequence[str],
    revoked: Sequence[str],
) -> APIRouter:
    router = APIRouter(
        tags=["central"],
        dependencies=[Depends(audited_request), Depends(require(Permission.READ))],
    )

    @router.get("/api/central/link", response_model=CentralLink, summary="The edges' link")
    def link() -> CentralLink:
        brokers = []
        for service in receivers:
            counts = service.counts()
            brokers.append(
                BrokerLink(
                    broker=service.broker_id,
                    connected=service.connected(),
                    batches=counts.batches,
                    new_entries=counts.new_entries,
                    duplicate_entries=counts.duplicate_entries,
                    transactions=counts.transactions,
                    refused=counts.refused,
                )
            )
        return CentralLink(
            central=central_id, edges=sorted(edges), revoked=sorted(revoked), brokers=brokers
        )

    return router


CommandActionText = Literal["acknowledge", "resolve", "close", "note", "dispatch"]


class CommandRequest(BaseModel):
    """An operator action on an outpost's incident, done at the centre."""

    model_config = ConfigDict(extra="forbid")

    action: CommandActionText = Field(
        description="`dispatch` is refused at the centre: units are registered at the outposts."
    )
    note: str = Field(default="", max_length=MAX_NOTE_CHARS)
    resolution: Resolution | None = Field(
        default=None, description="Needed with, and only with, `resolve`."
    )


class CommandPublic(BaseModel):
    command_id: str
    edge_id: str
    incident_id: str
    action: CommandAction
    actor: str
    status: CommandStatus
    attempts: int
    issued_at: datetime
    last_sent_at: datetime | None
    answered_at: datetime | None
    reason: str
    incident_version: int | None
    message: str


def _command_public(record: CommandRecord, names: Mapping[str, str]) -> CommandPublic:
    outpost = names.get(record.edge_id, record.edge_id)
    messages = {
        CommandStatus.QUEUED: f"sent to outpost {outpost} (queued until it answers)",
        CommandStatus.SENT: f"sent to outpost {outpost}",
        CommandStatus.APPLIED: f"applied at outpost {outpost}",
        CommandStatus.REFUSED: f"refused by outpost {outpost}: {record.reason}",
        CommandStatus.EXPIRED: f"no answer from outpost {outpost}: {record.reason}",
    }
    return CommandPublic(
        command_id=record.command_id,
        edge_id=record.edge_id,
        incident_id=record.incident_id,
        action=record.action,
        actor=record.actor,
        status=record.status,
        attempts=record.attempts,
        issued_at=record.issued_at,
        last_sent_at=record.last_sent_at,
        answered_at=record.answered_at,
        reason=record.reason,
        incident_version=record.incident_version,
        message=messages[record.status],
    )


def central_command_router(
    *,
    queue: Callable[[], CommandQueue],
    wake: Callable[[], None],
    edges: Mapping[str, str],
    revoked: Collection[str],
) -> APIRouter:
    """``/api/central/incidents/{id}/commands`` and ``/api/central/commands``: operator
    actions on an outpost's incident, sent to the outpost and answered by it.

    ``edges`` maps each listed edge id to its name."""
    router = APIRouter(tags=["central"], dependencies=[Depends(audited_request)])
    names = dict(edges)

    @router.post(
        "/api/central/incidents/{incident_id}/commands",
        response_model=CommandPublic,
        status_code=202,
        dependencies=[Depends(require(Permission.INCIDENT_ACT))],
        summary="Act on an outpost's incident",
        description="Written at the centre, then sent to the incident's outpost until it "
        "answers. Answers 202 at once: the incident changes here when the outpost's own "
        "snapshot arrives (`/api/live`), and `GET /api/central/commands/{id}` tells whether "
        "the outpost applied or refused it (with its reason).",
        responses=responses(403, 404, 409),
    )
    def command(
        *,
        incident_id: str,
        body: CommandRequest,
        context: ContextDep,
        guard: Guard,
        user: CurrentUser,
        auditor: AuditorDep,
    ) -> CommandPublic:
        stored = guard.incident(incident_id)
        edge = incident_edge(context.events, stored)
        if edge is None:
            raise HTTPException(
                409, f"incident {incident_id!r} names no outpost (its events carry no edge id)"
            )
        outpost = names.get(edge, edge)
        if body.action == "dispatch":
            raise HTTPException(
                409,
                f"dispatch needs a patrol unit, and units are registered at the outposts: "
                f"dispatch incident {incident_id!r} at outpost {outpost}",
            )
        if body.action == "close" and Permission.INCIDENT_CLOSE not in permissions_of(user.role):
            raise HTTPException(
                403, f"role {user.role} may not do this (needs {Permission.INCIDENT_CLOSE})"
            )
        if edge in revoked or edge not in names:
            raise HTTPException(409, f"outpost {edge!r} is revoked or not listed at this centre")
        action = CommandAction(body.action)
        if (action is CommandAction.RESOLVE) != (body.resolution is not None):
            raise HTTPException(422, "a resolution is given with, and only with, 'resolve'")
        if action is CommandAction.NOTE and not body.note.strip():
            raise HTTPException(422, "a note must not be empty")
        record = queue().issue(
            edge_id=edge,
            incident_id=incident_id,
            action=action,
            actor=f"{CENTRAL_ACTOR_PREFIX}{user.username}",
            note=body.note,
            resolution=body.resolution,
            time=context.clock(),
        )
        auditor.record(
            "incident.command",
            f"incident:{incident_id}",
            "queued",
            {"command_id": record.command_id, "edge_id": edge, "action": str(action)},
        )
        wake()
        return _command_public(record, names)

    @router.get(
        "/api/central/commands",
        response_model=list[CommandPublic],
        dependencies=[Depends(require(Permission.READ))],
        summary="Commands sent to the outposts",
        description="Newest first. A user scoped to sectors must name an `incident`.",
        responses=responses(403, 404),
    )
    def commands(
        guard: Guard,
        incident: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
        edge: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[CommandPublic]:
        if incident is not None:
            guard.incident(incident)
        elif guard.sector_filter(None) is not None:
            raise HTTPException(403, "a user scoped to sectors lists one incident's commands")
        found = queue().list(edge_id=edge, incident_id=incident, limit=limit)
        return [_command_public(r, names) for r in found]

    @router.get(
        "/api/central/commands/{command_id}",
        response_model=CommandPublic,
        dependencies=[Depends(require(Permission.READ))],
        summary="One command and the outpost's answer",
        responses=responses(404),
    )
    def one_command(command_id: str, guard: Guard) -> CommandPublic:
        record = queue().get(command_id)
        guard.incident(record.incident_id)
        return _command_public(record, names)

    return router


class LedgerSummaryPublic(BaseModel):
    size: int
    heads: int
    verified_heads: int
    latest_head_at: datetime | None


class OutpostDevicePublic(BaseModel):
    """One of an outpost's devices (camera, sensor) and the latest state it reported."""

    device_id: str
    state: DeviceState
    time: datetime
    detail: str
    metrics: dict[str, float]


class OutpostPublic(BaseModel):
    id: str
    name: str
    revoked: bool
    last_received_at: datetime | None
    """When the centre last committed an outbox entry of this outpost."""
    link_state: str | None
    """The ``link-<edge>`` pseudo-device's state (``online``/``degraded``), if reported."""
    link_detail: str
    link_time: datetime | None
    ledger: LedgerSummaryPublic
    commands_waiting: int
    commands_refused: int
    device_states: dict[DeviceState, int]
    """How many of its devices are in each state (the states with none left out)."""
    devices: list[OutpostDevicePublic]
    """Its devices as it reported them through its outbox, by device id (the link's own
    ``link-<edge>`` health is ``link_state``)."""


class LedgerEntryPublic(BaseModel):
    seq: int
    kind: str
    leaf_sha256: str
    received_at: datetime
    entry: JsonValue


def central_outpost_router(
    *,
    reader: Callable[[], OutpostReader],
    queue: Callable[[], CommandQueue],
    edges: Mapping[str, str],
    revoked: Collection[str],
) -> APIRouter:
    """``/api/central/outposts``: each outpost's link health, ledger, commands and devices; and
    ``/api/central/outposts/{edge}/audit``, its audit entries (AUDIT_READ)."""
    router = APIRouter(tags=["central"], dependencies=[Depends(audited_request)])
    names = dict(edges)
    listed = sorted({*names, *revoked})

    @router.get(
        "/api/central/outposts",
        response_model=list[OutpostPublic],
        dependencies=[Depends(require(Permission.READ))],
        summary="The outposts",
    )
    def outposts(context: ContextDep) -> list[OutpostPublic]:
        links = {s.device_id: s for s in context.devices.latest()}
        devices = reader().devices()
        found = []
        for edge in listed:
            link = links.get(f"link-{edge}")
            counts = queue().counts(edge)
            summary = reader().ledger_summary(edge)
            own = devices.get(edge, [])
            states = Counter(d.state for d in own)
            found.append(
                OutpostPublic(
                    id=edge,
                    name=names.get(edge, edge),
                    revoked=edge in revoked,
                    last_received_at=summary.last_received_at,
                    link_state=None if link is None else str(link.state),
                    link_detail="" if link is None else link.detail,
                    link_time=None if link is None else link.time,
                    ledger=LedgerSummaryPublic(
                        size=summary.size,
                        heads=summary.heads,
                        verified_heads=summary.verified_heads,
                        latest_head_at=summary.latest_head_at,
                    ),
                    commands_waiting=sum(counts.get(s, 0) for s in WAITING),
                    commands_refused=counts.get(CommandStatus.REFUSED, 0),
                    device_states={s: states[s] for s in DeviceState if states[s]},
                    devices=[
                        OutpostDevicePublic(
                            device_id=d.device_id,
                            state=d.state,
                            time=d.time,
                            detail=d.detail,
                            metrics=d.metrics,
                        )
                        for d in own
                    ],
                )
            )
        return found

    @router.get(
        "/api/central/outposts/{edge_id}/audit",
        response_model=list[LedgerEntryPublic],
        dependencies=[Depends(require(Permission.AUDIT_READ))],
        summary="An outpost's audit entries",
        description="The entries of the outpost's evidence ledger shipped whole (audit "
        "entries and evidence actions), `seq` after `after`, in order; `kind` lists one "
        "kind only (then also those shipped as their leaf hash, `entry` null).",
        responses=responses(403, 404),
    )
    def audit(
        edge_id: str,
        after: Annotated[int, Query(ge=-1)] = -1,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
        kind: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
    ) -> list[LedgerEntryPublic]:
        if edge_id not in listed:
            raise HTTPException(404, f"no outpost {edge_id!r} at this centre")
        return [
            LedgerEntryPublic(
                seq=e.seq,
                kind=e.kind,
                leaf_sha256=e.leaf_sha256,
                received_at=e.received_at,
                entry=e.entry,
            )
            for e in reader().ledger_entries(edge_id, after=after, limit=limit, kind=kind)
        ]

    return router
