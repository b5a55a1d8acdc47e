"""The centre serves an outpost's event snapshot, as it arrived, from the node's own route.

The operator API over the centre's store (SQLite and PostgreSQL) with
:class:`~kordon.central.snapshots.CentralSnapshots`: the exact JPEG bytes for an event
whose snapshot arrived, 404 for one whose has not, and none for live camera views.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from kordon.api.app import create_api
from kordon.central.snapshots import CentralSnapshots
from kordon.link.batch import decode_batch, encode_batch
from kordon.link.event_snapshot import EventSnapshot
from kordon.link.ingest import Ingestor
from kordon.link.outbox import Outbox
from tests.api.fakes import PASSWORD, Site, build_site
from tests.link.support import at, edge_store, event

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # see tests/api/conftest.py
    from fastapi.testclient import TestClient


@pytest.fixture
def site(tmp_path: Path, store_url: str) -> Iterator[Site]:
    built = build_site(tmp_path, database_url=store_url)
    yield built
    built.store.close()


def _picture() -> bytes:
    image = np.random.default_rng(5).integers(0, 256, (120, 160, 3), dtype=np.uint8)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return bytes(data.tobytes())


def test_the_centre_serves_an_arrived_snapshot_byte_for_byte(site: Site, tmp_path: Path) -> None:
    picture = _picture()
    edge = edge_store(tmp_path / "edge.db")
    try:
        outbox = Outbox(edge.sessions)
        shown = replace(event(1), sector_id=None)  # every operator may see it
        with edge.sessions.begin() as session:
            entries = [
                outbox.append(session, shown, created_at=at(1)),
                outbox.append(session, EventSnapshot.of(shown.id, picture), created_at=at(1)),
                outbox.append(session, replace(event(2), sector_id=None), created_at=at(2)),
            ]
    finally:
        edge.close()
    batch = decode_batch(encode_batch("b-1", "edge-a", entries))
    Ingestor(site.store).ingest(batch, time=at(3))
    context = replace(site.context, snapshots=CentralSnapshots(lambda: site.store))
    with TestClient(create_api(context), base_url="http://testserver") as client:
        response = client.post(
            "/api/auth/login", json={"username": "admin-all", "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        answer = client.get(f"/api/events/{shown.id}/snapshot.jpg")
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "image/jpeg"
        assert answer.content == picture
        missing = client.get(f"/api/events/{event(2).id}/snapshot.jpg")
        assert missing.status_code == 404
        assert f"no snapshot for event {event(2).id!r}" in missing.text
        unknown = client.get("/api/events/ev-nowhere/snapshot.jpg")
        assert unknown.status_code == 404
        live = client.get("/api/cameras/cam1/snapshot.jpg")  # live views stay at the outposts
        assert live.status_code == 404
        assert "no frame yet from camera 'cam1'" in live.text
