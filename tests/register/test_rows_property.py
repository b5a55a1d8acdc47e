"""Property tests of the import's row parsing (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.register.asset import NewAsset
from kordon.register.categories import Category
from kordon.register.money import MAX_AMOUNT_MINOR, format_amount, parse_amount
from kordon.register.rows import COLUMNS, CellError, parse_asset_row

TODAY = date(2026, 6, 1)

serials = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._/:#-]{0,40}", fullmatch=True)
texts = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FFF, exclude_categories=["Cs"]),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip() != "")
amounts = st.integers(min_value=0, max_value=MAX_AMOUNT_MINOR)
past_days = st.dates(min_value=date(1990, 1, 1), max_value=TODAY)


@st.composite
def valid_rows(draw: st.DrawFn) -> dict[str, str]:
    return {
        "project": draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)),
        "category": draw(st.sampled_from([c.value for c in Category])),
        "serial": draw(serials),
        "model": draw(texts),
        "vendor": draw(texts),
        "unit_cost": format_amount(draw(amounts)),
        "currency": draw(st.sampled_from(["EUR", "usd", "UAH"])),
        "delivered_on": draw(past_days).isoformat(),
    }


@given(valid_rows())
def test_valid_rows_parse_to_what_they_say(cells: dict[str, str]) -> None:
    parsed = parse_asset_row(cells, today=TODAY)
    assert isinstance(parsed, NewAsset), parsed
    assert parsed.serial == cells["serial"]
    assert format_amount(parsed.unit_cost_minor) == cells["unit_cost"]
    assert parsed.currency == cells["currency"].upper()
    assert parsed.delivered_on.isoformat() == cells["delivered_on"]
    assert parsed.details.model == cells["model"].strip()


@given(valid_rows(), st.integers(min_value=1, max_value=10**9))
def test_negative_amounts_are_always_refused(cells: dict[str, str], minor: int) -> None:
    cells["unit_cost"] = "-" + format_amount(minor)
    parsed = parse_asset_row(cells, today=TODAY)
    assert isinstance(parsed, list)
    assert [e.column for e in parsed] == ["unit_cost"]


@given(valid_rows(), st.integers(min_value=1, max_value=3650))
def test_future_delivery_dates_are_always_refused(cells: dict[str, str], days: int) -> None:
    cells["delivered_on"] = (TODAY + timedelta(days=days)).isoformat()
    parsed = parse_asset_row(cells, today=TODAY)
    assert isinstance(parsed, list)
    assert [e.column for e in parsed] == ["delivered_on"]


@settings(max_examples=300)
@given(st.dictionaries(st.sampled_from(COLUMNS), st.text(max_size=80), max_size=len(COLUMNS)))
def test_any_row_parses_or_names_its_columns(cells: dict[str, str]) -> None:
    """Arbitrary cells never raise: the result is an asset or errors naming real columns."""
    parsed = parse_asset_row(cells, today=TODAY)
    if isinstance(parsed, list):
        assert parsed
        assert all(isinstance(e, CellError) and e.column in COLUMNS for e in parsed)


@given(st.decimals(min_value=Decimal(0), max_value=Decimal(10**10), places=2))
def test_amounts_round_trip(value: Decimal) -> None:
    assert parse_amount(format_amount(parse_amount(str(value)))) == parse_amount(str(value))
    assert parse_amount(str(value)) == int(value * 100)
