"""The pcap/pcapng reader: UDP payloads out, one typed error per bad packet, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from kordon.sensors.asterix import (
    AsterixDecodeError,
    AsterixDecoder,
    AsterixRecord,
    Cat048Record,
    Datagram,
    ErrorKind,
    decode_input,
    iter_datagrams,
)
from tests.sensors.builders import block, pcap, pcapng, udp_frame

RECORD = block(48, bytes([0x80, 0x01, 0x02]))
FRAME = udp_frame(RECORD)


@pytest.mark.parametrize("container", [pcap, pcapng])
def test_payloads_and_offsets(container: object) -> None:
    assert callable(container)
    data: bytes = container([FRAME, udp_frame(RECORD, vlan=True)])
    dgrams = list(iter_datagrams(data))
    assert all(isinstance(d, Datagram) for d in dgrams)
    assert [d.payload for d in dgrams if isinstance(d, Datagram)] == [RECORD, RECORD]
    first = dgrams[0]
    assert isinstance(first, Datagram)
    assert data[first.offset : first.offset + len(RECORD)] == RECORD
    assert (first.src, first.dst, first.dst_port) == ("10.0.0.1", "239.1.2.3", 8600)
    assert first.time_s == pytest.approx(1_700_000_000.25 if container is pcap else 1.7e9)
    records = list(decode_input(data, AsterixDecoder()))
    assert [type(r) for r in records] == [Cat048Record, Cat048Record]
    assert isinstance(records[0], Cat048Record)
    assert records[0].offset == first.offset + 3


def test_bad_packets_are_reported_and_skipped() -> None:
    tcp = bytearray(FRAME)
    tcp[14 + 9] = 6  # IPv4 protocol TCP: not ours, silently skipped
    cut_udp = bytearray(FRAME)
    cut_udp[14 + 20 + 4 : 14 + 20 + 6] = (4000).to_bytes(2, "big")  # UDP length lies
    frames = [FRAME, udp_frame(RECORD, frag=0x2000), bytes(tcp), bytes(cut_udp), b"\x00" * 10]
    out = list(iter_datagrams(pcap([*frames, FRAME])))
    kinds = [type(o).__name__ for o in out]
    assert kinds == [
        "Datagram",
        "AsterixDecodeError",  # fragment
        "AsterixDecodeError",  # UDP length
        "AsterixDecodeError",  # Ethernet header cut
        "Datagram",
    ]
    errors = [o for o in out if isinstance(o, AsterixDecodeError)]
    assert all(e.kind is ErrorKind.CAPTURE for e in errors)
    assert "fragmented" in errors[0].reason


def test_cut_capture_ends_with_one_error() -> None:
    data = pcap([FRAME, FRAME])[:-5]
    out = list(iter_datagrams(data))
    assert isinstance(out[0], Datagram)
    assert isinstance(out[1], AsterixDecodeError)
    assert "runs past the end" in out[1].reason
    assert len(out) == 2


def test_not_a_capture() -> None:
    (err,) = list(iter_datagrams(b"hello world"))
    assert isinstance(err, AsterixDecodeError)


@pytest.mark.shared
def test_real_capture_as_pcapng_gives_the_same_records(shared_data: Path) -> None:
    data = (shared_data / "tracks/asterix-decoder-0.7.11_cat_034_048.pcap").read_bytes()
    frames = []
    pos = 24
    while pos < len(data):
        incl = int.from_bytes(data[pos + 8 : pos + 12], "little")
        frames.append(data[pos + 16 : pos + 16 + incl])
        pos += 16 + incl
    assert len(frames) == 100
    from_pcap = [_without_offset(r) for r in decode_input(data, AsterixDecoder())]
    from_ng = [_without_offset(r) for r in decode_input(pcapng(frames), AsterixDecoder())]
    assert len(from_pcap) == 162
    assert from_pcap == from_ng


def _without_offset(item: AsterixRecord | AsterixDecodeError) -> dict[str, object]:
    assert not isinstance(item, AsterixDecodeError), item
    return {k: v for k, v in item.to_json().items() if k != "offset"}
