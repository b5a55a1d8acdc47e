"""Report kinds and output formats, with the errors a user sees for bad ones."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from kordon.reports.errors import ReportInputError


class ReportKind(StrEnum):
    SECTOR = "sector"
    PROJECT = "project"

    @classmethod
    def parse(cls, text: str) -> ReportKind:
        try:
            return cls(text.strip().lower())
        except ValueError:
            valid = ", ".join(k.value for k in cls)
            raise ReportInputError(f"unknown report kind {text!r}; use one of: {valid}") from None


class ReportFormat(StrEnum):
    PDF = "pdf"
    HTML = "html"

    @property
    def media_type(self) -> str:
        return "application/pdf" if self is ReportFormat.PDF else "text/html; charset=utf-8"

    @property
    def suffix(self) -> str:
        return f".{self.value}"

    @classmethod
    def for_path(cls, path: Path) -> ReportFormat:
        """The format an output file's extension names (``.pdf``, ``.html`` or ``.htm``)."""
        suffix = path.suffix.lower()
        if suffix == ".pdf":
            return cls.PDF
        if suffix in {".html", ".htm"}:
            return cls.HTML
        shown = suffix or "no extension"
        raise ReportInputError(
            f"cannot tell the format of {path.name!r} ({shown}): name the output file "
            "*.pdf or *.html"
        )
