"""Errors raised by the evidence package."""

from kordon.domain.errors import KordonError


class EvidenceError(KordonError):
    """Base class of every evidence error."""


class EntryError(EvidenceError, ValueError):
    """A ledger entry is malformed (bad field, oversized or non-JSON payload)."""


class KeyFileError(EvidenceError):
    """A signing or verification key cannot be loaded, created or trusted."""


class LedgerError(EvidenceError):
    """The ledger cannot perform the operation (not open, locked, bad argument, I/O failure)."""


class LedgerIntegrityError(LedgerError):
    """The ledger files on disk do not match themselves: they were altered or damaged."""


class BundleError(EvidenceError):
    """An export bundle cannot be created (bad path, bad file, bad manifest fields)."""


class LedgerRollbackError(LedgerIntegrityError):
    """The ledger is shorter than, or differs from, a tree head witnessed outside it."""


class EvidenceMismatchError(EvidenceError):
    """A file's bytes differ from the SHA-256 that its ledger entry recorded (edited or damaged)."""


class WitnessError(EvidenceError):
    """A tree-head witness cannot be read or written (unreadable, altered, going back)."""
