"""``SiteParts``: the parts of a site file that passed schema validation.

The semantic checks run on these, so a schema error in one section does not hide a
semantic or reference error elsewhere: every problem of a file is reported in one pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import TypeAdapter, ValidationError

from kordon.config.camera import CameraConfig
from kordon.config.geo import BorderConfig, SectorConfig, ZoneConfig
from kordon.config.integrations import (
    AsterixRadar,
    CotNotifier,
    GroundSensor,
    MavlinkSensor,
    MqttNotifier,
    WebhookNotifier,
)
from kordon.config.site import Origin, SiteConfig
from kordon.config.storage import StorageConfig


@dataclass(frozen=True)
class SiteParts:
    """Validated sections of a site; ``None`` marks an item or section that failed.

    ``incomplete`` names the list sections that lost items (or failed as a whole):
    a reference to an id that is not found there may point at one of the lost items.
    """

    base_dir: Path
    origin: Origin | None
    borders: Sequence[BorderConfig | None]
    sectors: Sequence[SectorConfig | None]
    zones: Sequence[ZoneConfig | None]
    cameras: Sequence[CameraConfig | None]
    sensors: Sequence[MavlinkSensor | GroundSensor | AsterixRadar | None]
    notifiers: Sequence[MqttNotifier | WebhookNotifier | CotNotifier | None]
    storage: StorageConfig | None
    incomplete: frozenset[str]

    @classmethod
    def of(cls, config: SiteConfig) -> SiteParts:
        """The parts of a schema-valid site (nothing missing)."""
        return cls(
            base_dir=config.base_dir,
            origin=config.site.origin,
            borders=config.borders,
            sectors=config.sectors,
            zones=config.zones,
            cameras=config.cameras,
            sensors=config.sensors,
            notifiers=config.notifiers,
            storage=config.storage,
            incomplete=frozenset(),
        )

    def resolve_path(self, path: Path | str) -> Path:
        """``path`` made absolute relative to the site file's folder."""
        candidate = Path(path).expanduser()
        return candidate if candidate.is_absolute() else self.base_dir / candidate


def _item_adapter(section: str) -> TypeAdapter[Any]:
    annotation = SiteConfig.model_fields[section].annotation
    if get_origin(annotation) is not list:
        raise TypeError(f"SiteConfig.{section} is not a list")
    return TypeAdapter(get_args(annotation)[0])


def _valid(adapter: TypeAdapter[Any], raw: object) -> Any:
    try:
        return adapter.validate_python(raw)
    except ValidationError:
        return None


_LISTS = ("borders", "sectors", "zones", "cameras", "sensors", "notifiers")


def salvage(data: Mapping[object, object], base_dir: Path) -> SiteParts:
    """Validate each section (and each list item) of ``data`` on its own; keep what passes.

    For a site that failed validation as a whole; the schema errors themselves come
    from validating the whole file and are not repeated here.
    """
    lists: dict[str, list[Any]] = {}
    incomplete: set[str] = set()
    for section in _LISTS:
        raw = data.get(section, [])
        adapter = _item_adapter(section)
        lists[section] = [_valid(adapter, item) for item in raw] if isinstance(raw, list) else []
        if not isinstance(raw, list) or any(item is None for item in lists[section]):
            incomplete.add(section)
    site = data.get("site")
    origin = _valid(TypeAdapter(Origin), site.get("origin")) if isinstance(site, dict) else None
    storage = _valid(TypeAdapter(StorageConfig), data.get("storage", {}))
    return SiteParts(
        base_dir=base_dir.resolve(),
        origin=origin,
        borders=lists["borders"],
        sectors=lists["sectors"],
        zones=lists["zones"],
        cameras=lists["cameras"],
        sensors=lists["sensors"],
        notifiers=lists["notifiers"],
        storage=storage,
        incomplete=frozenset(incomplete),
    )
