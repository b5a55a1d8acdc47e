"""The video routes: recordings by time, playback as MP4, live fMP4 over a WebSocket.

The API is the real one (``create_api``) on a seeded site (``tests.api.fakes``), with a real
``LiveVideoService``: its camera ``cam1`` streams a small H.264 file and its recordings
were made by the real recorder from the same file into the site's database.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import av
import pytest
from starlette.websockets import WebSocketDisconnect

from kordon.api.app import create_api
from kordon.api.routes import video
from kordon.domain.status import DeviceStatus
from kordon.record.live import LiveSnapshot
from kordon.record.packet_source import AvPacketSource
from kordon.record.playback import PlaybackFiles
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.video.live.service import LiveVideoService
from kordon.video.live.stream import LiveSettings
from kordon.video.source.clock import FakeClock
from tests.api.conftest import TestClient, login
from tests.api.fakes import T0, Site, build_site
from tests.record.media import make_h264

ORIGIN = {"origin": "http://testserver"}


def _no_live(_camera_id: str) -> LiveSnapshot | None:
    return None


def _ignore(_status: DeviceStatus) -> None:
    return None


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    built = build_site(tmp_path)
    yield built
    built.store.close()


@pytest.fixture
def service(site: Site, tmp_path: Path) -> Iterator[LiveVideoService]:
    clip = make_h264(tmp_path / "cam1.ts", seconds=4.0, fps=10, gop=10)
    data_dir = tmp_path / "data"
    repository = RecordingRepository.on_sessions(site.store.sessions)
    Recorder(
        camera_id="cam1",
        source=str(clip),
        data_dir=data_dir,
        repository=repository,
        clock=FakeClock(T0),
        health=_ignore,
        settings=RecorderSettings(segment_s=1.0, stop_at_end=True),
    ).run()
    playback = PlaybackFiles(
        data_dir=data_dir,
        repository=lambda: RecordingRepository.on_sessions(site.store.sessions),
        live=_no_live,
    )
    live = LiveVideoService(
        clock=FakeClock(T0), playback=playback, settings=LiveSettings(retry_s=60.0)
    )
    live.add_camera("cam1", lambda: AvPacketSource(str(clip)))
    live.add_camera("cam2", lambda: AvPacketSource(str(clip)))
    yield live
    for camera_id in ("cam1", "cam2"):
        stream = live.stream(camera_id)
        assert stream is not None
        stream.stop()


@pytest.fixture
def client(site: Site, service: LiveVideoService) -> Iterator[TestClient]:
    app = create_api(site.context, extra_routers=[video.router(service)])
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def _iso(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


def test_recordings_list_the_recorded_span(client: TestClient) -> None:
    login(client, "operator")
    answer = client.get(
        "/api/cameras/cam1/recordings", params={"start": _iso(-60), "end": _iso(60)}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["spans"]) == 1
    span = body["spans"][0]
    assert span["start"] == T0.isoformat().replace("+00:00", "Z")
    assert span["segments"] >= 3
    assert body["max_playback_s"] == 900.0


def test_playback_serves_the_range_as_mp4_and_is_audited(client: TestClient, site: Site) -> None:
    login(client, "operator")
    answer = client.get(
        "/api/cameras/cam1/playback.mp4", params={"start": _iso(1.0), "end": _iso(2.5)}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "video/mp4"
    assert answer.headers["x-playback-start"] == _iso(1.0)  # a keyframe every second
    with av.open(io.BytesIO(answer.content), "r") as container:
        frames = list(container.decode(video=0))
    assert 14 <= len(frames) <= 16
    audit = [r for r in site.audit.recent(20) if r.action == "view_playback"]
    assert [(r.actor, r.subject, r.outcome) for r in audit] == [("operator", "camera:cam1", "ok")]
    assert audit[0].details["start"] == _iso(1.0)


@pytest.mark.parametrize(
    ("start", "end", "status", "detail"),
    [
        (5.0, 1.0, 400, "end must be after start"),
        (0.0, 901.0, 400, "longer than the 900 s allowed"),
        (600.0, 610.0, 404, "no footage"),
    ],
)
def test_bad_playback_ranges_are_refused(
    client: TestClient, start: float, end: float, status: int, detail: str
) -> None:
    login(client, "operator")
    answer = client.get(
        "/api/cameras/cam1/playback.mp4", params={"start": _iso(start), "end": _iso(end)}
    )
    assert answer.status_code == status
    assert detail in answer.json()["detail"]


def test_a_camera_outside_the_users_sectors_is_not_found(client: TestClient, site: Site) -> None:
    login(client, "operator")  # sector s1 only; cam2 is in s2
    for path in ("recordings", "playback.mp4"):
        answer = client.get(f"/api/cameras/cam2/{path}", params={"start": _iso(0), "end": _iso(2)})
        assert answer.status_code == 404
    with (
        pytest.raises(WebSocketDisconnect) as info,
        client.websocket_connect("/api/cameras/cam2/live", headers=ORIGIN),
    ):
        pass
    assert info.value.code == 1008
    refused = [(r.action, r.outcome) for r in site.audit.recent(20)]
    assert ("view_live", "refused") in refused
    assert refused.count(("out_of_scope", "refused")) == 2


def test_live_video_streams_fmp4_and_is_audited(client: TestClient, site: Site) -> None:
    login(client, "operator")
    with client.websocket_connect("/api/cameras/cam1/live", headers=ORIGIN) as ws:
        message = ws.receive()
        while "text" in message and json.loads(message["text"])["type"] == "status":
            message = ws.receive()
        header = json.loads(message["text"])
        assert header["type"] == "stream"
        assert header["camera_id"] == "cam1"
        init = ws.receive_bytes()
        assert init[4:8] == b"ftyp"
        fragments = [ws.receive_bytes() for _ in range(5)]
        assert all(f[4:8] == b"moof" for f in fragments)
    audit = [r for r in site.audit.recent(20) if r.action == "view_live"]
    assert [r.outcome for r in reversed(audit)] == ["started", "ended"]
    assert audit[0].details["duration_s"] == 0.0  # the site's clock did not move


def test_live_video_needs_a_session_and_the_origin(client: TestClient) -> None:
    for headers in (ORIGIN, {"origin": "http://evil.example"}):
        with (
            pytest.raises(WebSocketDisconnect) as info,
            client.websocket_connect("/api/cameras/cam1/live", headers=headers),
        ):
            pass
        assert info.value.code == 1008
        login(client, "operator")
