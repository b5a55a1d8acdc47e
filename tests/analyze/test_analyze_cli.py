"""``kordon analyze`` end to end on a synthetic video, and its bad-input cases."""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest
from typer.testing import CliRunner

from kordon.analyze.options import AnalyzeError, LineSpec, ModelChoice, ZoneSpec
from kordon.cli.main import app
from kordon.video.source.synthetic import write_synthetic_video

runner = CliRunner()
START = "2024-05-01T12:00:00+00:00"


@pytest.fixture(scope="module")
def square_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A white square moving right 8 px per frame over grey, 160×120, 10 fps, 2 s."""
    path = tmp_path_factory.mktemp("video") / "square.mp4"
    write_synthetic_video(path, seconds=2.0, fps=10)
    return path


def test_analyze_writes_all_four_outputs(square_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["analyze", str(square_video), "--model", "motion", "--line", "80,0,80,120"]
    args += ["--zone", "100,0,160,0,160,120,100,120", "--out", str(out), "--start", START]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["frames_decoded"] == 19  # up to the last analysed frame (index 18)
    assert summary["frames_analysed"] == 10  # 5 fps of 10
    # walking down the line (point 1 → 2) its left is +x: moving right is right → left: out
    assert summary["lines"] == {"line-1": {"in": 0, "out": 1}}
    assert summary["zones"]["zone-1"] == {"zone_enter": 1}
    assert set(summary["stages_ms"]) == {"decode", "motion", "detect", "track", "rules"}
    events = [json.loads(x) for x in (out / "events.jsonl").read_text().splitlines()]
    # the square (moving right) crosses x = 80 before it enters the zone at x >= 100
    assert [(e["kind"], e["rule_id"], e["direction"]) for e in events] == [
        ("line_crossing", "line-1", "out"),
        ("zone_enter", "zone-1", None),
    ]
    assert all(e["time"].startswith("2024-05-01T12:00:0") for e in events)
    rows = [r.split(",") for r in (out / "tracks.txt").read_text().splitlines()]
    assert rows
    assert all(len(r) == 10 and r[7:] == ["-1", "-1", "-1"] for r in rows)
    assert {int(r[0]) % 2 for r in rows} == {1}  # source frames 0, 2, 4… numbered from 1
    with av.open(str(out / "annotated.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert sum(1 for _ in container.decode(stream)) == 10


def test_two_runs_give_identical_results(square_video: Path, tmp_path: Path) -> None:
    outputs = []
    for name in ("a", "b"):
        args = ["analyze", str(square_video), "--model", "motion", "--line", "80,0,80,120"]
        args += ["--out", str(tmp_path / name), "--start", START, "--no-video", "--fps", "0"]
        assert runner.invoke(app, args).exit_code == 0
        assert not (tmp_path / name / "annotated.mp4").exists()
        events = [
            json.loads(x) for x in (tmp_path / name / "events.jsonl").read_text().splitlines()
        ]
        for e in events:
            del e["id"]  # random by design
        outputs.append((events, (tmp_path / name / "tracks.txt").read_text()))
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.mp4"], "no such file"),
        (["NOTVIDEO"], "not a readable video"),
        (["VIDEO", "--line", "1,2,3"], "expected x1,y1,x2,y2"),
        (["VIDEO", "--line", "a,b,c,d"], "comma-separated numbers"),
        (["VIDEO", "--zone", "0,0,1,1"], "at least 3 points"),
        (["VIDEO", "--model", "rcnn"], "expected nanodet, ssdlite, motion or yolo:PATH"),
        (["VIDEO", "--model", "yolo:/nope.onnx"], "model file /nope.onnx not found"),
        (["VIDEO", "--fps", "-1"], "--fps must be > 0"),
        (["VIDEO", "--threads", "0"], "--threads must be in"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    args: list[str], message: str, square_video: Path, tmp_path: Path
) -> None:
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("this is not a video\n" * 50)
    real = {"VIDEO": str(square_video), "NOTVIDEO": str(not_video)}
    argv = ["analyze", *[real.get(a, a) for a in args], "--out", str(tmp_path / "o"), "--no-video"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0


def test_option_parsers() -> None:
    assert LineSpec.parse("0,300,768,300", "line-1").end_xy == (768.0, 300.0)
    assert len(ZoneSpec.parse("0,0,10,0,10,10", "zone-1").polygon_xy) == 3
    assert ModelChoice.parse("yolo:m.onnx").path == Path("m.onnx")
    with pytest.raises(AnalyzeError, match="identical"):
        LineSpec.parse("1,1,1,1", "line-1")
    with pytest.raises(AnalyzeError, match="only yolo takes a path"):
        ModelChoice.parse("nanodet:x")
