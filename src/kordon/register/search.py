"""The text an asset is found by: its serial, model, vendor and lot, lower-cased.

Kept in one column (``register_assets.search_text``) so a search is one ``LIKE`` over one
column on both backends, with no per-row ``lower()``.
"""

from __future__ import annotations

SEPARATOR = "\n"
"""Between the fields, so a search never matches across two of them."""


def search_text(serial: str, model: str, vendor: str, lot: str | None) -> str:
    return SEPARATOR.join((serial, model, vendor, lot or "")).lower()


def like_pattern(query: str) -> str:
    """``%query%`` for ``LIKE ... ESCAPE '\\'``, lower-cased, with wildcards escaped."""
    escaped = query.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
