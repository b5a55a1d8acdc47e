"""One entry point for a file's bytes: a pcap/pcapng capture or a raw stream of data blocks."""

from __future__ import annotations

from collections.abc import Iterator

from kordon.sensors.asterix.decoder import AsterixDecoder
from kordon.sensors.asterix.errors import AsterixDecodeError
from kordon.sensors.asterix.pcap import is_capture, iter_datagrams
from kordon.sensors.asterix.records import AsterixRecord


def decode_input(
    data: bytes, decoder: AsterixDecoder
) -> Iterator[AsterixRecord | AsterixDecodeError]:
    """Records and errors of ``data``; captures are decoded datagram by datagram.

    Offsets in records and errors count from the start of ``data``.
    """
    if not is_capture(data):
        yield from decoder.decode(data)
        return
    for item in iter_datagrams(data):
        if isinstance(item, AsterixDecodeError):
            decoder.note(item)
            yield item
        else:
            yield from decoder.decode(item.payload, item.offset)
