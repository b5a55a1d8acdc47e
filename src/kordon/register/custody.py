"""Custody: ``Person`` (only what custody needs) and ``Transfer`` (both parties confirm)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Person:
    """Someone who can hold equipment. Deliberately minimal personal data: a service
    number, a name and a unit; nothing else about guards is stored."""

    id: str
    name: str
    unit: str


class TransferState(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"


class Party(StrEnum):
    FROM = "from"
    TO = "to"


@dataclass(frozen=True, slots=True)
class Transfer:
    """Custody of one asset moving from a person (``None``: the store) to a person
    (``None``: back to the store). It takes effect when both parties confirmed."""

    id: str
    asset_id: str
    serial: str
    from_person: str | None
    to_person: str | None
    time: datetime
    requested_by: str
    from_confirmed_at: datetime | None
    from_confirmed_by: str | None
    to_confirmed_at: datetime | None
    to_confirmed_by: str | None
    state: TransferState
