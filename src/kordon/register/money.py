"""Amounts of money as integer minor units (cents): never floats."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MAX_AMOUNT_MINOR = 10**13
"""100 billion units: anything above is a typing error, not a purchase."""

CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


def parse_amount(text: str | int | float | Decimal) -> int:
    """``text`` (``"1234.5"``, ``"1 234,50"``, ``1234``) in minor units; ``ValueError`` for a
    negative, absurd, non-numeric or over-precise (more than 2 decimals) amount."""
    if isinstance(text, bool):
        raise ValueError(f"not an amount: {text!r}")
    raw = str(text).strip().replace(" ", "").replace("\u00a0", "")
    if "," in raw and "." not in raw:
        raw = raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not an amount: {text!r}")
    if value < 0:
        raise ValueError(f"negative amount {raw}")
    minor = value * 100
    if minor != minor.to_integral_value():
        raise ValueError(f"amount {raw} has more than 2 decimals")
    if minor > MAX_AMOUNT_MINOR:
        raise ValueError(f"absurd amount {raw} (more than {MAX_AMOUNT_MINOR // 100:,})")
    return int(minor)


def format_amount(minor: int) -> str:
    """``123450`` → ``"1234.50"``."""
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole}.{cents:02d}"


def check_currency(text: str) -> str:
    code = text.strip().upper()
    if not CURRENCY_RE.fullmatch(code):
        raise ValueError(f"currency must be a 3-letter ISO 4217 code, got {text!r}")
    return code
