"""``GroundSensorService`` built from site-file entries: MQTT in, observations and health out
on the node's loop; the HTTP intake exists only where a secret is configured."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import timedelta

import pytest

from kordon.config.integrations import GroundSensor
from kordon.domain.observations import Observations
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.geo.frame import LocalFrame
from kordon.sensors.ugs.mqtt import MqttEndpoint
from kordon.sensors.ugs.publisher import UgsMqttPublisher
from kordon.sensors.ugs.service import GroundSensorService
from tests.sensors.ugs.support import BROKER, T0, ManualClock, message, require_broker

FRAME = LocalFrame(51.6, 23.7)
SECRET_ENV = {"UGS_SITE_SECRET": "a site-wide secret, 32 bytes long"}


def _sensors(prefix: str) -> list[GroundSensor]:
    mqtt = {"host": BROKER[0], "port": BROKER[1], "topic": f"{prefix}/+/msg"}
    return [
        GroundSensor(
            kind="ground_sensor",
            id="ugs-1",
            lat=51.601,
            lon=23.701,
            radius_m=20.0,
            sensor_type="seismic",
            mqtt=mqtt,
        ),
        GroundSensor(
            kind="ground_sensor",
            id="ugs-2",
            lat=51.602,
            lon=23.702,
            radius_m=20.0,
            secret_env="UGS_SITE_SECRET",
        ),
    ]


def test_without_secrets_there_is_no_http_intake_and_without_mqtt_no_subscriber() -> None:
    plain = GroundSensor(kind="ground_sensor", id="ugs-1", lat=51.6, lon=23.7, radius_m=5.0)
    service = GroundSensorService(
        [plain], FRAME, clock=ManualClock(), environ={}, on_observations=print, on_status=print
    )
    assert service.http_intake is None
    assert service.subscribers == []
    [status] = service.statuses()
    assert (status.device_id, status.state) == ("ugs-1", DeviceState.STARTING)


def test_sensors_on_one_broker_share_one_subscriber() -> None:
    sensors = _sensors("t")
    service = GroundSensorService(
        sensors,
        FRAME,
        clock=ManualClock(),
        environ=SECRET_ENV,
        on_observations=print,
        on_status=print,
    )
    assert service.http_intake is not None
    assert len(service.subscribers) == 1
    assert service.subscribers[0].endpoint.host == BROKER[0]


def test_an_mqtt_alarm_reaches_the_callbacks_on_the_nodes_loop() -> None:
    require_broker()
    prefix = f"kordon-test/{uuid.uuid4().hex[:12]}"
    clock = ManualClock(T0 + timedelta(seconds=1))
    observations: list[Observations] = []
    statuses: list[DeviceStatus] = []
    threads: set[int] = set()

    async def scenario() -> None:
        done = asyncio.Event()

        def on_observations(obs: Observations) -> None:
            threads.add(threading.get_ident())
            observations.append(obs)
            done.set()

        def on_status(status: DeviceStatus) -> None:
            threads.add(threading.get_ident())
            statuses.append(status)

        service = GroundSensorService(
            _sensors(prefix),
            FRAME,
            clock=clock,
            environ=SECRET_ENV,
            on_observations=on_observations,
            on_status=on_status,
            client_id=f"kordon-test-{uuid.uuid4().hex[:8]}",
            tick_s=0.05,
        )
        await service.start()
        try:
            subscriber = service.subscribers[0]
            assert await asyncio.to_thread(subscriber.connected.wait, 15.0)
            publisher = UgsMqttPublisher(
                MqttEndpoint(
                    *BROKER,
                    client_id=f"kordon-test-{uuid.uuid4().hex[:8]}",
                    persistent_session=False,
                ),
                f"{prefix}/{{sensor_id}}/msg",
            )
            publisher.start()
            try:
                assert await asyncio.to_thread(publisher.connected.wait, 15.0)
                info = publisher.publish(message(T0, class_hint="person", seq=1))
                await asyncio.to_thread(info.wait_for_publish, 15.0)
                await asyncio.wait_for(done.wait(), 15.0)
            finally:
                publisher.stop()
        finally:
            await service.stop()
        assert threads == {threading.get_ident()}  # delivered on the loop's thread

    asyncio.run(scenario())
    [obs] = observations
    east, north = FRAME.to_local(23.701, 51.601)
    assert obs.east_north_m[0].tolist() == pytest.approx([float(east), float(north)])
    assert obs.cov_m2[0].tolist() == [[100.0, 0.0], [0.0, 100.0]]
    assert obs.class_name.tolist() == ["person"]
    assert [(s.device_id, s.state) for s in statuses][:1] == [("ugs-1", DeviceState.ONLINE)]
