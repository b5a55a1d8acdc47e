"""``GET /api/central/link``: each broker's receiver: connected, batches, entries, refusals.

Refusals (unknown or revoked edge, oversized, malformed, wrong edge, clock ahead, store
failed) are counted here by reason, so an operator sees an outpost that is refused.
Needs a session with the READ permission.

No ``from __future__ import annotations`` here: FastAPI resolves the dependency aliases at
definition time.
"""

from collections.abc import Sequence

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from kordon.accounts.roles import Permission
from kordon.api.deps import audited_request, require
from kordon.central.link_service import LinkReceiverService


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
