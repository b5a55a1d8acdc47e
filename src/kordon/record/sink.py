"""Where each closed segment's hash goes (the evidence ledger, wired by the composition root)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class SegmentSink(Protocol):
    """Records a closed segment's hash; the lead wires it to ``kordon.evidence.Ledger``."""

    def record_segment(
        self,
        camera_id: str,
        path_rel: str,
        *,
        sha256: str,
        start: datetime,
        end: datetime,
        time: datetime,
    ) -> None: ...


EvidenceRecorder = SegmentSink


class NullSegmentSink:
    """Records nothing (no ledger configured)."""

    def record_segment(
        self,
        camera_id: str,
        path_rel: str,
        *,
        sha256: str,
        start: datetime,
        end: datetime,
        time: datetime,
    ) -> None:
        del camera_id, path_rel, sha256, start, end, time
