"""``ClockOffsets``: how far each edge's clock is from the centre's, measured from the link.

Every batch of wire version 2 carries ``sent_at``, the edge's clock when it was published
(stamped again at every resend). At the centre, ``sample = received_at - sent_at`` is the
edge's clock offset **plus** the time the batch spent in transit; transit only adds, so each
sample is an *upper bound* of the offset and the smallest sample of a sliding window
(``window_s`` of the centre's time) is the estimate.

What is done with it (``ClockDecision.applied_s``, added to the entry times of a batch):

- ``|estimate| <= threshold_s``: nothing (the clocks agree well enough).
- **Ahead** (``estimate < -threshold_s``): a negative sample is proof, since no delay makes
  one; applied at once. It under-corrects by at most the smallest transit delay.
- **Behind** (``estimate > threshold_s``): a large sample may also be a batch that waited
  (a broker queue drained after the centre was down, a replay). So a *new* behind
  correction needs evidence: samples spanning at least ``confirm_s`` of the centre's time
  that agree within ``jitter_s`` (a drained queue gives samples falling quickly: refused).
  Once applied, it follows the estimate while that stays beyond the threshold.
- A batch id seen recently (``recent_batches``) is a replay: it measures nothing.
- ``sent_at`` going back by more than ``step_back_s`` from the newest one seen: the edge's
  clock was stepped back (fixed); the window restarts from that sample.

Thread-safe; the centre's clock is the caller's (injected).
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ClockSettings:
    threshold_s: float = 2.0
    """An offset up to this is left alone."""
    window_s: float = 600.0
    """Samples older than this (centre time) are forgotten."""
    confirm_s: float = 60.0
    """A new *behind* correction needs agreeing samples over at least this long."""
    jitter_s: float = 5.0
    """How far apart those samples may be."""
    step_back_s: float = 5.0
    """``sent_at`` this far behind the newest one seen: the edge's clock stepped back."""
    recent_batches: int = 4_096
    """Batch ids remembered per edge, to tell a replay."""

    def __post_init__(self) -> None:
        if not self.threshold_s > 0:
            raise ValueError(f"threshold_s must be > 0, got {self.threshold_s}")
        if not self.window_s > self.confirm_s >= 0:
            raise ValueError("window_s must be > confirm_s >= 0")
        if self.jitter_s < 0 or self.step_back_s < 0 or self.recent_batches < 1:
            raise ValueError("jitter_s and step_back_s must be >= 0, recent_batches >= 1")


@dataclass(frozen=True, slots=True)
class ClockDecision:
    applied_s: float
    """Seconds to add to the edge's times (0: uncorrected)."""
    estimate_s: float | None
    """The window's estimate (``None``: no sample yet, or a replay with none)."""
    changed: bool
    """The correction started, stopped or moved by more than the threshold."""
    replay: bool = False


@dataclass(slots=True)
class _Edge:
    samples: deque[tuple[datetime, float]] = field(default_factory=deque)
    newest_sent: datetime | None = None
    applied_s: float = 0.0
    batches: OrderedDict[str, None] = field(default_factory=OrderedDict)


class ClockOffsets:
    """Per-edge clock offset estimates and the correction to apply."""

    def __init__(self, settings: ClockSettings | None = None) -> None:
        self._settings = settings or ClockSettings()
        self._edges: dict[str, _Edge] = {}
        self._lock = threading.Lock()

    @property
    def settings(self) -> ClockSettings:
        return self._settings

    def applied(self, edge: str) -> float:
        """The correction in force for ``edge`` (0 when none)."""
        with self._lock:
            state = self._edges.get(edge)
            return 0.0 if state is None else state.applied_s

    def observe(
        self, edge: str, batch_id: str, sent_at: datetime, received_at: datetime
    ) -> ClockDecision:
        """Take one batch's ``sent_at`` into ``edge``'s estimate; the correction for it."""
        settings = self._settings
        with self._lock:
            state = self._edges.setdefault(edge, _Edge())
            if batch_id in state.batches:
                state.batches.move_to_end(batch_id)
                estimate = min((s for _t, s in state.samples), default=None)
                return ClockDecision(state.applied_s, estimate, changed=False, replay=True)
            state.batches[batch_id] = None
            while len(state.batches) > settings.recent_batches:
                state.batches.popitem(last=False)
            newest = state.newest_sent
            if newest is not None and (newest - sent_at).total_seconds() > settings.step_back_s:
                state.samples.clear()
                newest = None
            state.newest_sent = sent_at if newest is None else max(newest, sent_at)
            state.samples.append((received_at, (received_at - sent_at).total_seconds()))
            while (received_at - state.samples[0][0]).total_seconds() > settings.window_s:
                state.samples.popleft()
            estimate = min(s for _t, s in state.samples)
            applied = self._decide(state, estimate, received_at)
            before, state.applied_s = state.applied_s, applied
        changed = (before == 0.0) != (applied == 0.0) or abs(applied - before) > (
            settings.threshold_s
        )
        return ClockDecision(applied, estimate, changed=changed)

    def _decide(self, state: _Edge, estimate: float, now: datetime) -> float:
        settings = self._settings
        if abs(estimate) <= settings.threshold_s:
            return 0.0
        if estimate < 0 or state.applied_s > settings.threshold_s:
            return estimate  # ahead: proven by one sample; behind: already confirmed
        samples = [s for _t, s in state.samples]
        span = (now - state.samples[0][0]).total_seconds()
        agreeing = max(samples) - min(samples) <= settings.jitter_s
        return estimate if len(samples) >= 2 and span >= settings.confirm_s and agreeing else 0.0
