"""``/metrics``: the exposition text parsed back line by line, values from real parts."""

from __future__ import annotations

import asyncio
import math
import warnings
from pathlib import Path

import pytest
from fastapi import FastAPI

from kordon.api.routes.metrics import bearer_matches, is_loopback, metrics_router
from kordon.bus.channels import EVENTS, INCIDENTS
from kordon.bus.inprocess import InProcessBus
from kordon.bus.protocol import route
from kordon.config.fusion import SiteFusionConfig
from kordon.config.loader import load_site
from kordon.domain.event import Event
from kordon.domain.incident import Incident
from kordon.domain.observations import Observations
from kordon.domain.scan import SensorScan
from kordon.domain.status import DeviceState
from kordon.fusion.sensors import SensorKind, SensorSpec
from kordon.geo.site_geometry import SiteGeometry
from kordon.notify.exposition import MetricFamily, format_value, render
from kordon.notify.health import NotifierHealth
from kordon.notify.metrics import MetricsCollector
from kordon.site.factory import site_picture_core
from kordon.site.picture import SitePictureCore
from tests.notify import builders
from tests.notify.promtext import parse

with warnings.catch_warnings():
    # Starlette 1.x warns that its test client will move from httpx to httpx2 (as in
    # tests/api/conftest.py); the httpx client still works.
    warnings.simplefilter("ignore", UserWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient


class FixedNotifier:
    name = "notifier-mqtt-1"

    def health(self) -> NotifierHealth:
        return NotifierHealth("mqtt-1", "mqtt", False, 7, 100, 40, 2, dropped_tracks=5, failures=3)


def test_render_escapes_labels_and_help_and_parses_back() -> None:
    family = MetricFamily("kordon_test", "gauge", "help with \\ and\nnewline")
    family.add(1.5, camera='a"b\\c\nd')
    family.add(2, camera="plain")
    text = render([family, MetricFamily("kordon_empty", "counter", "left out")])
    assert 'camera="a\\"b\\\\c\\nd"' in text
    parsed = parse(text)
    assert set(parsed) == {"kordon_test"}
    assert parsed["kordon_test"].help == "help with \\ and\nnewline"
    assert parsed["kordon_test"].value(camera='a"b\\c\nd') == 1.5
    assert parsed["kordon_test"].value(camera="plain") == 2.0
    assert 'kordon_test{camera="plain"} 2\n' in text


@pytest.mark.parametrize(
    ("value", "text"),
    [(3.0, "3"), (0.25, "0.25"), (math.inf, "+Inf"), (-math.inf, "-Inf"), (math.nan, "NaN")],
)
def test_values_are_spelled_as_the_format_wants(value: float, text: str) -> None:
    assert format_value(value) == text


@pytest.mark.parametrize("name", ["9lives", "kordon-x", "", "a b"])
def test_bad_metric_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="invalid metric name"):
        MetricFamily(name, "gauge", "x")


def test_bad_label_names_and_repeated_families_are_refused() -> None:
    family = MetricFamily("kordon_x", "gauge", "x")
    with pytest.raises(ValueError, match="invalid label name"):
        family.add(1, __reserved="x")
    with pytest.raises(ValueError, match="appears twice"):
        render([MetricFamily("kordon_x", "gauge", "x"), MetricFamily("kordon_x", "gauge", "x")])


@pytest.fixture(scope="module")
def core(repo_root: Path) -> SitePictureCore:
    geometry = SiteGeometry.from_config(load_site(repo_root / "examples" / "volyn" / "site.yaml"))
    geometry.build_indexes()
    return site_picture_core(geometry, [SensorSpec("cam-1", SensorKind.CAMERA)], SiteFusionConfig())


def _bus_with_a_backlog() -> InProcessBus:
    """A bus with one subscription of 2 places that got 3 events (1 dropped) and one
    incident subscription that got nothing."""
    bus = InProcessBus(queue_size=2)

    async def ignore_event(_event: Event) -> None:
        return None

    async def ignore_incident(_incident: Incident) -> None:
        return None

    async def go() -> None:
        bus.bind(asyncio.get_running_loop())
        bus.subscribe(route(EVENTS, ignore_event))
        bus.subscribe(route(INCIDENTS, ignore_incident))
        for i in range(3):
            bus.publish(EVENTS, builders.event(f"ev-{i}"))

    asyncio.run(go())
    return bus


