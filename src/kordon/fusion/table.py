"""``TrackTable``: the live tracks as parallel arrays (struct of arrays), rows by age.

Rows stay in creation order and site track ids only grow, so ``site_track_id`` is sorted
and rows are found by binary search (``np.searchsorted``). Deletion compacts every array
with one mask.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class TrackTable:
    """State (east, north, v_east, v_north) with covariance, time of that state, and
    bookkeeping: confirmation, hit history, last update, class, supporting sensors, and
    the primary sensor."""

    def __init__(self, n_sensors: int) -> None:
        self.site_track_id: I64 = np.zeros(0, np.int64)
        self.mean: F64 = np.zeros((0, 4))
        self.cov: F64 = np.zeros((0, 4, 4))
        self.time_s: F64 = np.zeros(0)
        self.last_update_s: F64 = np.zeros(0)
        self.confirmed: BoolArray = np.zeros(0, np.bool_)
        self.history: npt.NDArray[np.uint16] = np.zeros(0, np.uint16)
        self.class_name: npt.NDArray[np.str_] = np.zeros(0, "<U32")
        self.confidence: F64 = np.zeros(0)
        self.seen_by: BoolArray = np.zeros((0, n_sensors), np.bool_)
        # The sensor whose local ids steer association (see ``SiteTracker``) and when it
        # last supported the track.
        self.primary: I64 = np.zeros(0, np.int64)
        self.primary_s: F64 = np.zeros(0)

    def __len__(self) -> int:
        return int(self.site_track_id.shape[0])

    def append(
        self,
        *,
        site_track_id: I64,
        mean: F64,
        cov: F64,
        time_s: float,
        sensor_index: int,
        class_name: npt.NDArray[np.str_],
        confidence: F64,
        confirmed: BoolArray,
    ) -> None:
        k = site_track_id.shape[0]
        seen = np.zeros((k, self.seen_by.shape[1]), np.bool_)
        seen[:, sensor_index] = True
        self.site_track_id = np.concatenate([self.site_track_id, site_track_id])
        self.mean = np.concatenate([self.mean, mean])
        self.cov = np.concatenate([self.cov, cov])
        self.time_s = np.concatenate([self.time_s, np.full(k, time_s)])
        self.last_update_s = np.concatenate([self.last_update_s, np.full(k, time_s)])
        self.confirmed = np.concatenate([self.confirmed, confirmed])
        self.history = np.concatenate([self.history, np.ones(k, np.uint16)])
        self.class_name = np.concatenate([self.class_name, class_name.astype("<U32")])
        self.confidence = np.concatenate([self.confidence, confidence])
        self.seen_by = np.concatenate([self.seen_by, seen])
        self.primary = np.concatenate([self.primary, np.full(k, sensor_index, np.int64)])
        self.primary_s = np.concatenate([self.primary_s, np.full(k, time_s)])

    def keep(self, mask: BoolArray) -> None:
        """Keep only the rows where ``mask`` is true."""
        self.site_track_id = self.site_track_id[mask]
        self.mean = self.mean[mask]
        self.cov = self.cov[mask]
        self.time_s = self.time_s[mask]
        self.last_update_s = self.last_update_s[mask]
        self.confirmed = self.confirmed[mask]
        self.history = self.history[mask]
        self.class_name = self.class_name[mask]
        self.confidence = self.confidence[mask]
        self.seen_by = self.seen_by[mask]
        self.primary = self.primary[mask]
        self.primary_s = self.primary_s[mask]
