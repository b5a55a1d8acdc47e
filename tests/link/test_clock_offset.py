"""``ClockOffsets``: an edge's clock offset from ``sent_at``, corrected only on evidence.

The centre's clock and every ``sent_at`` are given by the test: no real time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kordon.link.clock_offset import ClockOffsets, ClockSettings
from tests.link.support import T0, at

HOURS_3 = 3 * 3600.0


def _feed(
    offsets: ClockOffsets, edge_offset_s: float, times: list[float], delay_s: float = 0.2
) -> float:
    """Batches sent at centre times ``times`` by an edge whose clock is ``edge_offset_s``
    behind (negative: ahead), each ``delay_s`` in transit; the last correction."""
    applied = 0.0
    for t in times:
        sent_at = at(t) - timedelta(seconds=edge_offset_s)
        decision = offsets.observe("edge-a", f"b-{t}", sent_at, at(t + delay_s))
        applied = decision.applied_s
    return applied


def test_a_clock_hours_behind_is_corrected_once_agreeing_samples_span_confirm_s() -> None:
    offsets = ClockOffsets(ClockSettings(confirm_s=60, jitter_s=5))
    assert _feed(offsets, HOURS_3, [0, 20, 40]) == 0.0  # 40 s of evidence: not yet
    applied = _feed(offsets, HOURS_3, [60])
    assert applied == pytest.approx(HOURS_3 + 0.2)  # the smallest transit is included
    assert offsets.applied("edge-a") == applied
    assert offsets.applied("edge-b") == 0.0  # per edge


def test_a_clock_ahead_is_corrected_from_the_first_batch() -> None:
    offsets = ClockOffsets()
    decision = offsets.observe("edge-a", "b-1", at(HOURS_3), at(0.3))
    assert decision.changed
    assert decision.applied_s == pytest.approx(-HOURS_3 + 0.3)


def test_a_small_offset_is_left_alone() -> None:
    offsets = ClockOffsets(ClockSettings(threshold_s=2.0, confirm_s=10))
    assert _feed(offsets, 1.5, [0, 10, 20, 30]) == 0.0
    assert _feed(offsets, -1.5, [40]) == 0.0


def test_a_drained_broker_queue_is_not_taken_for_a_clock_behind() -> None:
    """The centre was down 30 min: the broker hands it 30 minutes of batches in 90 s, the
    oldest waited longest. Samples fall from 1,800 s to 0: they disagree, no correction."""
    offsets = ClockOffsets(ClockSettings(confirm_s=60, jitter_s=5))
    for n in range(91):
        sent = at(n * 20.0 - 1800.0 + n)  # one batch every 20 s of the outage's sending
        received = at(n)  # ...arriving one a second once the centre is back
        decision = offsets.observe("edge-a", f"q-{n}", sent, received)
        assert decision.applied_s == 0.0, n
    # live traffic afterwards, right clock: still nothing to correct
    assert _feed(offsets, 0.0, [100, 130, 160]) == 0.0


def test_a_replayed_old_batch_measures_nothing_and_is_not_corrected() -> None:
    offsets = ClockOffsets(ClockSettings(confirm_s=60, window_s=600))
    assert _feed(offsets, 0.0, [0, 30, 60]) == 0.0
    # The batch of t=0 comes again an hour later (its sent_at an hour old): a replay.
    decision = offsets.observe("edge-a", "b-0", at(0), at(3600))
    assert decision.replay
    assert decision.applied_s == 0.0
    assert not decision.changed
    # An unknown batch an hour old, alone in an empty window: one sample proves nothing.
    decision = offsets.observe("edge-a", "old-1", at(3000), at(3600 + 3000))
    assert decision.applied_s == 0.0
    decision = offsets.observe("edge-a", "old-2", at(3001), at(3600 + 3001))
    assert decision.applied_s == 0.0  # nor two, a second apart


def test_a_replay_does_not_undo_a_correction_in_force() -> None:
    offsets = ClockOffsets(ClockSettings(confirm_s=60))
    applied = _feed(offsets, HOURS_3, [0, 30, 60])
    assert applied > 0
    decision = offsets.observe("edge-a", "b-0", at(0) - timedelta(hours=3), at(90))
    assert decision.replay
    assert decision.applied_s == applied


def test_a_clock_fixed_stops_the_correction_at_once_ahead_and_behind() -> None:
    behind = ClockOffsets(ClockSettings(confirm_s=60))
    assert _feed(behind, HOURS_3, [0, 30, 60]) > 0
    decision = behind.observe("edge-a", "fixed", at(90), at(90.1))  # stepped forward: right
    assert decision.changed
    assert decision.applied_s == 0.0

    ahead = ClockOffsets()
    assert _feed(ahead, -HOURS_3, [0, 30]) < 0
    # stepped back three hours: the old (ahead) samples are forgotten at once
    decision = ahead.observe("edge-a", "fixed", at(60), at(60.2))
    assert decision.changed
    assert decision.applied_s == 0.0
    assert _feed(ahead, 0.0, [90, 120]) == 0.0


def test_a_correction_in_force_follows_the_estimate_and_reports_big_moves_only() -> None:
    offsets = ClockOffsets(ClockSettings(threshold_s=2.0, confirm_s=0.5, window_s=30))
    first = offsets.observe("edge-a", "a", at(100), at(0))
    assert first.changed
    assert first.applied_s == -100.0
    small = offsets.observe("edge-a", "b", at(101.5), at(1))  # ahead by 100.5: +0.5 s
    assert small.applied_s == -100.5
    assert not small.changed
    big = offsets.observe("edge-a", "c", at(112), at(2))  # stepped ahead by 10 s more
    assert big.applied_s == -110.0
    assert big.changed


def test_old_samples_leave_the_window() -> None:
    offsets = ClockOffsets(ClockSettings(confirm_s=10, window_s=60))
    # one fast sample (0.1 s) then slow ones (4 s): the window remembers the fast one...
    offsets.observe("edge-a", "fast", at(-HOURS_3), at(0.1))
    for n in range(1, 6):  # received up to 54 s
        decision = offsets.observe("edge-a", f"s{n}", at(n * 10 - HOURS_3), at(n * 10 + 4))
    assert decision.estimate_s == pytest.approx(HOURS_3 + 0.1)
    # ...until it is older than window_s
    decision = offsets.observe("edge-a", "late", at(70 - HOURS_3), at(74))
    assert decision.estimate_s == pytest.approx(HOURS_3 + 4)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"threshold_s": 0}, "threshold_s"),
        ({"window_s": 10, "confirm_s": 10}, "window_s"),
        ({"jitter_s": -1}, "jitter_s"),
        ({"recent_batches": 0}, "recent_batches"),
    ],
)
def test_settings_refuse_nonsense(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ClockSettings(**options)  # type: ignore[arg-type]


def test_remembered_batch_ids_are_bounded() -> None:
    offsets = ClockOffsets(ClockSettings(recent_batches=2))
    for name in ("a", "b", "c"):
        offsets.observe("edge-a", name, T0, T0)
    assert not offsets.observe("edge-a", "a", T0, T0).replay  # forgotten: measured again
    assert offsets.observe("edge-a", "c", T0, T0).replay
