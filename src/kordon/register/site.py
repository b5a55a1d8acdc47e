"""``SiteDevices``: what the site file configures that the register refers to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SiteDevices:
    """Device ids (cameras, sensors) and sector ids of the site file.

    ``None`` means "not known here" (no check); an empty set means "none configured".
    """

    device_ids: frozenset[str] | None = None
    sector_ids: frozenset[str] | None = None

    @classmethod
    def of_site(cls, config: object) -> SiteDevices:
        """From a ``kordon.config.models.SiteConfig`` (its cameras, sensors and sectors)."""
        cameras = getattr(config, "cameras", [])
        sensors = getattr(config, "sensors", [])
        sectors = getattr(config, "sectors", [])
        return cls(
            device_ids=frozenset(str(c.id) for c in [*cameras, *sensors]),
            sector_ids=frozenset(str(s.id) for s in sectors),
        )
