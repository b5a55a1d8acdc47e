"""QR labels: a printable HTML sheet, one label per serial, each QR code an inline SVG.

The code encodes ``kordon:asset:<serial>`` (what the phone's scan-to-check page reads);
the label prints the serial, category and model in text too. segno is used only here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from kordon.register.asset import Asset

QR_PREFIX = "kordon:asset:"

_STYLE = """
@page { size: A4; margin: 10mm; }
body { font-family: sans-serif; margin: 0; }
.sheet { display: grid; grid-template-columns: repeat(3, 1fr); gap: 4mm; }
.label { border: 1px dashed #999; padding: 3mm; break-inside: avoid; display: flex;
         gap: 3mm; align-items: center; height: 30mm; }
.label svg { width: 26mm; height: 26mm; flex: none; }
.text { font-size: 9pt; line-height: 1.25; overflow: hidden; }
.serial { font-family: monospace; font-weight: bold; font-size: 10pt; }
.demo { color: #a00; font-weight: bold; }
"""


def qr_payload(serial: str) -> str:
    return QR_PREFIX + serial


def serial_of(payload: str) -> str | None:
    """The serial a scanned code names, or ``None`` for a code that is not a label's."""
    return payload[len(QR_PREFIX) :] if payload.startswith(QR_PREFIX) else None


def qr_svg(serial: str) -> str:
    """The label's QR code as an SVG element (no XML declaration)."""
    import segno

    code = segno.make(qr_payload(serial), error="m", micro=False)
    svg: str = code.svg_inline(scale=4, border=2, omitsize=True)
    return svg


def label_sheet(assets: Sequence[Asset], *, title: str, demo: bool = False) -> str:
    """A whole HTML page of labels, ready to print (or to save as PDF from the browser)."""
    labels = []
    for asset in assets:
        text = (
            f'<div class="serial">{html.escape(asset.serial)}</div>'
            f"<div>{html.escape(str(asset.category))}</div>"
            f"<div>{html.escape(asset.details.model)}</div>"
            f"<div>{html.escape(asset.project_id)}</div>"
        )
        if demo:
            text += '<div class="demo">DEMO DATA</div>'
        labels.append(
            f'<div class="label">{qr_svg(asset.serial)}<div class="text">{text}</div></div>'
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f'<h1>{html.escape(title)}</h1><div class="sheet">{"".join(labels)}</div>'
        "</body></html>\n"
    )
