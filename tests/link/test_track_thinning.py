"""Track updates thinned for the link: first, last and class changes always, otherwise one
per track per interval; waiting updates superseded; the test drives the clock."""

from __future__ import annotations

import pytest

from kordon.domain.live_track import LiveTrack
from kordon.link.track_thinning import ThinningSettings, TrackThinning
from tests.link.support import ManualSeconds, at


def _track(track_id: str, n: int, class_name: str | None = "person") -> LiveTrack:
    return LiveTrack(
        track_id=track_id,
        camera_id=None,
        lat=51.0 + n * 1e-4,
        lon=24.0,
        class_name=class_name,
        time=at(n),
    )


def _all(thinning: TrackThinning) -> list[tuple[str, float]]:
    return [(t.track_id, t.lat) for t in thinning.take(10_000, lambda _t: True)]


def test_one_update_per_interval_with_the_first_and_the_last() -> None:
    clock = ManualSeconds()
    thinning = TrackThinning(clock, ThinningSettings(interval_s=5, end_after_s=10))
    sent: list[float] = []
    for n in range(23):  # one update a second for 23 s, the sender taking what waits
        thinning.offer(_track("t-1", n))
        sent += [lat for _id, lat in _all(thinning)]
        clock.advance(1)
    # kept: the first (0), then every 5 s (5, 10, 15, 20); 21 and 22 held as "latest"
    assert [round((lat - 51) * 1e4) for lat in sent] == [0, 5, 10, 15, 20]
    clock.advance(8.9)  # 10 s after the last update, less a tenth
    assert _all(thinning) == []  # not ended yet
    clock.advance(0.1)
    assert [round((lat - 51) * 1e4) for _id, lat in _all(thinning)] == [22]  # its last
    counts = thinning.counts()
    assert counts.offered == 23
    assert counts.reasons == {"first": 1, "interval": 4, "last": 1}
    assert counts.sent == 6
    assert counts.superseded == 0
    clock.advance(100)
    assert _all(thinning) == []  # forgotten once ended


def test_a_class_change_is_kept_at_once() -> None:
    clock = ManualSeconds()
    thinning = TrackThinning(clock, ThinningSettings(interval_s=5))
    thinning.offer(_track("t-1", 0, "unknown"))
    clock.advance(1)
    thinning.offer(_track("t-1", 1, "unknown"))
    clock.advance(1)
    thinning.offer(_track("t-1", 2, "person"))
    clock.advance(1)
    thinning.offer(_track("t-1", 3, "person"))
    taken = thinning.take(100, lambda _t: True)
    assert [(t.class_name, t.time) for t in taken] == [("unknown", at(0)), ("person", at(2))]


def test_a_waiting_update_is_superseded_but_never_a_first_a_class_change_or_a_last() -> None:
    clock = ManualSeconds()
    thinning = TrackThinning(clock, ThinningSettings(interval_s=1, end_after_s=5))
    thinning.offer(_track("t-1", 0))  # first
    thinning.offer(_track("t-2", 0))  # another track's first
    for n in range(1, 4):  # three interval updates, nothing taken meanwhile
        clock.advance(1)
        thinning.offer(_track("t-1", n))
    clock.advance(1)
    thinning.offer(_track("t-1", 4, "vehicle"))  # a class change
    clock.advance(0.5)
    thinning.offer(_track("t-1", 5, "vehicle"))  # within the interval: held as latest
    clock.advance(6)  # both tracks ended
    taken = [(t.track_id, t.time, t.class_name) for t in thinning.take(100, lambda _t: True)]
    assert taken == [
        ("t-1", at(0), "person"),  # first
        ("t-2", at(0), "person"),  # first
        ("t-1", at(4), "vehicle"),  # class change (the interval updates 1-3 superseded)
        ("t-1", at(5), "vehicle"),  # last
    ]
    assert thinning.counts().superseded == 3  # 1 by 2, 2 by 3, 3 by the class change


def test_take_stops_where_the_budget_does_and_keeps_the_rest() -> None:
    thinning = TrackThinning(ManualSeconds())
    for n in range(5):
        thinning.offer(_track(f"t-{n}", n))
    seen: list[str] = []

    def fits(track: LiveTrack) -> bool:
        seen.append(track.track_id)
        return len(seen) <= 2

    assert [t.track_id for t in thinning.take(100, fits)] == ["t-0", "t-1"]
    assert thinning.waiting() == 3
    assert [t.track_id for t in thinning.take(2, lambda _t: True)] == ["t-2", "t-3"]
    assert thinning.waiting() == 1


def test_too_many_waiting_drops_droppable_ones_first() -> None:
    clock = ManualSeconds()
    thinning = TrackThinning(clock, ThinningSettings(interval_s=1, max_waiting=3))
    for n in range(3):
        thinning.offer(_track(f"t-{n}", 0))  # three firsts
    clock.advance(1)
    thinning.offer(_track("t-0", 1))  # an interval update: the queue overflows
    assert thinning.counts().overflowed == 1
    assert [(t.track_id, t.time) for t in thinning.take(10, lambda _t: True)] == [
        ("t-0", at(0)),
        ("t-1", at(0)),
        ("t-2", at(0)),
    ]


@pytest.mark.parametrize("options", [{"interval_s": 0}, {"end_after_s": -1}, {"max_waiting": 0}])
def test_nonsense_settings_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        ThinningSettings(**options)  # type: ignore[arg-type]