def test_collector_reports_every_part(core: SitePictureCore) -> None:
    core.on_scan(SensorScan("ghost", 1_800_000_000.0, Observations.empty()), 1_800_000_000.0)
    core.on_scan(SensorScan("cam-1", 1_800_000_000.0, Observations.empty()), 1_800_000_001.0)
    camera_metrics = {
        "fps": 9.5,
        "frames": 1200.0,
        "frames_skipped": 3.0,
        "decode_errors": 1.0,
        "detect_ms": 12.5,
        "detect_p95_ms": 20.25,
        "motion_ms": 1.5,
        "motion_p95_ms": 2.0,
    }
    devices = [
        builders.status("cam-1", DeviceState.ONLINE, camera_metrics),
        builders.status("cam-2", DeviceState.OFFLINE),
        builders.status("ugs-1", DeviceState.DEGRADED, {"battery_pct": 15.0}),
    ]
    collector = MetricsCollector(
        devices=lambda: devices,
        camera_ids={"cam-1", "cam-2"},
        bus=_bus_with_a_backlog(),
        incidents_by_status=lambda: {"open": 3, "acknowledged": 1},
        site=lambda: core,
        notifiers=[FixedNotifier()],
    )
    m = parse(collector.render())

    assert m["kordon_device_state"].value(device="ugs-1", state="degraded") == 1
    assert m["kordon_device_state"].value(device="ugs-1", state="online") == 0
    assert m["kordon_camera_up"].value(camera="cam-1") == 1
    assert m["kordon_camera_up"].value(camera="cam-2") == 0
    assert ("camera", "ugs-1") not in {k for s in m["kordon_camera_up"].samples for k in s}
    assert m["kordon_camera_fps"].value(camera="cam-1") == 9.5
    assert m["kordon_camera_frames_total"].type == "counter"
    assert m["kordon_camera_frames_total"].value(camera="cam-1") == 1200
    assert m["kordon_camera_frames_skipped_total"].value(camera="cam-1") == 3
    assert m["kordon_camera_decode_errors_total"].value(camera="cam-1") == 1
    stage = m["kordon_camera_stage_ms"]
    assert stage.value(camera="cam-1", stage="detect", stat="mean") == 12.5
    assert stage.value(camera="cam-1", stage="detect", stat="p95") == 20.25
    assert stage.value(camera="cam-1", stage="motion", stat="p95") == 2.0
    assert len(stage.samples) == 4

    assert m["kordon_bus_queue_depth"].value(subscription="0", topics="events") == 2
    assert m["kordon_bus_dropped_total"].value(subscription="0", topics="events") == 1
    assert m["kordon_bus_queue_capacity"].value(subscription="1", topics="incidents") == 2
    assert m["kordon_bus_queue_depth"].value(subscription="1", topics="incidents") == 0

    incidents = m["kordon_incidents"]
    assert incidents.value(state="open") == 3
    assert incidents.value(state="acknowledged") == 1
    assert incidents.value(state="closed") == 0
    assert len(incidents.samples) == 5

    assert m["kordon_site_scans_total"].value() == core.scans == 2
    assert m["kordon_site_rejected_scans_total"].value() == core.rejected_scans == 1
    assert m["kordon_site_steps_total"].value() == core.steps
    assert m["kordon_fusion_numerical_failures_total"].value() == 0

    labels = {"notifier": "mqtt-1", "kind": "mqtt"}
    assert m["kordon_notifier_connected"].value(**labels) == 0
    assert m["kordon_notifier_queue_depth"].value(**labels) == 7
    assert m["kordon_notifier_queue_capacity"].value(**labels) == 100
    assert m["kordon_notifier_sent_total"].value(**labels) == 40
    assert m["kordon_notifier_dropped_total"].value(**labels) == 2
    assert m["kordon_notifier_dropped_tracks_total"].value(**labels) == 5
    assert m["kordon_notifier_failures_total"].value(**labels) == 3


def test_parts_that_are_absent_are_left_out() -> None:
    m = parse(MetricsCollector(devices=list).render())
    assert m == {}


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.9.9.9", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("10.0.0.5", False),
        ("::ffff:10.0.0.5", False),
        ("testclient", False),
        (None, False),
    ],
)
def test_loopback_addresses(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_bearer_token_must_match_exactly() -> None:
    assert bearer_matches("Bearer t0ken-abc", "t0ken-abc")
    assert bearer_matches("bearer t0ken-abc", "t0ken-abc")
    assert not bearer_matches("Bearer t0ken-abd", "t0ken-abc")
    assert not bearer_matches("Basic t0ken-abc", "t0ken-abc")
    assert not bearer_matches("Bearer ", "")
    assert not bearer_matches(None, "t0ken-abc")
    assert not bearer_matches("Bearer t0ken-abc", None)


def _app(token: str | None, *, allow_loopback: bool = True) -> FastAPI:
    app = FastAPI()
    collector = MetricsCollector(
        devices=lambda: [builders.status("cam-1", metrics={"fps": 5.0})], camera_ids={"cam-1"}
    )
    app.include_router(metrics_router(collector.render, token=token, allow_loopback=allow_loopback))
    return app


def test_route_serves_loopback_without_a_session() -> None:
    with TestClient(_app(None), client=("127.0.0.1", 50000)) as client:
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert parse(response.text)["kordon_camera_fps"].value(camera="cam-1") == 5.0


def test_route_refuses_a_remote_client_without_the_token() -> None:
    with TestClient(_app("t0ken-abc"), client=("10.1.2.3", 50000)) as client:
        refused = client.get("/metrics")
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        allowed = client.get("/metrics", headers={"Authorization": "Bearer t0ken-abc"})
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert wrong.status_code == 401
    assert allowed.status_code == 200
    assert "kordon_camera_fps" in parse(allowed.text)


def test_route_without_loopback_needs_the_token_even_locally() -> None:
    with TestClient(_app("t0ken-abc", allow_loopback=False), client=("127.0.0.1", 1)) as c:
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer t0ken-abc"}).status_code == 200


def test_route_with_no_token_is_loopback_only() -> None:
    with TestClient(_app(None), client=("10.1.2.3", 50000)) as client:
        assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401
