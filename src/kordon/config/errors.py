"""Configuration errors: every problem in a site file, with file, line and field path."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kordon.domain.errors import KordonError


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a site file.

    ``line`` and ``column`` are 1-based; ``None`` when the problem has no position
    (an unreadable file). ``path`` is the field path, e.g. ``cameras[0].source.url``.
    """

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def format(self) -> str:
        """``site.yaml:12:5: cameras[0].sorce: unknown field; did you mean 'source'?``"""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f"{self.path}: " if self.path else ""
        return f"{where}: {field}{self.message}"


class ConfigError(KordonError, ValueError):
    """A site file is invalid; carries every issue found, sorted by line."""

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        if not issues:
            raise ValueError("ConfigError needs at least one issue")
        self.issues: tuple[ConfigIssue, ...] = tuple(
            sorted(issues, key=lambda i: (i.line or 0, i.column or 0, i.path))
        )
        count = len(self.issues)
        header = f"{count} problem{'s' if count != 1 else ''} in site configuration:"
        super().__init__("\n".join([header, *(i.format() for i in self.issues)]))


class GeoJsonError(KordonError, ValueError):
    """A GeoJSON file referenced by the site file cannot be used as a border line."""


class BorderGeometryError(KordonError, ValueError):
    """A border's clip or orientation settings do not fit its line."""
