"""Roles and what each may do; the one table the API's permission checks read."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    AUDITOR = "auditor"
    LOGISTICS = "logistics"
    """Logistics officer: edits the equipment register."""
    COMMANDER = "commander"
    """Reads the site and the register of his own sectors; enters end-use checks there."""
    DONOR_AUDITOR = "donor_auditor"
    """Reads only the register of the funding projects of his donor(s)."""


class Permission(StrEnum):
    READ = "read"
    """Site, map, cameras, devices, events, incidents, clips and snapshots."""
    INCIDENT_ACT = "incident_act"
    """Acknowledge, dispatch, resolve, add notes."""
    INCIDENT_CLOSE = "incident_close"
    """Close resolved incidents (and assign)."""
    EXPORT = "export"
    """Create and download evidence exports."""
    AUDIT_READ = "audit_read"
    """Read the audit log."""
    USERS = "users"
    """Manage user accounts."""
    REGISTER_READ = "register_read"
    """Read the equipment register (within the user's register scope)."""
    REGISTER_EDIT = "register_edit"
    """Change the equipment register: projects, assets, imports, transfers, statuses."""
    REGISTER_CHECK = "register_check"
    """Enter end-use checks (photo and GPS of a serial in the field)."""


_ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OPERATOR: frozenset({Permission.READ, Permission.INCIDENT_ACT}),
    Role.SUPERVISOR: frozenset(
        {Permission.READ, Permission.INCIDENT_ACT, Permission.INCIDENT_CLOSE, Permission.EXPORT}
    ),
    Role.ADMIN: frozenset(Permission),
    Role.AUDITOR: frozenset({Permission.READ, Permission.AUDIT_READ, Permission.REGISTER_READ}),
    Role.LOGISTICS: frozenset(
        {
            Permission.REGISTER_READ,
            Permission.REGISTER_EDIT,
            Permission.REGISTER_CHECK,
        }
    ),
    Role.COMMANDER: frozenset(
        {Permission.READ, Permission.REGISTER_READ, Permission.REGISTER_CHECK}
    ),
    Role.DONOR_AUDITOR: frozenset({Permission.REGISTER_READ}),
}


def permissions_of(role: Role) -> frozenset[Permission]:
    """What ``role`` may do."""
    return _ROLE_PERMISSIONS[role]
