"""TAK protocol *streaming* framing, read incrementally and strictly.

On a TCP/TLS stream that speaks TAK protocol version 1 every message is ``0xBF``, the
message's length as an unsigned protobuf varint, then that many bytes of ``TakMessage``.
There is no version byte and no way to find the next message after a bad header, so
:class:`StreamFramer` treats a framing error as the end of the connection: it raises
:class:`TakFramingError` (a wrong magic byte, a varint longer than 10 bytes or above
2**64, a length over ``max_message_bytes``) and refuses to be fed again. A message's
*content* is not this module's business: it hands out the bytes, whole, in order, however
the reads cut them.
"""

from __future__ import annotations

MAGIC = 0xBF
MAX_VARINT_BYTES = 10
"""A 64-bit varint never needs more than 10 bytes."""
DEFAULT_MAX_MESSAGE_BYTES = 1 << 20
"""Largest message accepted by default (TAK clients and servers use far less)."""


class TakFramingError(ValueError):
    """The stream cannot be read on: the connection must be dropped. ``offset``: the byte
    of the stream (counted from the first byte fed) where the bad frame starts."""

    def __init__(self, reason: str, *, offset: int) -> None:
        self.reason = reason
        self.offset = offset
        super().__init__(f"TAK protocol stream, frame at byte {offset}: {reason}")


class StreamFramer:
    """Cuts a TAK protocol stream into messages; see the module docstring."""

    def __init__(self, *, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        if max_message_bytes < 1:
            raise ValueError("max_message_bytes must be at least 1")
        self.max_message_bytes = max_message_bytes
        self._buffer = bytearray()
        self._offset = 0  # stream offset of _buffer[0]
        self._failed: TakFramingError | None = None
        self.messages = 0

    def __len__(self) -> int:
        """Bytes held: the start of a message not complete yet."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        """The messages completed by ``data``, in order.

        Raises :class:`TakFramingError` at the first bad frame (the messages before it in
        the same call are lost with the connection), and again on any later call.
        """
        if self._failed is not None:
            raise self._failed
        buf = self._buffer
        buf += data
        out: list[bytes] = []
        pos = 0
        try:
            while pos < len(buf):
                header = self._header(buf, pos)
                if header is None:
                    break
                length, start = header
                end = start + length
                if end > len(buf):
                    break
                out.append(bytes(buf[start:end]))
                pos = end
        except TakFramingError as exc:
            self._failed = exc
            buf.clear()
            raise
        del buf[:pos]
        self._offset += pos
        self.messages += len(out)
        return out

    def _header(self, buf: bytearray, pos: int) -> tuple[int, int] | None:
        """(length, start of message) of the frame at ``pos``; ``None`` while incomplete."""
        where = self._offset + pos
        magic = buf[pos]
        if magic != MAGIC:
            hint = " (the peer is speaking XML)" if magic == ord("<") else ""
            raise TakFramingError(
                f"expected magic byte 0xBF, got 0x{magic:02X}{hint}", offset=where
            )
        value = 0
        shift = 0
        i = pos + 1
        while True:
            if i >= len(buf):
                return None
            byte = buf[i]
            value |= (byte & 0x7F) << shift
            i += 1
            if not byte & 0x80:
                break
            shift += 7
            if i - pos - 1 >= MAX_VARINT_BYTES:
                raise TakFramingError(
                    f"length varint longer than {MAX_VARINT_BYTES} bytes", offset=where
                )
        if value >= 1 << 64:
            raise TakFramingError("length varint above 2**64", offset=where)
        if value > self.max_message_bytes:
            raise TakFramingError(
                f"message of {value} bytes, at most {self.max_message_bytes}", offset=where
            )
        return value, i
