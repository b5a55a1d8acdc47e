"""Every configuration model in one import: ``from kordon.config.models import SiteConfig``.

The models live in small modules by topic (site, geo, camera, analytics, image_rules,
integrations, storage); this module only re-exports them.
"""

from kordon.config.analytics import (
    AnalyticsConfig,
    DetectorConfig,
    MotionDetector,
    MotionSettings,
    NanoDetDetector,
    SsdLiteDetector,
    YoloDetector,
)
from kordon.config.camera import (
    CameraConfig,
    ControlPoint,
    ControlPointsGeoref,
    FileSource,
    GeoreferenceConfig,
    PoseGeoref,
    RecordingConfig,
    SimulatorSource,
    SourceConfig,
    StreamSource,
)
from kordon.config.geo import (
    BBoxClip,
    BorderConfig,
    BufferSpec,
    KmClip,
    SectorConfig,
    Sides,
    ZoneConfig,
    ZoneKind,
)
from kordon.config.image_rules import ImageRuleConfig, LineRuleConfig, MaskConfig, ZoneRuleConfig
from kordon.config.incidents import IncidentsConfig, SlaConfig
from kordon.config.integrations import (
    AsterixRadar,
    CotNotifier,
    GroundSensor,
    MavlinkSensor,
    MqttNotifier,
    NotifierConfig,
    SensorConfig,
    WebhookNotifier,
)
from kordon.config.site import Origin, SiteConfig, SiteInfo
from kordon.config.storage import (
    ApiConfig,
    LoggingConfig,
    RetentionConfig,
    RetentionLimits,
    StorageConfig,
)

__all__ = [
    "AnalyticsConfig",
    "ApiConfig",
    "AsterixRadar",
    "BBoxClip",
    "BorderConfig",
    "BufferSpec",
    "CameraConfig",
    "ControlPoint",
    "ControlPointsGeoref",
    "CotNotifier",
    "DetectorConfig",
    "FileSource",
    "GeoreferenceConfig",
    "GroundSensor",
    "ImageRuleConfig",
    "IncidentsConfig",
    "KmClip",
    "LineRuleConfig",
    "LoggingConfig",
    "MaskConfig",
    "MavlinkSensor",
    "MotionDetector",
    "MotionSettings",
    "MqttNotifier",
    "NanoDetDetector",
    "NotifierConfig",
    "Origin",
    "PoseGeoref",
    "RecordingConfig",
    "RetentionConfig",
    "RetentionLimits",
    "SectorConfig",
    "SensorConfig",
    "Sides",
    "SimulatorSource",
    "SiteConfig",
    "SiteInfo",
    "SlaConfig",
    "SourceConfig",
    "SsdLiteDetector",
    "StorageConfig",
    "StreamSource",
    "WebhookNotifier",
    "YoloDetector",
    "ZoneConfig",
    "ZoneKind",
    "ZoneRuleConfig",
]
