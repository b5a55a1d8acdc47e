"""A report as a PDF: A4 pages laid out with matplotlib (figure text, drawn tables, the same
charts as the HTML) and written by ``PdfPages``; fonts are matplotlib's bundled DejaVu.

Layout runs in two passes: blocks are first placed on pages (a heading stays with what
follows it; a long table continues on the next page under its repeated header), then each
page is drawn, so every footer can say "page N of M".
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from kordon.reports import palette
from kordon.reports.document import (
    Chart,
    KeyFigure,
    Paragraph,
    ReportDocument,
    Table,
    Tone,
)

PAGE_W_IN = 8.27
PAGE_H_IN = 11.69
MARGIN_IN = 0.7
TOP_IN = 0.75
BOTTOM_IN = 0.8
CONTENT_W_IN = PAGE_W_IN - 2 * MARGIN_IN
BODY_PT = 9.0
TABLE_PT = 7.5
LINE_IN = 0.18
ROW_IN = 0.2
HEADING_IN = 0.45
CHART_TITLE_IN = 0.25
CHAR_W = 0.5
"""Average DejaVu Sans character width of running text, in ems (for wrapping)."""
BOLD_CHAR_W = 0.68
"""Bold digits and capitals are wider: used to size the headline figures."""
TONE_COLOURS = {
    Tone.NEUTRAL: palette.NEUTRAL,
    Tone.GOOD: palette.GOOD,
    Tone.WARN: palette.OUT,
    Tone.BAD: palette.BAD,
}


@dataclass(frozen=True, slots=True)
class _Heading:
    text: str


@dataclass(frozen=True, slots=True)
class _Lines:
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _TablePart:
    table: Table
    rows: tuple[tuple[str, ...], ...]
    header_lines: int
    continued: bool


@dataclass(frozen=True, slots=True)
class _Cover:
    document: ReportDocument


_Item = _Heading | _Lines | Chart | _TablePart | _Cover


@dataclass(frozen=True, slots=True)
class _Placed:
    top_in: float
    item: _Item


def _chars(width_in: float, size_pt: float) -> int:
    return max(4, int(width_in * 72.0 / (size_pt * CHAR_W)))


def _wrap(
    text: str, width_in: float, size_pt: float, *, break_words: bool = True
) -> tuple[str, ...]:
    lines = textwrap.wrap(text, _chars(width_in, size_pt), break_long_words=break_words)
    return tuple(lines) or ("",)


def _column_widths(table: Table) -> list[float]:
    weights = list(table.widths) or [1.0] * len(table.columns)
    total = sum(weights)
    return [CONTENT_W_IN * w / total for w in weights]


def _header_lines(table: Table) -> int:
    widths = _column_widths(table)
    return max(len(_wrap(c, w - 0.1, TABLE_PT)) for c, w in zip(table.columns, widths, strict=True))


TITLE_PT = 17.0
TITLE_LINE_IN = 0.32


def _title_lines(document: ReportDocument) -> tuple[str, ...]:
    return _wrap(document.title, CONTENT_W_IN, TITLE_PT / 0.95)  # bold is wider


def _cover_height(document: ReportDocument) -> float:
    title = TITLE_LINE_IN * len(_title_lines(document))
    height = title + 0.13 + 0.3 + 0.2 + ROW_IN * len(document.meta) + 0.2
    if document.key_figures:
        height += 0.95
    return height + LINE_IN + 0.1


def _height(item: _Item) -> float:
    if isinstance(item, _Cover):
        return _cover_height(item.document)
    if isinstance(item, _Heading):
        return HEADING_IN
    if isinstance(item, _Lines):
        return LINE_IN * len(item.lines) + 0.12
    if isinstance(item, Chart):
        return CHART_TITLE_IN + item.height_in + 0.15
    rows = max(1, len(item.rows))
    extra = LINE_IN if item.table.note and not item.continued else 0.0
    return CHART_TITLE_IN + 0.08 + 0.15 * item.header_lines + ROW_IN * rows + extra + 0.2


class _Layout:
    def __init__(self) -> None:
        self.pages: list[list[_Placed]] = [[]]
        self.y_in = TOP_IN

    @property
    def room_in(self) -> float:
        return PAGE_H_IN - BOTTOM_IN - self.y_in

    def new_page(self) -> None:
        if self.pages[-1]:
            self.pages.append([])
        self.y_in = TOP_IN

    def place(self, item: _Item) -> None:
        height = _height(item)
        if height > self.room_in:
            self.new_page()
        self.pages[-1].append(_Placed(self.y_in, item))
        self.y_in += height

    def place_table(self, table: Table) -> None:
        header = _header_lines(table)
        fixed = _height(_TablePart(table, (), header, continued=False)) - ROW_IN
        rows = table.rows
        continued = False
        while True:
            fits = int((self.room_in - fixed) / ROW_IN)
            if fits < min(3, max(1, len(rows))):
                self.new_page()
                fits = int((self.room_in - fixed) / ROW_IN)
            part = _TablePart(table, rows[:fits], header, continued)
            self.place(part)
            rows = rows[fits:]
            if not rows:
                return
            continued = True
            self.new_page()


def _layout(document: ReportDocument) -> list[list[_Placed]]:
    layout = _Layout()
    layout.place(_Cover(document))
    for section in document.sections:
        # a heading stays with its first block, and an introduction with what it introduces
        # (unless a third of the page would stay empty for it)
        leading = (
            section.blocks[:2]
            if section.blocks[:1] and isinstance(section.blocks[0], Paragraph)
            else section.blocks[:1]
        )
        need = HEADING_IN + sum(_first_height(b) for b in leading)
        if need > layout.room_in and (
            layout.room_in < PAGE_H_IN / 3
            or HEADING_IN + _first_height(leading[0]) > layout.room_in
        ):
            layout.new_page()
        layout.place(_Heading(section.heading))
        for block in section.blocks:
            if isinstance(block, Paragraph):
                layout.place(_Lines(_wrap(block.text, CONTENT_W_IN, BODY_PT)))
            elif isinstance(block, Chart):
                layout.place(block)
            else:
                layout.place_table(block)
    return layout.pages


def _first_height(block: Paragraph | Chart | Table) -> float:
    if isinstance(block, Paragraph):
        return _height(_Lines(_wrap(block.text, CONTENT_W_IN, BODY_PT)))
    if isinstance(block, Chart):
        return _height(block)
    return _height(_TablePart(block, block.rows[:3], _header_lines(block), continued=False))


def render_pdf(document: ReportDocument) -> bytes:
    """The report as PDF bytes."""
    buffer = io.BytesIO()
    metadata = {
        "Title": document.title,
        "Subject": document.subtitle,
        "Creator": "Kordon",
        "CreationDate": None,
    }
    with PdfPages(buffer, metadata=metadata) as pdf:
        for figure in page_figures(document):
            pdf.savefig(figure)
    return buffer.getvalue()


def render_page_images(document: ReportDocument, *, dpi: float = 100.0) -> list[bytes]:
    """The same pages as PNG images (to look at them, or to check them in tests)."""
    images: list[bytes] = []
    for figure in page_figures(document):
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
        images.append(buffer.getvalue())
    return images


def page_figures(document: ReportDocument) -> Iterator[Figure]:
    """One drawn A4 ``Figure`` per page, in order."""
    pages = _layout(document)
    for number, placed in enumerate(pages, start=1):
        figure = Figure(figsize=(PAGE_W_IN, PAGE_H_IN))
        FigureCanvasAgg(figure)
        painter = _Painter(figure)
        for entry in placed:
            painter.draw(entry)
        painter.frame(document, number, len(pages))
        yield figure


class _Painter:
    """Draws placed items on one page; positions are inches from the top-left corner."""

    def __init__(self, figure: Figure) -> None:
        self._figure = figure

    def _text(self, x_in: float, y_in: float, text: str, **style: object) -> None:
        self._figure.text(
            x_in / PAGE_W_IN,
            1.0 - y_in / PAGE_H_IN,
            text,
            va="top",
            **style,  # type: ignore[arg-type]
        )

    def _rect(self, x_in: float, y_in: float, w_in: float, h_in: float, **style: object) -> None:
        self._figure.add_artist(
            Rectangle(
                (x_in / PAGE_W_IN, 1.0 - (y_in + h_in) / PAGE_H_IN),
                w_in / PAGE_W_IN,
                h_in / PAGE_H_IN,
                transform=self._figure.transFigure,
                **style,  # type: ignore[arg-type]
            )
        )

    def draw(self, placed: _Placed) -> None:
        item, y = placed.item, placed.top_in
        if isinstance(item, _Cover):
            self._cover(item.document, y)
        elif isinstance(item, _Heading):
            self._text(MARGIN_IN, y + 0.1, item.text, fontsize=13, fontweight="bold")
            self._rect(MARGIN_IN, y + 0.36, CONTENT_W_IN, 0.015, color=palette.IN)
        elif isinstance(item, _Lines):
            for n, line in enumerate(item.lines):
                self._text(MARGIN_IN, y + n * LINE_IN, line, fontsize=BODY_PT)
        elif isinstance(item, Chart):
            self._chart(item, y)
        else:
            self._table(item, y)

    def frame(self, document: ReportDocument, number: int, total: int) -> None:
        bottom = PAGE_H_IN - BOTTOM_IN + 0.35
        self._rect(MARGIN_IN, bottom - 0.08, CONTENT_W_IN, 0.005, color=palette.NEUTRAL)
        self._text(MARGIN_IN, bottom, document.footer, fontsize=7, color="#555555")
        self._text(
            PAGE_W_IN - MARGIN_IN,
            bottom,
            f"page {number} of {total}",
            fontsize=7,
            color="#555555",
            ha="right",
        )
        if document.banner:
            self._rect(MARGIN_IN, 0.3, CONTENT_W_IN, 0.28, color=palette.BAD)
            self._text(
                PAGE_W_IN / 2,
                0.35,
                document.banner,
                fontsize=9,
                fontweight="bold",
                color="white",
                ha="center",
            )

    def _cover(self, document: ReportDocument, y: float) -> None:
        for line in _title_lines(document):
            self._text(MARGIN_IN, y, line, fontsize=TITLE_PT, fontweight="bold")
            y += TITLE_LINE_IN
        self._text(MARGIN_IN, y + 0.1, document.subtitle, fontsize=11, color="#555555")
        y += 0.48
        for label, value in document.meta:
            self._text(MARGIN_IN, y, label, fontsize=BODY_PT, fontweight="bold")
            self._text(MARGIN_IN + 1.5, y, value, fontsize=BODY_PT)
            y += ROW_IN
        y += 0.2
        if document.key_figures:
            self._key_figures(document.key_figures, y)
            y += 0.95
        self._text(MARGIN_IN, y, document.charts_note, fontsize=8, color="#555555")

    def _key_figures(self, figures: tuple[KeyFigure, ...], y: float) -> None:
        gap = 0.1
        width = (CONTENT_W_IN - gap * (len(figures) - 1)) / len(figures)
        for n, figure in enumerate(figures):
            x = MARGIN_IN + n * (width + gap)
            self._rect(x, y, width, 0.8, facecolor="#f4f6f8", edgecolor="#cccccc", linewidth=0.5)
            self._rect(x, y, 0.06, 0.8, color=TONE_COLOURS[figure.tone])
            inner = width - 0.2
            self._text(
                x + 0.13, y + 0.07, _cut(figure.label, inner, 7), fontsize=7, color="#555555"
            )
            size = min(12.0, inner * 72.0 / (max(1, len(figure.value)) * BOLD_CHAR_W))
            self._text(x + 0.13, y + 0.26, figure.value, fontsize=size, fontweight="bold")
            note = _wrap(figure.note, inner, 6.5)[:2]
            self._text(x + 0.13, y + 0.5, "\n".join(note), fontsize=6.5, color="#555555")

    def _chart(self, chart: Chart, y: float) -> None:
        self._text(MARGIN_IN, y, chart.title, fontsize=10, fontweight="bold")
        top = y + CHART_TITLE_IN
        box = (MARGIN_IN, top, CONTENT_W_IN, chart.height_in)
        axes = self._figure.add_axes(_fraction(box))
        chart.draw(axes)
        _fit(self._figure, axes, box)

    def _table(self, part: _TablePart, y: float) -> None:
        table = part.table
        title = table.title + (" (continued)" if part.continued else "")
        self._text(MARGIN_IN, y, title, fontsize=10, fontweight="bold")
        y += CHART_TITLE_IN + 0.05
        widths = _column_widths(table)
        header_h = 0.15 * part.header_lines + 0.08
        self._rect(MARGIN_IN, y, CONTENT_W_IN, header_h, color="#e8eef4")
        x = MARGIN_IN
        for index, (column, width) in enumerate(zip(table.columns, widths, strict=True)):
            lines = "\n".join(_wrap(column, width - 0.1, TABLE_PT, break_words=False))
            self._cell(x, y + 0.04, width, lines, numeric=table.is_numeric(index), bold=True)
            x += width
        y += header_h + 0.02
        if not part.rows:
            self._text(MARGIN_IN + 0.05, y + 0.03, table.empty, fontsize=TABLE_PT, style="italic")
            return
        for r, row in enumerate(part.rows):
            if r % 2 == 1:
                self._rect(MARGIN_IN, y, CONTENT_W_IN, ROW_IN, color="#f6f6f6")
            x = MARGIN_IN
            for index, (cell, width) in enumerate(zip(row, widths, strict=True)):
                text = _cut(cell, width - 0.1, TABLE_PT)
                self._cell(x, y + 0.04, width, text, numeric=table.is_numeric(index), bold=False)
                x += width
            y += ROW_IN
        if table.note and not part.continued:
            self._text(MARGIN_IN, y + 0.05, table.note, fontsize=7.5, color="#555555")

    def _cell(
        self, x: float, y: float, width: float, text: str, *, numeric: bool, bold: bool
    ) -> None:
        weight = "bold" if bold else "normal"
        if numeric:
            self._text(x + width - 0.05, y, text, fontsize=TABLE_PT, fontweight=weight, ha="right")
        else:
            self._text(x + 0.05, y, text, fontsize=TABLE_PT, fontweight=weight)


def _em(char: str) -> float:
    """Rough DejaVu Sans advance width of ``char`` in ems (capitals and digits are wide)."""
    if char.isdigit():
        return 0.64
    if char.isupper() or char in "mw%@":
        return 0.70
    if char.islower():
        return 0.56
    return 0.36 if char in " .,:;-/|()[]'\u202f" else 0.62


def _cut(text: str, width_in: float, size_pt: float) -> str:
    """``text`` shortened with an ellipsis to fit ``width_in`` at ``size_pt``."""
    room_em = width_in * 72.0 / size_pt
    used = 0.0
    for index, char in enumerate(text):
        used += _em(char)
        if used > room_em:
            return text[: max(0, index - 1)] + "\u2026"
    return text


def _fraction(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x, top, w, h = box
    return (x / PAGE_W_IN, 1.0 - (top + h) / PAGE_H_IN, w / PAGE_W_IN, h / PAGE_H_IN)


def _fit(figure: Figure, axes: Axes, box: tuple[float, float, float, float]) -> None:
    """Shrink ``axes`` so that it, its tick labels and legend stay inside ``box``."""
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    dpi = figure.dpi
    x, top, w, h = box
    for _ in range(2):
        tight = axes.get_tightbbox(renderer)
        if tight is None:
            return
        inner = axes.get_position()
        # how far the labels stick out of the axes, in inches, on each side
        left = inner.x0 * PAGE_W_IN - tight.x0 / dpi
        right = tight.x1 / dpi - inner.x1 * PAGE_W_IN
        bottom = inner.y0 * PAGE_H_IN - tight.y0 / dpi
        upper = tight.y1 / dpi - inner.y1 * PAGE_H_IN
        new_w = max(0.5, w - left - right)
        new_h = max(0.5, h - bottom - upper)
        axes.set_position(
            (
                (x + left) / PAGE_W_IN,
                1.0 - (top + h - bottom) / PAGE_H_IN,
                new_w / PAGE_W_IN,
                new_h / PAGE_H_IN,
            )
        )
