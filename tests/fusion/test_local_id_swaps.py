"""A camera whose tracker swaps two people's ids must not swap the site tracks.

The primary sensor's local ids pull association (``local_id_bonus``); they must not pull
a site track onto the other person when the camera's tracker swapped them and the id
jumped to the other person. (Two people passing head-on while a tower swaps them: see
``tests/site/test_passing_walkers.py``.)
"""

from __future__ import annotations

from kordon.fusion.tracker import SiteTracker
from tests.fusion.builders import T0, obs, tracker

DT_S = 0.2


def _feed(
    trk: SiteTracker,
    steps: range,
    paths: dict[str, tuple[tuple[float, float], tuple[float, float]]],
    ids_of: dict[str, str],
    *,
    sigma_m: float,
) -> dict[str, int]:
    """Each walker (start, velocity) reported under ``ids_of[walker]`` by cam-1, and by
    cam-2 (its own ids, never swapped) every other step; the site track of each walker's
    last cam-1 report."""
    last: dict[str, int] = {}
    for k in steps:
        t = T0 + k * DT_S
        names = sorted(paths)
        points = [
            (paths[n][0][0] + paths[n][1][0] * k * DT_S, paths[n][0][1] + paths[n][1][1] * k * DT_S)
            for n in names
        ]
        _, step = trk.update(
            obs(points, time_s=t, sigma_m=sigma_m, local_ids=[ids_of[n] for n in names]), t
        )
        last = dict(zip(names, step.assignments.site_track_id.tolist(), strict=True))
        if k % 2:
            t2 = t + 0.01
            trk.update(obs(points, time_s=t2, sensor="cam-2", sigma_m=sigma_m, local_ids=names), t2)
    return last


def test_an_id_that_jumps_to_the_other_walker_does_not_take_the_track_along() -> None:
    trk = tracker(reorder_lag_s=0.0, local_id_bonus=8.0)
    # Two people 3 m apart walking north side by side (alike: only ids tell them apart
    # when the reports are noisy), cam-1 their primary sensor.
    paths = {"left": ((0.0, 0.0), (0.0, 1.3)), "right": ((3.0, 0.0), (0.0, 1.3))}
    before = _feed(trk, range(20), paths, {"left": "a", "right": "b"}, sigma_m=1.5)
    # cam-1's tracker swaps them: "a" now reports the right walker, 3 m from its last
    # report; "b" the left one.
    after = _feed(trk, range(20, 30), paths, {"left": "b", "right": "a"}, sigma_m=1.5)
    assert after == before
