"""Records hand-encoded from the EUROCONTROL category specifications, decoded field by field.

Each block ends with a second record: if any item length of the first were wrong, the second
would not be found, so these tests check every item's length rule, decoded or not.
"""

from __future__ import annotations

import pytest

from kordon.sensors.asterix import (
    AsterixDecoder,
    Cat021Record,
    Cat034Record,
    Cat048Record,
    Cat062Record,
    decode_strict,
)
from tests.sensors.builders import block, chars6, signed

NM = 1852.0

# CAT048: FRN 1-14 all present, none of 15-21, SP (27) and RE (28).
CAT048_FULL = (
    bytes([0xFF, 0xFF, 0x01, 0x06])  # FSPEC
    + bytes([7, 9])  # 010 SAC 7, SIC 9
    + (460864).to_bytes(3, "big")  # 140: 3600.5 s × 128
    + bytes([0xA1, 0x00])  # 020: TYP 5 (Mode S roll-call), FX, second octet
    + bytes([0x0A, 0x00, 0x40, 0x00])  # 040: rho 10 NM, theta 90°
    + bytes([0x0F, 0x40])  # 070: code 7500 (octal) = 0xF40
    + bytes([0x3F, 0xD8])  # 090: -40 in 14 bits = FL -10
    + bytes([0xC0, 0x11, 0x22])  # 130: SRL, SRR
    + bytes([0xAB, 0xCD, 0xEF])  # 220
    + chars6("KOR1")  # 240
    + bytes([2]) + bytes(16)  # 250: two BDS registers
    + bytes([0x01, 0x23])  # 161: track 291
    + signed(-128, 2) + signed(256, 2)  # 042: x -1 NM, y 2 NM
    + bytes([0x08, 0x00, 0x80, 0x00])  # 200: 0.125 NM/s, 180°
    + bytes([0x41, 0x00])  # 170: two octets (FX)
    + bytes([3, 0xAA, 0xBB])  # SP: explicit length 3
    + bytes([2, 0xCC])  # RE: explicit length 2
)  # fmt: skip
MINIMAL_048 = bytes([0x80, 0x01, 0x02])  # FSPEC: 010 only; SAC 1, SIC 2


def test_cat048_every_field_from_the_spec() -> None:
    records = decode_strict(block(48, CAT048_FULL, MINIMAL_048))
    assert len(records) == 2
    r, second = records
    assert isinstance(r, Cat048Record)
    assert (r.sac, r.sic, r.time_of_day_s) == (7, 9, 3600.5)
    assert (r.target_type, r.simulated) == (5, False)
    assert r.range_m == pytest.approx(10 * NM)
    assert r.azimuth_deg == pytest.approx(90.0)
    assert (r.mode3a, r.flight_level) == ("7500", -10.0)
    assert (r.aircraft_address, r.callsign, r.track_number) == ("ABCDEF", "KOR1", 291)
    assert r.x_m == pytest.approx(-NM)
    assert r.y_m == pytest.approx(2 * NM)
    assert r.ground_speed_mps == pytest.approx(0.125 * NM)
    assert r.heading_deg == pytest.approx(180.0)
    assert r.bds_registers == 2
    assert r.items[-2:] == ("I048/SP", "I048/RE")
    assert r.offset == 3
    assert isinstance(second, Cat048Record)
    assert (second.sac, second.sic, second.offset) == (1, 2, 3 + len(CAT048_FULL))
    assert second.to_json() == {
        "category": 48, "offset": 3 + len(CAT048_FULL), "sac": 1, "sic": 2, "items": ["I048/010"]
    }  # fmt: skip


def test_cat048_later_items_lengths() -> None:
    # FRN 15-21 (210, 030, 080, 100, 110, 120, 230) and 22-26 (260, 055, 050, 065, 060).
    rec = (
        bytes([0x01, 0x01, 0xFF, 0xF8])  # FSPEC: octet 3 all, octet 4 FRN 22-26
        + bytes(4)  # 210
        + bytes([0x03, 0x05, 0x00])  # 030: three octets (FX, FX, end)
        + bytes(2) + bytes(4) + bytes(2)  # 080, 100, 110
        + bytes([0xC0]) + bytes(2) + bytes([2]) + bytes(12)  # 120: CAL + RDS × 2
        + bytes(2)  # 230
        + bytes(7) + bytes(1) + bytes(2) + bytes(1) + bytes(2)  # 260 055 050 065 060
    )  # fmt: skip
    records = decode_strict(block(48, rec, MINIMAL_048))
    assert [r.sac for r in records] == [None, 1]
    assert records[0].items[0] == "I048/210"
    assert records[0].items[-1] == "I048/060"


