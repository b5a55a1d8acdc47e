"""A report as one self-contained HTML page: inline CSS, charts as inline SVG, no external
URL of any kind (it opens offline, and from an e-mail or a USB stick)."""

from __future__ import annotations

import io
from html import escape

from matplotlib.figure import Figure

from kordon.reports.document import Chart, KeyFigure, Paragraph, ReportDocument, Section, Table

CHART_WIDTH_IN = 7.2
NUM_CELL = '<td class="num">'

STYLE = """
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;color:#222;max-width:60rem;
margin:1.5rem auto;padding:0 1rem;line-height:1.4}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;border-bottom:2px solid #0072B2;
padding-bottom:.2rem;margin-top:2rem}h3{font-size:1rem;margin:1rem 0 .3rem}
.subtitle{color:#555;margin:0 0 1rem}.banner{background:#D55E00;color:#fff;font-weight:bold;
padding:.4rem .8rem;text-align:center;letter-spacing:.05em}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.3rem 0 1rem}
th,td{padding:.25rem .5rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
th{background:#f0f4f8}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr:nth-child(even) td{background:#fafafa}table.meta th{width:12rem;background:none}
.figures{display:flex;flex-wrap:wrap;gap:.6rem;margin:1rem 0}
.figure{flex:1 1 10rem;border:1px solid #ccc;border-left:6px solid #999;padding:.5rem .7rem}
.figure .label{font-size:.8rem;color:#555}.figure .value{font-size:1.4rem;font-weight:bold}
.figure .note{font-size:.75rem;color:#555}.good{border-left-color:#009E73}
.warn{border-left-color:#E69F00}.bad{border-left-color:#D55E00}
figure{margin:.5rem 0 1rem}figure svg{width:100%;height:auto}
figcaption{font-weight:bold;font-size:.9rem}.note{font-size:.8rem;color:#555}
footer{margin-top:2rem;font-size:.8rem;color:#555;border-top:1px solid #ccc;padding-top:.5rem}
@media print{h2{break-after:avoid}figure,.figure{break-inside:avoid}}
"""


def render_html(document: ReportDocument) -> bytes:
    """The whole page, UTF-8 encoded."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(document.title)}</title><style>{STYLE}</style></head><body>",
    ]
    if document.banner:
        parts.append(f'<div class="banner">{escape(document.banner)}</div>')
    parts.append(f"<h1>{escape(document.title)}</h1>")
    parts.append(f'<p class="subtitle">{escape(document.subtitle)}</p>')
    parts.append('<table class="meta">')
    parts.extend(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in document.meta)
    parts.append("</table>")
    if document.key_figures:
        parts.append('<div class="figures">')
        parts.extend(_key_figure(f) for f in document.key_figures)
        parts.append("</div>")
    parts.append(f'<p class="note">{escape(document.charts_note)}</p>')
    parts.extend(_section(s) for s in document.sections)
    parts.append(f"<footer>{escape(document.footer)}</footer></body></html>")
    return "\n".join(parts).encode("utf-8")


def _key_figure(figure: KeyFigure) -> str:
    return (
        f'<div class="figure {figure.tone}"><div class="label">{escape(figure.label)}</div>'
        f'<div class="value">{escape(figure.value)}</div>'
        f'<div class="note">{escape(figure.note)}</div></div>'
    )


def _section(section: Section) -> str:
    parts = [f"<section><h2>{escape(section.heading)}</h2>"]
    for block in section.blocks:
        if isinstance(block, Paragraph):
            parts.append(f"<p>{escape(block.text)}</p>")
        elif isinstance(block, Chart):
            parts.append(_chart(block))
        else:
            parts.append(_table(block))
    parts.append("</section>")
    return "\n".join(parts)


def chart_svg(chart: Chart) -> str:
    """The chart as an ``<svg>`` element (no XML prolog), fonts drawn as paths."""
    figure = Figure(figsize=(CHART_WIDTH_IN, chart.height_in), layout="constrained")
    chart.draw(figure.add_subplot())
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _chart(chart: Chart) -> str:
    svg = chart_svg(chart).replace(
        "<svg ", f'<svg role="img" aria-label="{escape(chart.description)}" ', 1
    )
    return f"<figure><figcaption>{escape(chart.title)}</figcaption>{svg}</figure>"


def _table(table: Table) -> str:
    parts = [f"<h3>{escape(table.title)}</h3>"]
    if not table.rows:
        parts.append(f'<p class="note">{escape(table.empty)}</p>')
        return "\n".join(parts)
    parts.append("<table><thead><tr>")
    for index, column in enumerate(table.columns):
        cls = ' class="num"' if table.is_numeric(index) else ""
        parts.append(f"<th{cls}>{escape(column)}</th>")
    parts.append("</tr></thead><tbody>")
    for row in table.rows:
        cells = "".join(
            (NUM_CELL if table.is_numeric(i) else "<td>") + f"{escape(cell)}</td>"
            for i, cell in enumerate(row)
        )
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</tbody></table>")
    if table.note:
        parts.append(f'<p class="note">{escape(table.note)}</p>')
    return "\n".join(parts)
