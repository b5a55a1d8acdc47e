"""Privacy-masked video in evidence exports, on real segments, clips, ledger and bundles.

The masked copy is a derived file: re-encoded with the camera's privacy polygons filled,
listed in the manifest with the original's name and ledger hash, hashed and checked by
``verify_bundle`` like every other file, while the original stays the ledger's bytes.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest
from typer.testing import CliRunner

from kordon.cli import app
from kordon.config.image_rules import MaskConfig
from kordon.domain.event import Event, EventKind
from kordon.domain.incident import Incident, IncidentStatus, IncidentStep
from kordon.domain.tracks import ImageTracks
from kordon.evidence.bundle_verify import verify_bundle
from kordon.evidence.manifest import ManifestFile
from kordon.evidence.zipformat import CanonicalZipWriter
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.services.clips import ClipService
from kordon.services.evidence_log import EvidenceLog
from kordon.services.exports import ExportService
from kordon.services.ledger_service import LedgerService
from kordon.services.live_frames import LiveFrames
from kordon.services.masked_clips import MaskedCopyError
from kordon.store import Store
from kordon.video.source.clock import FakeClock
from tests.record.media import T0, FakeCamera, HealthLog, StepClock, make_h264
from tests.services.ledger_support import running_ledger

NOW = T0 + timedelta(hours=1)
EVENT_AT = T0 + timedelta(seconds=3)
MASK_X0, MASK_Y0, MASK_X1, MASK_Y1 = 40, 60, 200, 180
"""The privacy rectangle of cam-1 in its 320x240 frames."""
PRIVACY = MaskConfig(
    purpose="privacy",
    polygon=[(MASK_X0, MASK_Y0), (MASK_X1, MASK_Y0), (MASK_X1, MASK_Y1), (MASK_X0, MASK_Y1)],
)
DETECTION = MaskConfig(purpose="detection", polygon=[(0, 0), (10, 0), (10, 10)])
EDGE_PX = 8
"""Pixels near the polygon's edge that 4:2:0 chroma and the codec's blocks may blur."""

Frames = list[npt.NDArray[np.uint8]]


@pytest.fixture(scope="module")
def h264(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 s, 320x240, 10 fps, a keyframe every second, a moving bar over grey."""
    return make_h264(tmp_path_factory.mktemp("media") / "cam.ts", seconds=6.0)


@dataclass
class Site:
    data_dir: Path
    ledger: LedgerService
    clips: ClipService
    exports: ExportService


@pytest.fixture
def site(store: Store, tmp_path: Path, h264: Path) -> Iterator[Site]:
    """cam-1 (one privacy mask) recorded into the ledger; an incident of an event at 3 s."""
    data_dir = tmp_path / "data"
    repository = RecordingRepository.on_sessions(store.sessions)
    with running_ledger(data_dir, FakeClock(NOW)) as ledger:
        evidence = EvidenceLog(ledger)
        camera_clock = StepClock()
        Recorder(
            camera_id="cam-1",
            source=FakeCamera(h264, camera_clock),
            data_dir=data_dir,
            repository=repository,
            clock=camera_clock,
            health=HealthLog(),
            sink=evidence,
            settings=RecorderSettings(
                segment_s=1.0, max_segment_s=3.0, max_lag_s=None, stop_at_end=True
            ),
        ).run()
        event = Event(id="ev-1", kind=EventKind.LINE_CROSSING, time=EVENT_AT, source_id="cam-1")
        store.events.add(event)
        store.incidents.create(
            Incident(
                id="inc-1",
                title="Crossing",
                opened_at=EVENT_AT,
                priority=2,
                event_ids=("ev-1",),
                history=(IncidentStep(IncidentStatus.OPEN, actor="correlator", time=EVENT_AT),),
            ),
            time=EVENT_AT,
        )
        frames = LiveFrames(data_dir / "snapshots", {}, evidence=evidence)
        frames.update("cam-1", np.full((240, 320, 3), 90, np.uint8), ImageTracks.empty())
        frames.save_event_snapshots("cam-1", [event])
        clips = ClipService(
            store=lambda: store,
            repository=lambda: repository,
            data_dir=data_dir,
            roll_s={"cam-1": (1.0, 1.0)},
            live=lambda _camera: None,
            clock=lambda: NOW,
            evidence=evidence,
        )
        exports = ExportService(
            site_id="site-1",
            data_dir=data_dir,
            ledger=ledger,
            clips=clips,
            snapshots=frames,
            store=lambda: store,
            privacy_masks={"cam-1": (DETECTION, PRIVACY)},
        )
        yield Site(data_dir, ledger, clips, exports)


