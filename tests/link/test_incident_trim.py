"""Incidents over an outbox entry's limit: the edge queues them with their longest notes
trimmed (marked with the full note's length and hash) instead of dropping the change, and
the centre takes each trimmed snapshot as extending the one it holds. The edge is SQLite;
the centre is the ``store`` fixture (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kordon.domain.incident import Incident, IncidentStatus, IncidentStep
from kordon.incidents import IncidentService
from kordon.incidents.store_outbox import EdgeOutbox
from kordon.link.batch import decode_batch, encode_batch
from kordon.link.codec import decode
from kordon.link.incident_trim import (
    KEEP_CHARS,
    fit_incident,
    is_trimmed_from,
    reconcile_history,
    trim_note,
)
from kordon.link.ingest import Ingestor
from kordon.link.kinds import EntryKind
from kordon.link.outbox import MAX_ENTRY_BYTES, Outbox, OutboxEntry, payload_bytes
from kordon.store import Store
from tests.link.support import T0, at, edge_store, event

NOTES = 90
"""4,000-character notes: the incident outgrows an entry after about 60 of them."""


def _note(n: int) -> str:
    return (f"note {n:03d}: " + "tracks by the river, " * 200)[:4000]


def _step(note: str, actor: str = "op") -> IncidentStep:
    return IncidentStep(IncidentStatus.OPEN, actor, T0, note)


FULL = _note(1)


@pytest.mark.parametrize(
    ("short", "full", "expected"),
    [
        (trim_note(FULL), FULL, True),
        (trim_note(FULL, 0), FULL, True),
        (trim_note(FULL), FULL[:-1], False),  # another length
        (trim_note(FULL), FULL[:-1] + "?", False),  # same length, another text
        (trim_note(_note(2)), FULL, False),  # another note's marker
        ("note 001: " + trim_note(FULL)[10:], "xxxx" + FULL[4:], False),  # another prefix
        (FULL, FULL, False),  # not trimmed
        (trim_note(FULL) + " ", FULL, False),  # the marker must end the note
    ],
)
def test_a_trimmed_note_is_recognised_only_from_its_full_text(
    short: str, full: str, expected: bool
) -> None:
    assert is_trimmed_from(short, full) is expected


def test_a_trimmed_note_keeps_its_start_and_says_what_was_cut() -> None:
    short = trim_note(FULL)
    assert short.startswith(FULL[:KEEP_CHARS])
    assert short.endswith("characters, sha256 " + short[-17:-1] + "]")
    assert "[trimmed at the outpost: 4000 characters" in short
    assert len(short) < 300


def _incident(notes: int, events: int = 1) -> Incident:
    return Incident(
        id="inc-1",
        title="crossing",
        opened_at=T0,
        priority=2,
        event_ids=tuple(f"ev-{n:06d}" for n in range(events)),
        history=(_step(""), *(_step(_note(n)) for n in range(notes))),
    )


def test_fit_trims_the_oldest_notes_until_it_fits_and_a_small_incident_not_at_all() -> None:
    small = _incident(10)
    fitted_small = fit_incident(small, payload_bytes, MAX_ENTRY_BYTES)
    assert fitted_small is not None
    assert (fitted_small.incident, fitted_small.trimmed) == (small, 0)
    big = _incident(NOTES)
    assert payload_bytes(big) > MAX_ENTRY_BYTES
    fitted = fit_incident(big, payload_bytes, MAX_ENTRY_BYTES)
    assert fitted is not None
    assert payload_bytes(fitted.incident) <= MAX_ENTRY_BYTES
    cut = [
        i
        for i, (a, b) in enumerate(zip(big.history, fitted.incident.history, strict=True))
        if a != b
    ]
    assert len(cut) == fitted.trimmed
    assert 0 < fitted.trimmed < NOTES
    assert cut == list(range(1, 1 + fitted.trimmed))  # the oldest notes (step 0 has none)
    # one note fewer cut would not fit: no more than needed were cut
    one_less = list(fitted.incident.history)
    one_less[cut[-1]] = big.history[cut[-1]]
    assert payload_bytes(dataclasses.replace(big, history=tuple(one_less))) > MAX_ENTRY_BYTES
    for index in cut:
        assert is_trimmed_from(fitted.incident.history[index].note, big.history[index].note)
    assert dataclasses.replace(fitted.incident, history=big.history) == big  # only notes


def test_an_incident_too_large_even_trimmed_does_not_fit() -> None:
    huge = _incident(3, events=30_000)  # the event ids alone are over the limit
    assert payload_bytes(dataclasses.replace(huge, history=())) > MAX_ENTRY_BYTES
    assert fit_incident(huge, payload_bytes, MAX_ENTRY_BYTES) is None


def test_the_centre_takes_a_trimmed_step_as_the_stored_one() -> None:
    full, short = _step(FULL), _step(trim_note(FULL))
    new = _step("new")
    assert reconcile_history((full,), (short, new)) == (full, new)
    assert reconcile_history((short,), (full, new)) == (short, new)
    forged = _step(FULL[:KEEP_CHARS] + trim_note(_note(2))[KEEP_CHARS:])
    assert reconcile_history((full,), (forged,)) == (forged,)  # left for the store to refuse
    other_actor = _step(trim_note(FULL), actor="someone")
    assert reconcile_history((full,), (other_actor,)) == (other_actor,)


class Edge:
    def __init__(self, path: Path) -> None:
        self.store = edge_store(path)
        self.outbox = Outbox(self.store.sessions)
        self.store.add_commit_hook(EdgeOutbox(self.outbox, clock=lambda: at(0)))
        self.service = IncidentService(self.store, lambda _incident: None)

    def entries(self) -> list[OutboxEntry]:
        return self.outbox.next_batch(10_000, 100_000_000)


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[Edge]:
    built = Edge(tmp_path / "edge.db")
    yield built
    built.store.close()


def _add_notes(edge: Edge, incident_id: str, count: int, start: datetime) -> None:
    for n in range(count):
        stored = edge.service.get(incident_id)
        edge.service.add_note(
            incident_id,
            actor="op",
            note=_note(n),
            time=start + timedelta(seconds=n),
            expected_version=stored.version,
        )


def test_a_huge_incident_is_queued_trimmed_and_extends_the_centres_copy(
    edge: Edge, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    opened = edge.service.ingest(event(1), at(1)).incident
    assert opened is not None
    incident_id = opened.incident.id
    with caplog.at_level(logging.WARNING, logger="kordon.incidents.store_outbox"):
        _add_notes(edge, incident_id, NOTES, at(10))
    assert "of its notes go trimmed (the outpost keeps them whole)" in caplog.text
    entries = edge.entries()
    snapshots = [e for e in entries if e.kind is EntryKind.INCIDENT]
    assert len(snapshots) == 1 + NOTES  # every change queued, none lost
    assert all(e.size <= MAX_ENTRY_BYTES for e in entries)
    whole = edge.service.get(incident_id).incident
    assert [s.note for s in whole.history[-NOTES:]] == [_note(n) for n in range(NOTES)]
    last = decode(snapshots[-1].payload, expected=EntryKind.INCIDENT)
    assert isinstance(last, Incident)
    assert last.history != whole.history
    assert len(last.history) == len(whole.history)
    assert reconcile_history(whole.history, last.history) == whole.history

    ingestor = Ingestor(store)
    for start in range(0, len(entries), 7):  # in order, a few entries a batch
        chunk = entries[start : start + 7]
        batch = decode_batch(encode_batch(f"b-{start}", "edge-a", chunk))
        assert ingestor.ingest(batch, time=at(200)).new == len(chunk)
    centre = store.incidents.get(incident_id).incident
    # The last change applied, and every note whole: each travelled whole in the snapshot
    # that added it, and later snapshots' trimmed copies count as the stored text.
    assert centre.history == whole.history


def test_a_centre_that_gets_only_a_trimmed_snapshot_shows_the_markers(
    edge: Edge, store: Store
) -> None:
    opened = edge.service.ingest(event(1), at(1)).incident
    assert opened is not None
    _add_notes(edge, opened.incident.id, NOTES, at(10))
    entries = edge.entries()
    incidents = [e for e in entries if e.kind is EntryKind.INCIDENT]
    wanted = [e for e in entries if e.kind is not EntryKind.INCIDENT] + incidents[-1:]
    Ingestor(store).ingest(decode_batch(encode_batch("b-1", "edge-a", wanted)), time=at(200))
    centre = store.incidents.get(opened.incident.id).incident
    notes = [s.note for s in centre.history[-NOTES:]]
    trimmed = [n for n, note in enumerate(notes) if note != _note(n)]
    assert trimmed == list(range(len(trimmed)))  # the oldest
    assert 0 < len(trimmed) < NOTES
    for n in trimmed:
        assert is_trimmed_from(notes[n], _note(n))
