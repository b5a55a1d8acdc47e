"""Incidents too large for one outbox entry: notes trimmed with a marker the centre knows.

An incident travels as one full snapshot per change (``kordon.link.codec``), at most
``MAX_ENTRY_BYTES``. Its history is append-only and each operator note holds up to 4,000
characters, so an incident with a long history can outgrow an entry. Then
:func:`fit_incident` cuts the oldest notes first, each to its first ``KEEP_CHARS``
characters followed by a marker — ``… [trimmed at the outpost: 3981 characters, sha256
0123456789abcdef]`` — until the snapshot fits (then, if needed, to the marker alone). The
oldest first because the snapshots before carried them whole: a note usually travels whole
in the snapshot that adds it, and the centre keeps that text (below). The outpost keeps
every note whole; the centre shows the marker only for a note it never received whole.

History is append-only at the centre too, and which notes are cut may differ from one
snapshot to the next. :func:`reconcile_history` (the centre's ingest) therefore takes a
step that is the trimmed form of the stored one, or whose trimmed form is stored, as that
stored step: a snapshot still extends the stored history, and the centre keeps the fuller
text it already has. A step is the trimmed form of another only if everything but the
note is equal and the marker's length and hash are the full note's.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kordon.domain.incident import Incident, IncidentStep

KEEP_CHARS = 200
"""Characters of a trimmed note kept before its marker."""

_MARKER = re.compile(
    r"\u2026 \[trimmed at the outpost: (?P<length>\d{1,9}) characters, "
    r"sha256 (?P<digest>[0-9a-f]{16})\]\Z"
)


@dataclass(frozen=True, slots=True)
class FittedIncident:
    incident: Incident
    trimmed: int
    """How many notes were cut (0: the incident as it was)."""


def _digest(note: str) -> str:
    return hashlib.sha256(note.encode("utf-8")).hexdigest()[:16]


def trim_note(note: str, keep: int = KEEP_CHARS) -> str:
    """``note``'s first ``keep`` characters and the marker naming its length and hash."""
    marker = f"\u2026 [trimmed at the outpost: {len(note)} characters, sha256 {_digest(note)}]"
    return note[:keep] + marker


def is_trimmed_from(short: str, full: str) -> bool:
    """Whether ``short`` is ``full`` trimmed by :func:`trim_note` (any ``keep``)."""
    found = _MARKER.search(short)
    if found is None or short == full:
        return False
    prefix = short[: found.start()]
    return (
        int(found["length"]) == len(full)
        and found["digest"] == _digest(full)
        and full.startswith(prefix)
    )


def fit_incident(
    incident: Incident, size_of: Callable[[Incident], int], max_bytes: int
) -> FittedIncident | None:
    """``incident`` with its oldest notes trimmed until ``size_of`` it is at most
    ``max_bytes`` (then, if needed, every trimmable note down to its marker alone); ``None``
    when even that is too large (thousands of steps or events)."""
    if size_of(incident) <= max_bytes:
        return FittedIncident(incident, 0)
    for keep in (KEEP_CHARS, 0):
        fitted = _trim_longest(incident, size_of, max_bytes, keep)
        if fitted is not None:
            return fitted
    return None


def _trim_longest(
    incident: Incident, size_of: Callable[[Incident], int], max_bytes: int, keep: int
) -> FittedIncident | None:
    history = list(incident.history)
    # Only notes that get shorter, the oldest first; savings are estimated in UTF-8 bytes
    # and the result measured again (JSON escaping may differ a little).
    savings = {
        index: len(step.note.encode("utf-8")) - len(trim_note(step.note, keep).encode("utf-8"))
        for index, step in enumerate(history)
    }
    order = [i for i, saved in savings.items() if saved > 0]
    excess = size_of(incident) - max_bytes
    cut = 0
    while cut < len(order):
        while cut < len(order) and excess > 0:
            index = order[cut]
            history[index] = dataclasses.replace(
                history[index], note=trim_note(incident.history[index].note, keep)
            )
            excess -= savings[index]
            cut += 1
        candidate = dataclasses.replace(incident, history=tuple(history))
        excess = size_of(candidate) - max_bytes
        if excess <= 0:
            return FittedIncident(candidate, cut)
    return None


def reconcile_history(
    stored: Sequence[IncidentStep], incoming: Sequence[IncidentStep]
) -> tuple[IncidentStep, ...]:
    """``incoming`` with each of its first ``len(stored)`` steps that differs from the
    stored one only by a trimmed note replaced by the stored step."""
    steps = list(incoming)
    for index, (held, step) in enumerate(zip(stored, incoming, strict=False)):
        if held == step:
            continue
        same_but_note = dataclasses.replace(step, note=held.note) == held
        if same_but_note and (
            is_trimmed_from(step.note, held.note) or is_trimmed_from(held.note, step.note)
        ):
            steps[index] = held
    return tuple(steps)
