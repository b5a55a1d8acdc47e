"""``ReportRecord``: what is known of a generated report file, and where it is recorded.

Every generated report is handed to a ``ReportSink`` right after it is written; the node's
sink is :func:`ledger_sink`, which hashes the file into the evidence ledger, so a report
shown later can be checked against the ledger (``sha256sum`` against ``kordon ledger``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from pydantic import JsonValue

from kordon.evidence.entry import EntryKind
from kordon.reports.output import ReportFormat, ReportKind
from kordon.reports.period import ReportPeriod


@dataclass(frozen=True, slots=True)
class ReportRecord:
    kind: ReportKind
    subject: str
    """``sector:<id>``, ``site:<id>`` (every sector) or ``project:<id>``."""
    period: ReportPeriod
    format: ReportFormat
    path: Path
    sha256: str
    size_bytes: int
    title: str
    generated_at: datetime
    generated_by: str

    def ledger_payload(self) -> dict[str, JsonValue]:
        return {
            "report": str(self.kind),
            "title": self.title,
            "format": str(self.format),
            "from": self.period.first_day.isoformat(),
            "to": self.period.last_day.isoformat(),
            "timezone": self.period.timezone,
            "bytes": self.size_bytes,
            "generated_by": self.generated_by,
            "name": self.path.name,
        }


ReportSink = Callable[[ReportRecord], None]
"""Called once per generated report, after its file is complete; raising undoes it."""


class FileRecorder(Protocol):
    """What :func:`ledger_sink` needs of the evidence log (``EvidenceLog.record_file``)."""

    def record_file(
        self,
        kind: EntryKind,
        subject: str,
        path: Path,
        *,
        payload: dict[str, JsonValue],
        time: datetime,
    ) -> None: ...


def ledger_sink(recorder: FileRecorder) -> ReportSink:
    """A sink writing one ``export`` ledger entry per report: its SHA-256, subject
    ``report:<subject>`` and the period, format and author in the payload (files inside
    the data directory are also named, so ``kordon ledger verify`` re-hashes them)."""

    def record(report: ReportRecord) -> None:
        recorder.record_file(
            EntryKind.EXPORT,
            f"report:{report.subject}",
            report.path,
            payload=report.ledger_payload(),
            time=report.generated_at,
        )

    return record
