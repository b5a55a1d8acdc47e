"""Errors of the reports package."""

from __future__ import annotations

from kordon.domain.errors import KordonError


class ReportError(KordonError):
    """A report cannot be made."""


class ReportInputError(ReportError):
    """A report was asked for with bad arguments (dates, ids, format); the message says which."""


class UnknownSubjectError(ReportInputError):
    """The sector or funding project a report names does not exist."""
