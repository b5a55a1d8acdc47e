"""Roles and what each may do; the one table the API's permission checks read."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    AUDITOR = "auditor"


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


_ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OPERATOR: frozenset({Permission.READ, Permission.INCIDENT_ACT}),
    Role.SUPERVISOR: frozenset(
        {Permission.READ, Permission.INCIDENT_ACT, Permission.INCIDENT_CLOSE, Permission.EXPORT}
    ),
    Role.ADMIN: frozenset(Permission),
    Role.AUDITOR: frozenset({Permission.READ, Permission.AUDIT_READ}),
}


def permissions_of(role: Role) -> frozenset[Permission]:
    """What ``role`` may do."""
    return _ROLE_PERMISSIONS[role]