def _export(site: Site, *, masked_video: bool) -> Path:
    return site.exports.create_export(
        incident_id="inc-1",
        reason="press release",
        actor="alice",
        time=NOW,
        masked_video=masked_video,
    ).path


def _decode(data: bytes, tmp: Path) -> Frames:
    tmp.write_bytes(data)
    with av.open(str(tmp)) as container:
        return [
            np.asarray(f.to_ndarray(format="rgb24"), np.uint8) for f in container.decode(video=0)
        ]


def _members(bundle: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _clip_names(site: Site) -> tuple[str, str]:
    (clip,) = site.clips.clips_for_incident("inc-1")
    original = f"clips/cam-1-{clip.id}.mp4"
    return original, f"clips/cam-1-{clip.id}.masked.mp4"


def test_a_masked_export_verifies_and_lists_the_copy_as_derived(site: Site) -> None:
    bundle = _export(site, masked_video=True)
    report = verify_bundle(bundle)
    assert report.ok, report.render()
    assert report.manifest is not None
    original_name, masked_name = _clip_names(site)
    (derived,) = report.derived
    assert derived.name == masked_name
    assert derived.derivation is not None
    (clip,) = site.clips.clips_for_incident("inc-1")
    ledgered = site.ledger.ledger.file_entry(f"clips/{clip.id}.mp4")
    assert ledgered is not None
    assert derived.derivation.derived_from.name == original_name
    assert derived.derivation.derived_from.sha256 == ledgered.sha256
    assert derived.derivation.transform == "privacy_mask"
    assert derived.derivation.polygons_px == (
        ((40.0, 60.0), (200.0, 60.0), (200.0, 180.0), (40.0, 180.0)),
    )  # the privacy mask only: a detection mask hides nothing
    assert f"derived: {masked_name} (privacy_mask" in report.render()
    originals = {f.name: f for f in report.manifest.files if f.derivation is None}
    assert set(originals) == {original_name, "snapshots/ev-1.jpg", "incident.json"}


def test_the_original_clip_stays_the_ledgers_bytes(site: Site) -> None:
    members = _members(_export(site, masked_video=True))
    original_name, masked_name = _clip_names(site)
    (clip,) = site.clips.clips_for_incident("inc-1")
    entry = site.ledger.ledger.file_entry(f"clips/{clip.id}.mp4")
    assert entry is not None
    original = members[f"files/{original_name}"]
    assert hashlib.sha256(original).hexdigest() == entry.sha256
    assert original == (site.data_dir / "clips" / f"{clip.id}.mp4").read_bytes()
    assert members[f"files/{masked_name}"] != original


def test_masked_frames_are_filled_inside_the_polygon_and_unchanged_outside(
    site: Site, tmp_path: Path
) -> None:
    members = _members(_export(site, masked_video=True))
    original_name, masked_name = _clip_names(site)
    plain = _decode(members[f"files/{original_name}"], tmp_path / "plain.mp4")
    masked = _decode(members[f"files/{masked_name}"], tmp_path / "masked.mp4")
    assert len(plain) >= 10
    assert len(masked) == len(plain)
    inside = np.zeros((240, 320), bool)
    inside[MASK_Y0 + EDGE_PX : MASK_Y1 - EDGE_PX, MASK_X0 + EDGE_PX : MASK_X1 - EDGE_PX] = True
    outside = np.ones((240, 320), bool)
    outside[MASK_Y0 - EDGE_PX : MASK_Y1 + EDGE_PX, MASK_X0 - EDGE_PX : MASK_X1 + EDGE_PX] = False
    for before, after in zip(plain, masked, strict=True):
        assert before[inside].max(axis=-1).min() >= 30  # there was picture there to hide
        assert after[inside].max() <= 12  # filled black (codec noise only)
        diff = np.abs(after[outside].astype(np.int16) - before[outside].astype(np.int16))
        assert diff.mean() < 3.0
        assert np.percentile(diff, 99) <= 24


def test_kordon_verify_reports_the_masked_copy_as_derived(site: Site, tmp_path: Path) -> None:
    bundle = _export(site, masked_video=True)
    _, masked_name = _clip_names(site)
    result = CliRunner().invoke(app, ["verify", str(bundle)])
    assert result.exit_code == 0, result.output
    assert f"derived: {masked_name} (privacy_mask, 1 polygon(s), re-encoded h264)" in result.output
    members = _members(bundle)
    blob = bytearray(members[f"files/{masked_name}"])
    blob[-100] ^= 0x01
    members[f"files/{masked_name}"] = bytes(blob)
    altered = tmp_path / "altered.zip"
    _rezip(members, altered)
    failed = CliRunner().invoke(app, ["verify", str(altered)])
    assert failed.exit_code == 1
    assert f"files/{masked_name}: content differs from the manifest" in failed.output


def _rezip(members: dict[str, bytes], target: Path) -> None:
    """The members in a canonical bundle zip (as ``create_bundle`` lays it out)."""
    with target.open("xb") as handle:
        writer = CanonicalZipWriter(handle)
        for name, content in members.items():
            writer.add_bytes(name, content)
        writer.close()


def test_without_masked_video_no_copy_is_made(site: Site) -> None:
    report = verify_bundle(_export(site, masked_video=False))
    assert report.ok, report.render()
    assert report.derived == ()
    assert "derived" not in report.render()


def test_a_changed_byte_in_the_masked_copy_fails_verification(site: Site, tmp_path: Path) -> None:
    members = _members(_export(site, masked_video=True))
    _, masked_name = _clip_names(site)
    data = bytearray(members[f"files/{masked_name}"])
    data[len(data) // 2] ^= 0x01
    members[f"files/{masked_name}"] = bytes(data)
    altered = tmp_path / "altered.zip"
    _rezip(members, altered)
    report = verify_bundle(altered)
    assert not report.ok
    assert report.issues == (
        f"files/{masked_name}: content differs from the manifest (hash or size)",
    )


def test_a_masked_copy_claiming_another_original_fails_verification(
    site: Site, tmp_path: Path
) -> None:
    bundle = _export(site, masked_video=True)
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(unpacked)
    manifest_path = unpacked / "manifest.json"
    text = manifest_path.read_text(encoding="utf-8")
    original_name, _ = _clip_names(site)
    claim = f'"derived_from":{{"name":"{original_name}"'
    assert claim in text
    manifest_path.write_text(
        text.replace(claim, '"derived_from":{"name":"clips/other.mp4"'), encoding="utf-8"
    )
    report = verify_bundle(unpacked)
    assert "which is not an original file of this bundle" in " ".join(report.issues)


def test_an_edited_clip_refuses_the_masked_export(site: Site) -> None:
    (clip,) = site.clips.clips_for_incident("inc-1")
    path = site.clips.open_clip(clip.id)
    data = bytearray(path.read_bytes())
    data[2000] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(MaskedCopyError, match=r"not the .* its ledger entry recorded"):
        _export(site, masked_video=True)
    assert not list((site.data_dir / "exports").glob("*.zip"))
    assert not list((site.data_dir / "exports").glob(".*"))  # no temporary file left


def test_an_original_keeps_its_canonical_manifest_form() -> None:
    """Manifests of bundles made before derived files existed keep their bytes."""
    item = ManifestFile(name="a.mp4", size_bytes=3, sha256="0" * 64)
    assert (
        item.canonical_bytes() == b'{"name":"a.mp4","sha256":"' + b"0" * 64 + b'","size_bytes":3}'
    )


def test_a_clip_that_retention_deleted_is_cut_again_with_the_ledgers_bytes(site: Site) -> None:
    """Clips are a cache (``clips_max_age_days``): one cut again from the same segments has
    the bytes its first ledger entry recorded, so a later export still verifies."""
    (clip,) = site.clips.clips_for_incident("inc-1")
    path = site.clips.open_clip(clip.id)
    first = hashlib.sha256(path.read_bytes()).hexdigest()
    path.unlink()  # as evidence retention deletes it
    report = verify_bundle(_export(site, masked_video=True))
    assert report.ok, report.render()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == first
