"""An incident service with recording fakes, on the shared ``store`` fixture.

``store`` (``tests/conftest.py``) is an open, migrated, empty database: every incident
test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from kordon.domain.incident import Incident
from kordon.incidents import IncidentService
from kordon.store import Store


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
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def service(store: Store, recorder: Recorder) -> IncidentService:
    return IncidentService(store, recorder.publish, audit=recorder.audit)
