"""Colours of every report chart: readable in print and by colour-blind readers (the
Okabe-Ito palette), with one meaning per colour across reports."""

from __future__ import annotations

IN = "#0072B2"
"""Inbound / in (blue)."""
OUT = "#E69F00"
"""Outbound / out (orange)."""
GOOD = "#009E73"
BAD = "#D55E00"
WARN = "#F0E442"
NEUTRAL = "#999999"
ACCENT = "#56B4E9"
PURPLE = "#CC79A7"
INK = "#222222"
GRID = "#DDDDDD"
