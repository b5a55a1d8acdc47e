"""How numbers, durations and times read in a report."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def duration(seconds: float | None) -> str:
    """``45 s``, ``3 min 05 s``, ``2 h 07 min``, ``3 d 04 h``; ``-`` for none."""
    if seconds is None:
        return "-"
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min" if secs == 0 else f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h" if minutes == 0 else f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours:02d} h"


def percent(share: float | None, *, digits: int = 1) -> str:
    """``97.3 %``; ``-`` for none."""
    return "-" if share is None else f"{100.0 * share:.{digits}f} %"


def count(value: int) -> str:
    """``12 345`` (thin-space thousands, as in print)."""
    return f"{value:,}".replace(",", "\u202f")


def money(amount: float, currency: str) -> str:
    """``1 250 000.00 USD``."""
    return f"{amount:,.2f}".replace(",", "\u202f") + f" {currency}"


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    """``2026-11-04 13:05`` on the site's clock."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")
