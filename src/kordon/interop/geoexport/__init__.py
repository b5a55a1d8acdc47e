"""GeoJSON (RFC 7946) and KML 2.2 exports of incidents and live site tracks."""

from kordon.interop.geoexport.geojson import incidents_geojson, tracks_geojson
from kordon.interop.geoexport.kml import incidents_kml, tracks_kml
from kordon.interop.geoexport.place import IncidentPlace
from kordon.interop.geoexport.track_book import TrackBook, TrackSource

__all__ = [
    "IncidentPlace",
    "TrackBook",
    "TrackSource",
    "incidents_geojson",
    "incidents_kml",
    "tracks_geojson",
    "tracks_kml",
]
