"""The optional features an operator API serves, read from the routes it mounted.

A node mounts the drone, unit, register, report, video and track-export routes because its
composition root has those services (``create_api(..., extra_routers=...)``, ``register=``);
the central server mounts none of them. The session answer lists what is mounted, so the web
console shows only what works here and asks for nothing else. The routes are read from the
app's own OpenAPI document (FastAPI builds it once and keeps it), not from a server role, so
the list stays true for any composition (a node built without drones included).
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum


class Feature(StrEnum):
    """An optional part of the operator API."""

    DRONES = "drones"
    """Drone states and tasking (``/api/drones``, send drone, sector patrols)."""
    UNITS = "units"
    """Patrol units and dispatching them (``/api/units``, ``.../dispatch``)."""
    REGISTER = "register"
    """The equipment register (``/api/register/*``)."""
    REPORTS = "reports"
    """Sector and project reports (``/api/reports``)."""
    VIDEO = "video"
    """Live camera video and recorded playback (``/api/cameras/{id}/live``, ``recordings``)."""
    TRACK_EXPORTS = "track_exports"
    """Incidents and tracks as GeoJSON and KML (``/api/export/*``)."""
    OUTPOSTS = "outposts"
    """A central server's outposts (``/api/central/outposts``): an action on an incident
    there is a command to its outpost (``/api/central/incidents/{id}/commands``)."""
    EVIDENCE_PULL = "evidence_pull"
    """A central server's clips and exports pulled from the incident's outpost on demand
    (``/api/central/incidents/{id}/clips``, ``.../clips/{clip_id}``, ``.../exports/{id}``)."""


FEATURE_ROUTES: dict[Feature, str] = {
    Feature.DRONES: "/api/drones",
    Feature.UNITS: "/api/units",
    Feature.REGISTER: "/api/register/projects",
    Feature.REPORTS: "/api/reports",
    Feature.VIDEO: "/api/cameras/{camera_id}/recordings",
    Feature.TRACK_EXPORTS: "/api/export/tracks.geojson",
    Feature.OUTPOSTS: "/api/central/outposts",
    Feature.EVIDENCE_PULL: "/api/central/incidents/{incident_id}/clips",
}
"""The documented route (OpenAPI path template) whose presence means the feature is served."""


def served_features(paths: Collection[str]) -> list[Feature]:
    """The features whose route is among ``paths`` (an OpenAPI document's ``paths``), in
    enum order."""
    return [feature for feature in Feature if FEATURE_ROUTES[feature] in paths]