CAT062_FULL = (
    bytes([0xBF, 0xFF, 0xFF, 0xFF, 0x06])  # FSPEC: 1,3-7 | 8-14 | 15-21 | 22-28 | 34, 35
    + bytes([1, 2])  # 010
    + bytes([5])  # 015
    + (128000).to_bytes(3, "big")  # 070: 1000 s
    + signed(9_600_000, 4) + signed(-4_500_000, 4)  # 105
    + signed(-2000, 3) + signed(3000, 3)  # 100: -1000 m, 1500 m
    + signed(-40, 2) + signed(100, 2)  # 185: -10 m/s, 25 m/s
    + bytes(2)  # 210
    + bytes([0x0F, 0xFF])  # 060: 7777
    + bytes([0x00]) + chars6("TEST1")  # 245
    + bytes([0xC1, 0x41, 0x01, 0x10])  # 380 primary: ADR, ID | TID | - | MB
    + bytes([0x12, 0x34, 0x56]) + chars6("KOR062")  # ADR, ID
    + bytes([1]) + bytes(15) + bytes([2]) + bytes(16)  # TID × 1, MB × 2
    + bytes([0x12, 0x34])  # 040: 4660
    + bytes([0x01, 0x01, 0x01, 0x80])  # 080: 4 octets, CST set
    + bytes([0x89, 0x20]) + bytes([1]) + bytes(2) + bytes([1])  # 290: TRK, ADS | MLT
    + bytes([0])  # 200
    + bytes([0x81, 0x01, 0x01, 0x01, 0x20]) + bytes(2)  # 295: subfields 1 and 31
    + signed(1400, 2)  # 136: FL 350
    + signed(1000, 2)  # 130: 6250 ft
    + bytes([0x85, 0x78])  # 135: QNH bit + 1400 → FL 350
    + signed(-64, 2)  # 220: -400 ft/min
    + bytes([0xC1, 0x09, 0x10]) + bytes(2) + bytes(7) + bytes([2]) + bytes(8) + bytes(7)  # 390
    + bytes([0x03, 0x02])  # 270: two octets
    + bytes([0])  # 300
    + bytes([0xA0]) + bytes(1) + bytes(6)  # 110: SUM, POS
    + bytes(2)  # 120
    + bytes([0x00, 0x01, 0x03, 0x00, 0x02, 0x04])  # 510: two 3-octet parts
    + bytes([0x81, 0x80]) + bytes(4) + bytes(1)  # 500: APC | ARC
    + bytes([0x84]) + bytes(2) + bytes(1)  # 340: SID, TYP
    + bytes([3, 0, 0])  # RE
    + bytes([2, 0])  # SP
)  # fmt: skip


def test_cat062_every_item_length_and_key_fields() -> None:
    records = decode_strict(block(62, CAT062_FULL, MINIMAL_048))
    assert len(records) == 2
    r = records[0]
    assert isinstance(r, Cat062Record)
    assert (r.sac, r.sic, r.service_id, r.time_of_day_s) == (1, 2, 5, 1000.0)
    assert r.lat == pytest.approx(9_600_000 * 180 / 2**25)
    assert r.lon == pytest.approx(-4_500_000 * 180 / 2**25)
    assert (r.x_m, r.y_m, r.vx_mps, r.vy_mps) == (-1000.0, 1500.0, -10.0, 25.0)
    assert (r.track_number, r.mode3a, r.callsign) == (4660, "7777", "TEST1")
    assert r.aircraft_address == "123456"
    assert (r.mono_sensor, r.coasting) == (False, True)
    assert (r.flight_level, r.geometric_altitude_ft, r.barometric_altitude_fl) == (350, 6250, 350)
    assert r.rate_of_climb_ftpm == -400.0
    assert len(r.items) == 29
    assert (records[1].sac, records[1].sic) == (1, 2)
    assert r.to_json()["track_number"] == 4660


def test_cat062_callsign_from_380_when_245_absent() -> None:
    rec = bytes([0x01, 0x10]) + bytes([0xC0, 0xAB, 0xCD, 0xEF]) + chars6("ADS1")  # FRN 11
    (r,) = decode_strict(block(62, rec))
    assert isinstance(r, Cat062Record)
    assert (r.aircraft_address, r.callsign) == ("ABCDEF", "ADS1")


