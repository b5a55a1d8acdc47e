"""Our CAT048/CAT034 encoder decodes to the same values with our decoder and the oracle.

The oracle is ``asterix-decoder`` (GPL-3.0, a dev-only test dependency; never imported by
``src/``).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.sensors.asterix import Cat034Record, Cat048Record, decode_strict
from kordon.sensors.asterix.encoder import (
    NORTH_MARKER,
    SECTOR_CROSSING,
    Plot,
    ServiceMessage,
    data_block,
    encode_plot,
    fspec,
    plots_block,
    service_block,
)
from kordon.sensors.asterix.fields import NM_M

oracle = pytest.importorskip("asterix")

plots = st.builds(
    Plot,
    sac=st.integers(0, 255),
    sic=st.integers(0, 255),
    time_of_day_s=st.floats(0.0, 86_399.99),
    range_m=st.floats(0.0, 255.0 * NM_M),
    azimuth_deg=st.floats(0.0, 720.0),
    target_type=st.integers(1, 7),
    simulated=st.booleans(),
    track_number=st.none() | st.integers(0, 4095),
)


def _val(rec: dict[str, Any], item: str, field: str) -> Any:
    return rec[item][field]["val"]


@settings(max_examples=150, deadline=None)
@given(st.lists(plots, min_size=1, max_size=20))
def test_plots_decode_to_the_same_values_in_both_decoders(batch: list[Plot]) -> None:
    data = plots_block(batch)
    ours = decode_strict(data)
    theirs = oracle.parse(data)
    assert len(ours) == len(theirs) == len(batch)
    for plot, mine, ref in zip(batch, ours, theirs, strict=True):
        assert isinstance(mine, Cat048Record)
        assert (mine.sac, mine.sic) == (plot.sac, plot.sic)
        assert (mine.sac, mine.sic) == (_val(ref, "I010", "SAC"), _val(ref, "I010", "SIC"))
        assert mine.time_of_day_s == pytest.approx(plot.time_of_day_s, abs=1 / 256)
        assert mine.time_of_day_s == pytest.approx(_val(ref, "I140", "ToD"))
        assert mine.target_type == plot.target_type == _val(ref, "I020", "TYP")
        assert mine.simulated is plot.simulated
        assert _val(ref, "I020", "SIM") == int(plot.simulated)
        assert mine.range_m == pytest.approx(plot.range_m, abs=NM_M / 512 + 1e-9)
        assert mine.range_m == pytest.approx(_val(ref, "I040", "RHO") * NM_M)
        step = 360.0 / 65536
        diff = ((mine.azimuth_deg or 0.0) - plot.azimuth_deg + 180.0) % 360.0 - 180.0
        assert abs(diff) <= step / 2 + 1e-9
        assert mine.azimuth_deg == pytest.approx(_val(ref, "I040", "THETA"))
        if plot.track_number is None:
            assert mine.track_number is None
            assert "I161" not in ref
        else:
            assert mine.track_number == plot.track_number == _val(ref, "I161", "Tn")


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 255),
    st.integers(0, 255),
    st.floats(0.0, 86_399.99),
    st.floats(0.0, 359.0),
    st.floats(0.5, 500.0),
)
def test_service_messages_decode_to_the_same_values_in_both_decoders(
    sac: int, sic: int, tod_s: float, sector: float, period: float
) -> None:
    messages = [
        ServiceMessage(sac, sic, tod_s, NORTH_MARKER, antenna_period_s=period),
        ServiceMessage(sac, sic, tod_s, SECTOR_CROSSING, sector_deg=sector),
    ]
    data = service_block(messages)
    ours = decode_strict(data)
    theirs = oracle.parse(data)
    assert len(ours) == len(theirs) == 2
    north, crossing = ours
    assert isinstance(north, Cat034Record)
    assert isinstance(crossing, Cat034Record)
    assert (north.message_type, crossing.message_type) == (1, 2)
    assert [_val(r, "I000", "MsgTyp") for r in theirs] == [1, 2]
    assert north.antenna_period_s == pytest.approx(period, abs=1 / 256)
    assert north.antenna_period_s == pytest.approx(_val(theirs[0], "I041", "RotS"))
    assert crossing.sector_deg is not None
    assert abs((crossing.sector_deg - sector + 180) % 360 - 180) <= 360 / 512 + 1e-9
    assert crossing.sector_deg == pytest.approx(_val(theirs[1], "I020", "Azi"))
    for mine, ref in zip(ours, theirs, strict=True):
        assert (mine.sac, mine.sic) == (sac, sic)
        assert mine.time_of_day_s == pytest.approx(_val(ref, "I030", "ToD"))


@pytest.mark.parametrize(
    ("frns", "expected"),
    [
        ([1], b"\x80"),
        ([1, 2, 3, 4], b"\xf0"),
        ([7], b"\x02"),
        ([8], b"\x01\x80"),
        ([1, 2, 3, 4, 11], b"\xf1\x10"),
        ([15], b"\x01\x01\x80"),
    ],
)
def test_fspec_sets_one_bit_per_field_and_chains_fx(frns: list[int], expected: bytes) -> None:
    assert fspec(frns) == expected


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: encode_plot(Plot(1, 1, 86_400.0, 10.0, 0.0)), "time of day"),
        (lambda: encode_plot(Plot(1, 1, 0.0, 257.0 * NM_M, 0.0)), "range_m"),
        (lambda: encode_plot(Plot(1, 1, 0.0, -5.0, 0.0)), "range_m"),
        (lambda: encode_plot(Plot(256, 1, 0.0, 5.0, 0.0)), "SAC/SIC"),
        (lambda: encode_plot(Plot(1, 1, 0.0, 5.0, 0.0, track_number=4096)), "track_number"),
        (lambda: encode_plot(Plot(1, 1, 0.0, 5.0, float("nan"))), "azimuth"),
        (lambda: data_block(48, []), "at least one record"),
        (lambda: fspec([]), "field reference"),
    ],
    ids=["tod-24h", "far", "negative", "sac", "track-number", "nan", "empty", "fspec"],
)
def test_values_an_item_cannot_hold_are_refused(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()
