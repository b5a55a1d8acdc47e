"""Errors of the register; the API maps them like the store's (404, 409, 422)."""

from __future__ import annotations

from dataclasses import dataclass

from kordon.store.errors import ConflictError, InvalidInputError, NotFoundError


class RegisterInputError(InvalidInputError):
    """A value given to the register is invalid (nothing was changed)."""


class RegisterNotFoundError(NotFoundError):
    """A project, asset, person or transfer named by id does not exist (or is out of scope)."""


class RegisterConflictError(ConflictError):
    """The change contradicts the register's state (a duplicate serial, a closed transfer)."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in an imported file: where, and why."""

    file: str
    row: int
    """1-based, as a spreadsheet shows it (the header is row 1)."""
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row else self.file
        column = f" [{self.column}]" if self.column else ""
        return f"{where}{column}: {self.reason}"


class ImportRefusedError(RegisterInputError):
    """An import with errors: nothing was written. ``errors`` lists each one."""

    def __init__(self, errors: list[RowError], *, limit_shown: int = 20) -> None:
        self.errors = errors
        shown = "; ".join(str(e) for e in errors[:limit_shown])
        more = f" (and {len(errors) - limit_shown} more)" if len(errors) > limit_shown else ""
        super().__init__(f"import refused, nothing written: {len(errors)} error(s): {shown}{more}")
