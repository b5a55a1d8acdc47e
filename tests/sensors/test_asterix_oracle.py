"""The decoder against an independent one on the real captures in ``../shared/data/tracks``.

The oracle is ``asterix-decoder`` (GPL-3.0, a dev-only test dependency; never imported by
``src/``). It is driven datagram by datagram with our pcap reader's payloads, and the pcap
reader itself is checked against the capture's own record count.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kordon.sensors.asterix import (
    AsterixDecodeError,
    AsterixDecoder,
    Cat034Record,
    Cat048Record,
    Cat062Record,
    decode_input,
    iter_datagrams,
)

pytestmark = pytest.mark.shared
oracle = pytest.importorskip("asterix")

NM = 1852.0
CAT_034_048 = "tracks/asterix-decoder-0.7.11_cat_034_048.pcap"
CAT_062 = "tracks/asterix-decoder-0.7.11_asterix_cat062.pcap"


def _capture(shared_data: Path, name: str) -> bytes:
    path = shared_data / name
    if not path.is_file():
        pytest.fail(f"{path} is missing from the shared data", pytrace=False)
    return path.read_bytes()


# (oracle item, oracle field, our attribute, scale from the oracle's unit to ours)
CAT048_FIELDS = [
    ("I140", "ToD", "time_of_day_s", 1.0),
    ("I020", "TYP", "target_type", 1.0),
    ("I040", "RHO", "range_m", NM),
    ("I040", "THETA", "azimuth_deg", 1.0),
    ("I070", "Mode3A", "mode3a", 1.0),
    ("I090", "FL", "flight_level", 1.0),
    ("I220", "ACAddr", "aircraft_address", 1.0),
    ("I240", "TId", "callsign", 1.0),
    ("I161", "Tn", "track_number", 1.0),
    ("I042", "X", "x_m", NM),
    ("I042", "Y", "y_m", NM),
    ("I200", "CGS", "ground_speed_mps", NM / 3600),  # knots
    ("I200", "CHdg", "heading_deg", 1.0),
]


def _oracle_records(data: bytes) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for dgram in iter_datagrams(data):
        assert not isinstance(dgram, AsterixDecodeError), dgram
        out.extend(oracle.parse(dgram.payload))
    return out


def _val(rec: dict[str, Any], item: str, field: str) -> Any:
    return rec[item][field]["val"]


def test_cat048_and_cat034_match_the_oracle(shared_data: Path) -> None:
    data = _capture(shared_data, CAT_034_048)
    decoder = AsterixDecoder()
    ours = list(decode_input(data, decoder))
    theirs = _oracle_records(data)
    assert decoder.stats.as_dict() == {
        "blocks": 120,
        "records": {"CAT034": 34, "CAT048": 128},
        "errors": {},
    }
    assert len(ours) == len(theirs) == 162
    checked = 0
    for mine, ref in zip(ours, theirs, strict=True):
        assert not isinstance(mine, AsterixDecodeError), mine
        assert mine.category == ref["category"]
        assert (mine.sac, mine.sic) == (_val(ref, "I010", "SAC"), _val(ref, "I010", "SIC"))
        if isinstance(mine, Cat034Record):
            assert mine.message_type == _val(ref, "I000", "MsgTyp")
            assert mine.time_of_day_s == _val(ref, "I030", "ToD")
            if "I020" in ref:
                assert mine.sector_deg == pytest.approx(_val(ref, "I020", "Azi"))
            if "I041" in ref:
                assert mine.antenna_period_s == pytest.approx(_val(ref, "I041", "RotS"))
            if "I120" in ref:
                assert mine.height_m == _val(ref, "I120", "Height")
                assert mine.lat == pytest.approx(_val(ref, "I120", "LAT"))
                assert mine.lon == pytest.approx(_val(ref, "I120", "Lon"))
            continue
        assert isinstance(mine, Cat048Record)
        assert mine.items == tuple("I048/" + k[1:] for k in ref if k.startswith("I"))
        for item, field, attr, scale in CAT048_FIELDS:
            value = getattr(mine, attr)
            if item not in ref:
                assert value is None, (attr, mine)
            elif isinstance(value, float):
                assert value == pytest.approx(_val(ref, item, field) * scale), attr
            elif isinstance(value, str):
                assert value == str(_val(ref, item, field)).strip(), attr
            else:
                assert value == _val(ref, item, field), attr
        checked += 1
    assert checked == 128


def test_cat062_capture_matches_the_oracle_where_it_decodes(shared_data: Path) -> None:
    """This capture does not follow the CAT062 1.18 UAP throughout (its README says its
    positions are implausible): both decoders find the same 48 records; ours reports every
    other block as a typed error with its offset instead of inventing records."""
    data = _capture(shared_data, CAT_062)
    decoder = AsterixDecoder()
    ours = list(decode_input(data, decoder))
    tracks = [r for r in ours if isinstance(r, Cat062Record)]
    errors = [e for e in ours if isinstance(e, AsterixDecodeError)]
    ref = [r for r in _oracle_records(data) if "I105" in r]
    assert len(tracks) == len(ref) == 48
    for mine, theirs in zip(tracks, ref, strict=True):
        assert mine.time_of_day_s == _val(theirs, "I070", "ToT")
        assert mine.lat == pytest.approx(_val(theirs, "I105", "Lat"))
        assert mine.lon == pytest.approx(_val(theirs, "I105", "Lon"))
        assert mine.track_number == _val(theirs, "I040", "TrkN")
        assert mine.vx_mps == _val(theirs, "I185", "Vx")
        assert mine.vy_mps == _val(theirs, "I185", "Vy")
    assert errors
    assert all(e.category == 62 and 0 < e.offset < len(data) for e in errors)
    assert sum(decoder.stats.errors.values()) == len(errors)
