"""GeoJSON exports: RFC 7946 structure, ``[lon, lat]`` order, null geometry, properties."""

from __future__ import annotations

import json
import math

import pytest

from kordon.interop.geoexport import incidents_geojson, tracks_geojson
from tests.interop.geoexport.builders import LAT, LON, T0, live_track, place


def _valid_feature_collection(document: object) -> list[dict[str, object]]:
    """Checks the RFC 7946 shape every export has; returns the features."""
    assert isinstance(document, dict)
    assert document["type"] == "FeatureCollection"
    features = document["features"]
    assert isinstance(features, list)
    for feature in features:
        assert feature["type"] == "Feature"
        assert set(feature) >= {"type", "geometry", "properties"}
        geometry = feature["geometry"]
        if geometry is not None:
            assert geometry["type"] == "Point"
            lon, lat = geometry["coordinates"]
            assert -180.0 <= lon <= 180.0
            assert -90.0 <= lat <= 90.0
    # strict JSON: no NaN or Infinity can hide in it
    json.loads(json.dumps(document, allow_nan=False))
    return features


def test_incident_point_is_lon_lat_with_its_properties() -> None:
    features = _valid_feature_collection(incidents_geojson([place()]))
    assert len(features) == 1
    feature = features[0]
    assert feature["id"] == "inc-1"
    assert feature["geometry"] == {"type": "Point", "coordinates": [LON, LAT]}
    assert feature["properties"] == {
        "id": "inc-1",
        "title": "Border crossing km 12.4",
        "status": "open",
        "priority": 1,
        "opened_at": T0.isoformat(),
        "sector_id": "north",
        "kind": "border_crossing",
        "class_name": "person",
        "direction": "inbound",
        "km_post": 12.4,
    }


def test_incident_without_position_has_null_geometry() -> None:
    features = _valid_feature_collection(
        incidents_geojson([place(id="a"), place(id="b", lat=None, lon=None)])
    )
    assert [f["id"] for f in features] == ["a", "b"]
    assert features[0]["geometry"] is not None
    assert features[1]["geometry"] is None


def test_no_incidents_is_an_empty_collection() -> None:
    assert _valid_feature_collection(incidents_geojson([])) == []


def test_track_point_and_trail_are_lon_lat() -> None:
    track = live_track()
    features = _valid_feature_collection(tracks_geojson([track]))
    assert len(features) == 1
    feature = features[0]
    assert feature["id"] == "site-7"
    assert feature["geometry"] == {"type": "Point", "coordinates": [LON, LAT]}
    properties = feature["properties"]
    assert isinstance(properties, dict)
    assert properties["trail"] == [[lon, lat] for lon, lat in track.trail_lonlat]
    assert properties["trail"][-1] == [LON, LAT]
    assert properties["sensors"] == ["cam-1", "radar-1"]
    assert properties["class_name"] == "person"
    assert properties["ellipse_major_m"] == 12.0
    assert properties["confirmed"] is True


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(math.nan, LON), (LAT, math.inf), (91.0, LON), (LAT, -180.5)],
)
def test_track_without_a_usable_position_is_left_out(lat: float, lon: float) -> None:
    features = _valid_feature_collection(
        tracks_geojson([live_track("site-1"), live_track("site-2", lat=lat, lon=lon)])
    )
    assert [f["id"] for f in features] == ["site-1"]


def test_non_finite_trail_points_are_dropped() -> None:
    track = live_track(trail_lonlat=((LON, math.nan), (LON, LAT)))
    features = _valid_feature_collection(tracks_geojson([track]))
    properties = features[0]["properties"]
    assert isinstance(properties, dict)
    assert properties["trail"] == [[LON, LAT]]
