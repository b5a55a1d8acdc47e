"""The one error type the Cursor-on-Target parsers raise or report."""

from __future__ import annotations


class CotParseError(ValueError):
    """A CoT event that cannot be used: ``reason``, the event's ``index`` and byte ``offset``."""

    def __init__(self, reason: str, *, index: int = 0, offset: int = 0) -> None:
        self.reason = reason
        self.index = index
        self.offset = offset
        super().__init__(f"event {index} at byte {offset}: {reason}")
