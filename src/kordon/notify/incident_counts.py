"""How many incidents are in each lifecycle state (one grouped query, for ``/metrics``)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kordon.store.models import IncidentRow


def incidents_by_status(sessions: sessionmaker[Session]) -> dict[str, int]:
    """``{status: count}`` over every stored incident; states without any are absent."""
    with sessions() as session:
        rows = session.execute(
            select(IncidentRow.status, func.count()).group_by(IncidentRow.status)
        ).all()
    return {str(status): int(count) for status, count in rows}
