"""Identity metrics on simulated truth: track purity and id continuity across handover."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class IdentityScores:
    """``purity``: share of the (true-object) observations of each site track that come
    from its dominant object, over all tracks. ``handover_continuity``: share of
    handovers (an object entering another sensor's view, or re-entering one after
    ``gap_s``) where the site track id stays the one the object had just before.
    ``id_switches``: times an object's site track id changes between two consecutive
    observations of it."""

    purity: float
    handover_continuity: float
    handovers: int
    id_switches: int


def identity_scores(
    *,
    truth_id: I64,
    sensor_id: npt.NDArray[np.str_],
    time_s: F64,
    site_track_id: I64,
    gap_s: float = 1.0,
) -> IdentityScores:
    """Scores over observations with truth ``truth_id`` (-1 = clutter, skipped) and the
    ``site_track_id`` each was assigned (-1 = rejected or unprocessed, skipped)."""
    use = (truth_id >= 0) & (site_track_id >= 0)
    truth, sensor, t, site = truth_id[use], sensor_id[use], time_s[use], site_track_id[use]
    # Purity: per site track, its dominant object's share.
    dominant = 0
    if site.size:
        pairs = np.stack([site, truth], axis=1)
        uniq, counts = np.unique(pairs, axis=0, return_counts=True)
        best: dict[int, int] = {}
        for (s, _), c in zip(uniq.tolist(), counts.tolist(), strict=True):
            best[s] = max(best.get(s, 0), c)
        dominant = sum(best.values())
    purity = dominant / site.size if site.size else 1.0
    handovers = continuous = switches = 0
    for obj in np.unique(truth).tolist():
        rows = np.flatnonzero(truth == obj)
        rows = rows[np.lexsort((sensor[rows], t[rows]))]
        last_seen: dict[str, float] = {}
        previous_site = -1
        for k, row in enumerate(rows.tolist()):
            s, time, track = str(sensor[row]), float(t[row]), int(site[row])
            if k > 0 and track != previous_site:
                switches += 1
            entering = s not in last_seen or time - last_seen[s] > gap_s
            if k > 0 and entering:
                handovers += 1
                continuous += int(track == previous_site)
            last_seen[s] = time
            previous_site = track
    return IdentityScores(
        purity=float(purity),
        handover_continuity=continuous / handovers if handovers else 1.0,
        handovers=handovers,
        id_switches=switches,
    )
