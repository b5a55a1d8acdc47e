"""ASTERIX (EUROCONTROL) radar data: CAT048 plots, CAT062 system tracks, CAT034 service
messages and CAT021 ADS-B reports, from raw data blocks or pcap/pcapng captures.

Written from the published EUROCONTROL category specifications.
"""

from kordon.sensors.asterix.decoder import CODECS, AsterixDecoder, DecodeStats, decode_strict
from kordon.sensors.asterix.errors import AsterixDecodeError, ErrorKind
from kordon.sensors.asterix.pcap import Datagram, is_capture, iter_datagrams
from kordon.sensors.asterix.records import (
    AsterixRecord,
    Cat021Record,
    Cat034Record,
    Cat048Record,
    Cat062Record,
)
from kordon.sensors.asterix.source import decode_input

__all__ = [
    "CODECS",
    "AsterixDecodeError",
    "AsterixDecoder",
    "AsterixRecord",
    "Cat021Record",
    "Cat034Record",
    "Cat048Record",
    "Cat062Record",
    "Datagram",
    "DecodeStats",
    "ErrorKind",
    "decode_input",
    "decode_strict",
    "is_capture",
    "iter_datagrams",
]
