"""``ReportDocument``: a report laid out as sections of text, headline figures, charts and
tables, independent of the output format (the HTML and PDF renderers read the same one)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from matplotlib.axes import Axes


class Tone(StrEnum):
    """How a headline figure reads: fine, worth a look, or a problem."""

    NEUTRAL = "neutral"
    GOOD = "good"
    WARN = "warn"
    BAD = "bad"


@dataclass(frozen=True, slots=True)
class KeyFigure:
    """One headline number: ``label`` over ``value``, with a short ``note`` below."""

    label: str
    value: str
    note: str = ""
    tone: Tone = Tone.NEUTRAL


@dataclass(frozen=True, slots=True)
class Chart:
    """A plot: ``draw`` fills one matplotlib ``Axes`` (any renderer's size and backend)."""

    title: str
    draw: Callable[[Axes], None]
    description: str
    """What the chart shows, in words (the HTML ``alt``/``aria-label`` text)."""
    height_in: float = 2.8


@dataclass(frozen=True, slots=True)
class Table:
    """A table of text cells; ``numeric`` columns are right-aligned."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    empty: str = "None in this period."
    note: str = ""
    widths: tuple[float, ...] = ()
    """Relative column widths for the PDF (equal when empty)."""

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"table {self.title!r}: a row has {len(row)} cells for "
                    f"{len(self.columns)} columns"
                )
        for name in ("numeric", "widths"):
            given = getattr(self, name)
            if given and len(given) != len(self.columns):
                raise ValueError(f"table {self.title!r}: {name} needs one entry per column")

    def is_numeric(self, column: int) -> bool:
        return bool(self.numeric) and self.numeric[column]


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str


Block = Paragraph | Chart | Table


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    blocks: tuple[Block, ...] = ()


@dataclass(frozen=True, slots=True)
class ReportDocument:
    """A whole report. ``meta`` rows (label, value) head the first page; ``banner`` is a
    line shown prominently on every page (``DEMO DATA``), empty for none."""

    title: str
    subtitle: str
    meta: tuple[tuple[str, str], ...]
    key_figures: tuple[KeyFigure, ...]
    sections: tuple[Section, ...]
    footer: str
    banner: str = ""
    charts_note: str = field(default="Times are the site's local time unless marked UTC.")
