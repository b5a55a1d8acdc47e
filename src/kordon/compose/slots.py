"""Parts of the node that need an open store: empty when the node is built, filled at start
(the store opens then), and read through these holders by whoever was wired before."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kordon.incidents.service import IncidentService
from kordon.register.context import RegisterContext
from kordon.services.evidence_log import EvidenceLog
from kordon.store.store import Store
from kordon.units.service import UnitService


@dataclass
class RegisterSlot:
    """The equipment register, created once the store is open."""

    context: RegisterContext | None = None

    def get(self) -> RegisterContext:
        if self.context is None:
            raise RuntimeError("equipment register used before the node started")
        return self.context


@dataclass
class IncidentSlot:
    """The incident service, created once the store is open."""

    service: IncidentService | None = None

    def get(self) -> IncidentService:
        if self.service is None:
            raise RuntimeError("incident service used before the node started")
        return self.service


class UnitRegister:
    """The patrol-unit register, built once on first use (the store opens at start)."""

    def __init__(
        self, store: Callable[[], Store], *, sector_ids: list[str], audit: EvidenceLog
    ) -> None:
        self._store = store
        self._sector_ids = sector_ids
        self._audit = audit
        self._service: UnitService | None = None

    def get(self) -> UnitService:
        if self._service is None:
            self._service = UnitService(
                self._store(), sector_ids=self._sector_ids, audit=self._audit
            )
        return self._service
