"""The incident itself as evidence: the record an export bundle carries beside the footage.

An evidence bundle held clips and snapshots, but not what the operators did with them. The
record is the incident as it stood when exported: what it is (title, priority, sector,
status, resolution, assignee, dispatched unit, SLA, crossings), its lifecycle history and
notes in order, and every event it holds (kind, time, sensor, track, class, direction,
position, km post and the rule's attributes). It is canonical JSON (sorted keys, UTF-8),
written into the bundle as ``files/incident.json``: the manifest hashes it, the export's
ledger entry covers the manifest and the signed tree head covers the entry, so
``kordon verify`` checks it offline with the rest, and one changed byte fails it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import JsonValue

from kordon.domain.event import Event
from kordon.domain.incident import IncidentStatus
from kordon.evidence.canonical import canonical_json
from kordon.store.incidents import StoredIncident
from kordon.store.mapping import event_to_values

RECORD_NAME = "incident.json"
"""Name of the record inside a bundle's ``files/``."""
RECORD_VERSION = 1


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _event(event: Event) -> dict[str, JsonValue]:
    """The event as the store writes it (``event_to_values``), its time in ISO 8601."""
    values: dict[str, JsonValue] = {**event_to_values(event), "time": _time(event.time)}
    return values


def incident_record(
    stored: StoredIncident, events: Sequence[Event], *, site_id: str, exported_at: datetime
) -> dict[str, JsonValue]:
    """The record of ``stored`` with its ``events`` (any order; written in time order).

    A history step that keeps the status and carries text is a note (as the operator API
    shows it); the others are the lifecycle history.
    """
    incident = stored.incident
    history: list[JsonValue] = []
    notes: list[JsonValue] = []
    previous = IncidentStatus.OPEN
    for step in incident.history:
        if step.status == previous and step.note and history:
            notes.append({"author": step.actor, "time": _time(step.time), "text": step.note})
        else:
            history.append(
                {
                    "status": str(step.status),
                    "actor": step.actor,
                    "time": _time(step.time),
                    "note": step.note,
                }
            )
        previous = step.status
    by_id = {e.id: e for e in events}
    missing = [i for i in incident.event_ids if i not in by_id]
    ordered = sorted(by_id.values(), key=lambda e: (e.time, e.id))
    counts = incident.crossings
    return {
        "record": "kordon incident",
        "version": RECORD_VERSION,
        "site_id": site_id,
        "exported_at": _time(exported_at),
        "incident": {
            "id": incident.id,
            "title": incident.title,
            "status": str(incident.status),
            "priority": incident.priority,
            "sector_id": incident.sector_id,
            "opened_at": _time(incident.opened_at),
            "updated_at": _time(stored.updated_at),
            "version": stored.version,
            "assignee": incident.assignee,
            "dispatched_unit": incident.dispatched_unit,
            "resolution": None if incident.resolution is None else str(incident.resolution),
            "sla_due_at": _time(incident.sla_due_at),
            "escalated_at": _time(incident.escalated_at),
            "last_alert_at": _time(incident.last_alert_at),
            "crossings": {
                "inbound": counts.inbound,
                "outbound": counts.outbound,
                "line_in": counts.line_in,
                "line_out": counts.line_out,
            },
            "event_ids": list(incident.event_ids),
        },
        "history": history,
        "notes": notes,
        "events": [_event(e) for e in ordered],
        "events_missing": list(missing),
    }


def record_bytes(record: dict[str, JsonValue]) -> bytes:
    """The record as canonical JSON with a final newline (what the bundle holds)."""
    return canonical_json(record) + b"\n"
