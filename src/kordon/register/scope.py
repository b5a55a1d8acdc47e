"""``RegisterScope``: which part of the register a user may read.

A logistics officer, an auditor and an admin read everything; a commander reads the assets
of his sectors (all when his account has none); a donor auditor reads only the projects of
the donors he is granted (none when not granted). Roles without ``register_read`` see
nothing (the API refuses them first).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from kordon.accounts.roles import Permission, Role, permissions_of


@dataclass(frozen=True, slots=True)
class RegisterScope:
    sectors: frozenset[str] | None = None
    """Only assets deployed in these sectors (``None``: no sector limit)."""
    donors: frozenset[str] | None = None
    """Only projects funded by these donors (``None``: no donor limit)."""
    nothing: bool = False
    donor_projects: frozenset[str] | None = None
    """The ids of the donors' projects, when resolved (faster queries than by donor)."""

    @classmethod
    def everything(cls) -> RegisterScope:
        return cls()

    @classmethod
    def of_user(
        cls,
        *,
        role: Role,
        sectors: Collection[str],
        donors: Collection[str],
        donor_projects: Collection[str] | None = None,
    ) -> RegisterScope:
        """The scope of an account: ``sectors`` of the account, ``donors`` it is granted
        (and, optionally, the ids of those donors' projects)."""
        if Permission.REGISTER_READ not in permissions_of(role):
            return cls(nothing=True)
        if role is Role.DONOR_AUDITOR:
            return cls(
                donors=frozenset(donors),
                donor_projects=None if donor_projects is None else frozenset(donor_projects),
            )
        if role is Role.COMMANDER and sectors:
            return cls(sectors=frozenset(sectors))
        return cls()

    def sees_project(self, donor: str) -> bool:
        if self.nothing:
            return False
        return self.donors is None or donor in self.donors

    def sees_asset(self, donor: str, sector_id: str | None) -> bool:
        if not self.sees_project(donor):
            return False
        return self.sectors is None or (sector_id is not None and sector_id in self.sectors)
