"""``SiteOutline``: what a report needs to know of the site file (names, sectors, devices)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kordon.config.models import SiteConfig
from kordon.reports.errors import UnknownSubjectError


@dataclass(frozen=True, slots=True)
class SiteOutline:
    """The site's id, name and time zone, its sectors (id -> name) and the device ids in
    each sector (cameras, and their recorders when they record)."""

    site_id: str
    name: str
    timezone: str = "UTC"
    sectors: Mapping[str, str] = field(default_factory=dict)
    devices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: SiteConfig) -> SiteOutline:
        devices: dict[str, list[str]] = {s.id: [] for s in config.sectors}
        for camera in config.cameras:
            if not camera.enabled:
                continue
            ids = devices.setdefault(camera.sector, [])
            ids.append(camera.id)
            if camera.recording.enabled:
                ids.append(f"{camera.id}/recorder")
        return cls(
            site_id=config.site.id,
            name=config.site.name,
            timezone=config.site.timezone,
            sectors={s.id: s.name for s in config.sectors},
            devices={k: tuple(v) for k, v in devices.items()},
        )

    def sector_name(self, sector_id: str) -> str:
        """The sector's name; ``UnknownSubjectError`` listing the known ids otherwise."""
        try:
            return self.sectors[sector_id]
        except KeyError:
            known = ", ".join(sorted(self.sectors)) or "none"
            raise UnknownSubjectError(
                f"no sector {sector_id!r} in site {self.site_id!r} (known: {known})"
            ) from None

    def devices_of(self, sector_id: str | None) -> tuple[str, ...]:
        """Configured devices of a sector, or of the whole site (``None``), sorted."""
        if sector_id is not None:
            return tuple(sorted(self.devices.get(sector_id, ())))
        return tuple(sorted({d for ids in self.devices.values() for d in ids}))
