from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kordon.domain.incident import (
    Incident,
    IncidentStatus,
    InvalidTransitionError,
    Resolution,
)

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _incident() -> Incident:
    return Incident(id="i1", title="border crossing", opened_at=T0, priority=1)


def test_full_lifecycle_records_each_step() -> None:
    inc = _incident()
    inc = inc.transition(IncidentStatus.ACKNOWLEDGED, actor="op1", time=T0 + timedelta(seconds=5))
    inc = inc.transition(IncidentStatus.DISPATCHED, actor="op1", time=T0 + timedelta(seconds=9))
    inc = inc.transition(
        IncidentStatus.RESOLVED,
        actor="op1",
        time=T0 + timedelta(minutes=20),
        resolution=Resolution.TRUE_ALARM,
    )
    inc = inc.transition(IncidentStatus.CLOSED, actor="sup1", time=T0 + timedelta(hours=1))
    assert inc.status is IncidentStatus.CLOSED
    assert inc.resolution is Resolution.TRUE_ALARM
    assert [s.status for s in inc.history] == [
        IncidentStatus.ACKNOWLEDGED,
        IncidentStatus.DISPATCHED,
        IncidentStatus.RESOLVED,
        IncidentStatus.CLOSED,
    ]


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ([], IncidentStatus.CLOSED),
        ([IncidentStatus.ACKNOWLEDGED], IncidentStatus.OPEN),
        ([IncidentStatus.DISPATCHED], IncidentStatus.ACKNOWLEDGED),
    ],
)
def test_invalid_transitions_are_refused(path: list[IncidentStatus], bad: IncidentStatus) -> None:
    inc = _incident()
    for step in path:
        inc = inc.transition(step, actor="op", time=T0)
    with pytest.raises(InvalidTransitionError, match="cannot go from"):
        inc.transition(bad, actor="op", time=T0)


def test_resolving_needs_a_resolution_and_closed_is_final() -> None:
    inc = _incident()
    with pytest.raises(InvalidTransitionError, match="resolution"):
        inc.transition(IncidentStatus.RESOLVED, actor="op", time=T0)
    inc = inc.transition(
        IncidentStatus.RESOLVED, actor="op", time=T0, resolution=Resolution.FALSE_ALARM
    )
    inc = inc.transition(IncidentStatus.CLOSED, actor="op", time=T0)
    with pytest.raises(InvalidTransitionError):
        inc.transition(
            IncidentStatus.RESOLVED, actor="op", time=T0, resolution=Resolution.DUPLICATE
        )


def test_naive_time_and_bad_priority_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Incident(id="x", title="t", opened_at=datetime(2026, 1, 1), priority=1)
    with pytest.raises(ValueError, match="priority"):
        Incident(id="x", title="t", opened_at=T0, priority=9)
