"""What the site tracker hands back: an ingest report and a fusion step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kordon.domain.site_tracks import SiteTracks
from kordon.fusion.health import FusionHealthEvent, RejectReason

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class IngestReport:
    """Per row of the ingested batch: ``reason`` (``RejectReason``, 0 = accepted) and
    ``seq`` (the observation's sequence number, -1 when rejected); ``events`` one health
    event per (sensor, reason) with rejections in this batch."""

    reason: npt.NDArray[np.int8]
    seq: I64
    events: tuple[FusionHealthEvent, ...]

    @property
    def accepted(self) -> int:
        return int(np.count_nonzero(self.reason == RejectReason.ACCEPTED))

    @property
    def rejected(self) -> int:
        return int(self.reason.shape[0]) - self.accepted


@dataclass(frozen=True, slots=True)
class Assignments:
    """Each processed observation (by ``seq``) and the site track it updated or started."""

    seq: I64
    site_track_id: I64

    def __len__(self) -> int:
        return int(self.seq.shape[0])


@dataclass(frozen=True, slots=True)
class FusionStep:
    """The result of advancing the tracker to ``tracks.time_s``: every live track (filter
    ``tracks.confirmed`` for rules), the ids deleted in this step, the assignments made."""

    tracks: SiteTracks
    deleted: I64
    assignments: Assignments
