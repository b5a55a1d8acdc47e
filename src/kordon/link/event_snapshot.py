"""``EventSnapshot``: an event's JPEG as it crosses the link, and the checks the centre makes.

The edge sends the picture its node serves at ``/api/events/{id}/snapshot.jpg`` (privacy
masked when it was written) as base64 text in an outbox entry of kind ``snapshot``, with
its SHA-256. The link's decoder reads only the structure (so one bad picture never costs
the rest of its batch); :meth:`EventSnapshot.jpeg` makes the content checks at the
centre's ingest: base64 that decodes exactly, the hash, the size, JPEG start and end
markers. A picture that fails is refused with a :class:`SnapshotRefusedError` naming why.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from kordon.link.errors import LinkError

MAX_JPEG_BYTES = 190_000
"""The largest picture an entry carries: its base64 (4/3 larger) and the rest of the
entry fit the outbox's 256 kB (``kordon.link.outbox.MAX_ENTRY_BYTES``)."""

_JPEG_START = b"\xff\xd8\xff"
_JPEG_END = b"\xff\xd9"


class SnapshotRefusedError(LinkError):
    """An event snapshot that is not stored: the reason is in the message."""


@dataclass(frozen=True, slots=True)
class EventSnapshot:
    """The snapshot of event ``event_id`` as the link carries it (content not yet checked)."""

    event_id: str
    sha256: str
    """Lower-case hex SHA-256 of the JPEG bytes."""
    jpeg_b64: str
    reduced: bool
    """The edge re-encoded it smaller to fit an entry (the node's own file is larger)."""

    @classmethod
    def of(cls, event_id: str, jpeg: bytes, *, reduced: bool = False) -> EventSnapshot:
        return cls(
            event_id=event_id,
            sha256=hashlib.sha256(jpeg).hexdigest(),
            jpeg_b64=base64.b64encode(jpeg).decode("ascii"),
            reduced=reduced,
        )

    def jpeg(self) -> bytes:
        """The JPEG bytes, checked; :class:`SnapshotRefusedError` saying what is wrong."""
        if len(self.jpeg_b64) > 4 * ((MAX_JPEG_BYTES + 2) // 3):
            raise SnapshotRefusedError(
                f"snapshot of event {self.event_id!r} is oversized: "
                f"{len(self.jpeg_b64)} base64 characters (at most {MAX_JPEG_BYTES} bytes)"
            )
        try:
            data = base64.b64decode(self.jpeg_b64.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise SnapshotRefusedError(
                f"snapshot of event {self.event_id!r} is not valid base64: {exc}"
            ) from None
        if len(data) > MAX_JPEG_BYTES:
            raise SnapshotRefusedError(
                f"snapshot of event {self.event_id!r} is oversized: {len(data)} bytes "
                f"(at most {MAX_JPEG_BYTES})"
            )
        if not (data.startswith(_JPEG_START) and data.rstrip(b"\x00").endswith(_JPEG_END)):
            raise SnapshotRefusedError(
                f"snapshot of event {self.event_id!r} is not a JPEG "
                f"({len(data)} bytes starting {data[:4].hex() or 'with nothing'})"
            )
        digest = hashlib.sha256(data).hexdigest()
        if digest != self.sha256:
            raise SnapshotRefusedError(
                f"snapshot of event {self.event_id!r} does not match its hash "
                f"(sent {self.sha256[:16]}…, the bytes give {digest[:16]}…)"
            )
        return data
