"""A SQLite store in ``tmp_path`` and an incident service with recording fakes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from kordon.domain.incident import Incident
from kordon.incidents import IncidentService
from kordon.store import Store, sqlite_url


@dataclass(frozen=True, slots=True)
class AuditRecord:
    actor: str
    action: str
    subject: str
    details: dict[str, str]
    time: datetime


@dataclass
class Recorder:
    """Collects what the service publishes and audits."""

    published: list[Incident] = field(default_factory=list)
    audited: list[AuditRecord] = field(default_factory=list)

    def publish(self, incident: Incident) -> None:
        self.published.append(incident)

    def audit(
        self,
        actor: str,
        action: str,
        subject: str,
        details: Mapping[str, str],
        time: datetime,
    ) -> None:
        self.audited.append(AuditRecord(actor, str(action), subject, dict(details), time))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(sqlite_url(tmp_path / "kordon.db"))
    opened.open()
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def service(store: Store, recorder: Recorder) -> IncidentService:
    return IncidentService(store, recorder.publish, audit=recorder.audit)
