"""``ReportWriter``: renders a document, writes the file atomically, hashes it, records it."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from datetime import datetime
from pathlib import Path

from kordon.reports.document import ReportDocument
from kordon.reports.errors import ReportError
from kordon.reports.html_render import render_html
from kordon.reports.output import ReportFormat, ReportKind
from kordon.reports.pdf_render import render_pdf
from kordon.reports.period import ReportPeriod
from kordon.reports.record import ReportRecord, ReportSink


def render(document: ReportDocument, fmt: ReportFormat) -> bytes:
    return render_pdf(document) if fmt is ReportFormat.PDF else render_html(document)


class ReportWriter:
    """Writes reports and hands each to ``sink`` (the ledger). If the sink fails, the file
    is removed again and the error raised: no report exists that the ledger does not know."""

    def __init__(self, sink: ReportSink) -> None:
        self._sink = sink

    def write(
        self,
        document: ReportDocument,
        path: Path,
        *,
        kind: ReportKind,
        subject: str,
        period: ReportPeriod,
        fmt: ReportFormat,
        generated_at: datetime,
        generated_by: str,
    ) -> ReportRecord:
        content = render(document, fmt)
        _write_atomically(path, content)
        record = ReportRecord(
            kind=kind,
            subject=subject,
            period=period,
            format=fmt,
            path=path,
            sha256=hashlib.sha256(content).hexdigest(),
            size_bytes=len(content),
            title=document.title,
            generated_at=generated_at,
            generated_by=generated_by,
        )
        try:
            self._sink(record)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return record


def _write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` through a synced temporary file in the same folder."""
    directory = path.parent
    if not directory.is_dir():
        raise ReportError(f"cannot write {path}: folder {directory} does not exist")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as exc:
        raise ReportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise ReportError(f"cannot write {path}: {exc.strerror or exc}") from exc
