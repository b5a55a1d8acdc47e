"""``replay``: feed recorded or simulated observations to a site tracker as they arrived."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kordon.domain.observations import Observations
from kordon.domain.site_tracks import SiteTracks
from kordon.fusion.tracker import SiteTracker

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """``site_track_id`` per input row (-1: rejected); ``snapshots`` the tracks after each
    ``sample_every``-th step; ``rejected`` the number of rows rejected at ingest."""

    site_track_id: I64
    snapshots: tuple[SiteTracks, ...]
    rejected: int


def replay(
    tracker: SiteTracker,
    obs: Observations,
    arrival_s: F64,
    *,
    period_s: float = 0.05,
    sample_every: int = 10,
    flush_s: float = 5.0,
) -> ReplayResult:
    """Deliver rows (sorted by ``arrival_s``) in batches every ``period_s``: each batch is
    ingested and the tracker advanced at the batch's delivery time. ``flush_s`` after
    the last arrival every buffered observation has been processed."""
    if not period_s > 0:
        raise ValueError(f"period_s must be > 0, got {period_s}")
    n = len(obs)
    seq_of_row = np.full(n, -1, np.int64)
    seqs: list[I64] = []
    ids: list[I64] = []
    snapshots: list[SiteTracks] = []
    rejected = 0
    if n == 0:
        return ReplayResult(seq_of_row, (), 0)
    now = float(arrival_s[0])
    end = float(arrival_s[-1]) + flush_s
    i = 0
    step = 0
    while now <= end:
        j = int(np.searchsorted(arrival_s, now, side="right"))
        if j > i:
            report = tracker.ingest(obs[i:j], now)
            seq_of_row[i:j] = report.seq
            rejected += report.rejected
            i = j
        result = tracker.advance(now)
        seqs.append(result.assignments.seq)
        ids.append(result.assignments.site_track_id)
        if step % sample_every == 0:
            snapshots.append(result.tracks)
        step += 1
        now += period_s
    seq = np.concatenate(seqs)
    site = np.concatenate(ids)
    lookup = np.full(max(int(seq_of_row.max()) + 1, 1), -1, np.int64)
    lookup[seq] = site
    out = np.where(seq_of_row >= 0, lookup[np.maximum(seq_of_row, 0)], -1)
    return ReplayResult(out.astype(np.int64), tuple(snapshots), rejected)