CAT034_NORTH = (
    bytes([0xEF, 0xFE])  # FSPEC: 010 000 030 041 050 060 | 070 100 110 120 090 RE SP
    + bytes([7, 9, 0x01])  # 010, 000: north marker
    + (460864).to_bytes(3, "big")  # 030
    + bytes([0x02, 0x00])  # 041: 4 s
    + bytes([0x9C, 0, 0, 0, 0, 0])  # 050: COM PSR SSR MDS(2)
    + bytes([0x9C, 0, 0, 0, 0])  # 060: COM PSR SSR MDS
    + bytes([2, 0, 1, 0, 2])  # 070: two counters
    + bytes(8) + bytes(1)  # 100, 110
    + signed(200, 2) + signed(4_800_000, 3) + signed(-1_000_000, 3)  # 120
    + signed(-2, 1) + signed(4, 1)  # 090
    + bytes([1]) + bytes([2, 0])  # RE (just the length), SP
)  # fmt: skip
CAT034_SECTOR = bytes([0xF0, 7, 9, 0x02]) + (460992).to_bytes(3, "big") + bytes([0x40])


def test_cat034_north_marker_and_sector_crossing() -> None:
    north, sector = decode_strict(block(34, CAT034_NORTH, CAT034_SECTOR))
    assert isinstance(north, Cat034Record)
    assert isinstance(sector, Cat034Record)
    assert (north.message_type, north.time_of_day_s, north.antenna_period_s) == (1, 3600.5, 4.0)
    assert north.height_m == 200.0
    assert north.lat == pytest.approx(4_800_000 * 180 / 2**23)
    assert north.lon == pytest.approx(-1_000_000 * 180 / 2**23)
    assert north.range_error_m == pytest.approx(-2 / 128 * NM)
    assert north.azimuth_error_deg == pytest.approx(4 * 360 / 2**14)
    assert (sector.message_type, sector.time_of_day_s, sector.sector_deg) == (2, 3601.5, 90.0)


CAT021_REPORT = (
    bytes([0xFF, 0x1B, 0x6B, 0x03, 0xE5, 0x13, 0x06])  # FSPEC (see the test's docstring)
    + bytes([3, 4])  # 010
    + bytes([0x01, 0x00])  # 040: two octets
    + bytes([0x0F, 0xFF])  # 161
    + bytes([0])  # 015
    + (1280).to_bytes(3, "big")  # 071: 10 s
    + signed(1, 3) + signed(2, 3)  # 130 (ignored: 131 is present)
    + signed(400_000_000, 4) + signed(-200_000_000, 4)  # 131
    + bytes([0x4B, 0xAA, 0xCD])  # 080
    + (1408).to_bytes(3, "big")  # 073: 11 s
    + (1536).to_bytes(3, "big")  # 075: 12 s
    + signed(160, 2)  # 140: 1000 ft
    + bytes([0x01, 0x00])  # 090: two octets
    + bytes([0x0F, 0x40])  # 070
    + signed(1300, 2)  # 145: FL 325
    + (1664).to_bytes(3, "big")  # 077: 13 s
    + chars6("THY9TX")  # 170
    + bytes([1])  # 020
    + bytes([0x90]) + bytes(2) + bytes(1)  # 220: WS, TRB
    + bytes([0xC0, 0x01, 0x00, 1]) + bytes(15)  # 110: TIS (2 octets), TID × 1
    + bytes([1]) + bytes(8)  # 250
    + bytes([0x81, 0x01, 0x01, 0x40]) + bytes(2)  # 295: subfields 1 and 23
    + bytes([1]) + bytes([2, 0])  # RE, SP
)  # fmt: skip


def test_cat021_report() -> None:
    """FSPEC: 1-7 | 11 12 14 | 16 17 19 21 | 28 | 29 30 31 34 | 39 42 | 48 49."""
    r, second = decode_strict(block(21, CAT021_REPORT, MINIMAL_048))
    assert isinstance(r, Cat021Record)
    assert (r.sac, r.sic, r.track_number) == (3, 4, 4095)
    assert r.lat == pytest.approx(400_000_000 * 180 / 2**30)
    assert r.lon == pytest.approx(-200_000_000 * 180 / 2**30)
    assert (r.aircraft_address, r.callsign, r.mode3a) == ("4BAACD", "THY9TX", "7500")
    assert (r.geometric_height_ft, r.flight_level, r.emitter_category) == (1000.0, 325.0, 1)
    assert r.time_of_day_s == 11.0  # I021/073 first
    assert (r.time_applicability_position_s, r.time_report_transmission_s) == (10.0, 13.0)
    assert (second.sac, second.sic) == (1, 2)


def test_stats_count_records_by_category() -> None:
    decoder = AsterixDecoder()
    data = block(48, CAT048_FULL) + block(62, CAT062_FULL) + block(34, CAT034_NORTH)
    out = list(decoder.decode(data))
    assert [type(r).__name__ for r in out] == ["Cat048Record", "Cat062Record", "Cat034Record"]
    assert decoder.stats.as_dict() == {
        "blocks": 3,
        "records": {"CAT034": 1, "CAT048": 1, "CAT062": 1},
        "errors": {},
    }
