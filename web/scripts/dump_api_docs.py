"""Print the operator API's OpenAPI and AsyncAPI documents as the node serves them, offline.

The output is one JSON object ``{"openapi": ..., "asyncapi": ...}``: the documents of
``/api/openapi.json`` and ``/api/asyncapi.json`` (the live feed). The web UI's TypeScript
types are generated from them (``npm run gen:api``, ``scripts/gen-api-types.mjs``).

The app is built as ``kordon.app`` builds it: ``create_api`` with the equipment register
mounted and the same extra routers (health, metrics, video, reports, patrol units,
GeoJSON/KML export, drone tasking). FastAPI
writes the document from the route and model declarations alone, so the collaborators are
inert: any use of one raises, which proves that nothing of a running node leaks into the
document.

Usage: ``.venv/bin/python web/scripts/dump_api_docs.py [-o FILE]`` (stdout by default).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from kordon.api.app import TITLE, VERSION, create_api
from kordon.api.asyncapi import asyncapi_document
from kordon.api.context import ApiContext, ApiSettings
from kordon.api.health import health_router
from kordon.api.routes import drones as drone_routes
from kordon.api.routes import geoexport as geoexport_routes
from kordon.api.routes import reports as report_routes
from kordon.api.routes import units as unit_routes
from kordon.api.routes import video as video_routes
from kordon.api.routes.metrics import metrics_router


class InertCollaboratorError(RuntimeError):
    """A collaborator was used while only the API's declarations were needed."""


class _Inert:
    """Stands for a collaborator that building the document must never touch."""

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def __getattr__(self, attribute: str) -> Any:
        name = object.__getattribute__(self, "_name")
        raise InertCollaboratorError(f"{name}.{attribute} used while writing the OpenAPI document")

    def __call__(self, *_args: object, **_kwargs: object) -> Any:
        name = object.__getattribute__(self, "_name")
        raise InertCollaboratorError(f"{name}() called while writing the OpenAPI document")


def _inert(name: str) -> Any:
    return _Inert(name)


def _fixed_clock() -> datetime:
    return datetime(2000, 1, 1, tzinfo=UTC)


def _zero() -> float:
    return 0.0


def openapi_document() -> dict[str, Any]:
    """The document of a node with every optional part mounted (register, video, reports)."""
    context = ApiContext(
        accounts=_inert("accounts"),
        events=_inert("events"),
        incidents=_inert("incidents"),
        incident_actions=_inert("incident_actions"),
        devices=_inert("devices"),
        map_layers=_inert("map_layers"),
        cameras=_inert("cameras"),
        clips=_inert("clips"),
        snapshots=_inert("snapshots"),
        exports=_inert("exports"),
        audit=_inert("audit"),
        audit_reader=_inert("audit_reader"),
        clock=_fixed_clock,
        monotonic_s=_zero,
        settings=ApiSettings(static_dir=None),
        register=_inert("register"),
    )
    extra = [
        health_router(
            site_id="site",
            version="0",
            provider=_inert("health.provider"),
            conditions=_inert("health.conditions"),
            cameras=_inert("health.cameras"),
        ),
        metrics_router(_inert("metrics.provider")),
        video_routes.router(_inert("live_video")),
        report_routes.session_router(
            _inert("reports"), project_access=_inert("reports.project_access")
        ),
        unit_routes.session_router(_inert("units"), _inert("units.incidents")),
        geoexport_routes.session_router(_inert("tracks")),
        drone_routes.session_router(_inert("drones")),
    ]
    return create_api(context, extra_routers=extra).openapi()


def render(document: dict[str, Any]) -> str:
    """Stable text: sorted keys, so a changed document shows as a small diff."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def documents() -> dict[str, Any]:
    """Both documents, keyed ``openapi`` and ``asyncapi``."""
    return {
        "openapi": openapi_document(),
        "asyncapi": asyncapi_document(title=TITLE, version=VERSION),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-o", "--output", help="write here instead of stdout")
    args = parser.parse_args(argv)
    text = render(documents())
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
