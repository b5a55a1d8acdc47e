"""Files named by a site file are read bounded: devices, FIFOs and huge files are refused."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kordon.config.bounded_read import (
    BORDER_GEOJSON,
    SITE_FILE,
    FileKind,
    FileReadError,
    check_regular_file,
    read_bounded_bytes,
    read_bounded_text,
)
from kordon.config.errors import ConfigError, ConfigIssue
from kordon.config.loader import load_site
from tests.config.sites import BASE_SITE, edited
from tests.support.demo_site import kordon_command

INLINE_LINE = "coordinates: [[23.60, 51.50], [23.70, 51.60], [23.80, 51.60]]"
MEMORY_CAP_BYTES = 2 * 1024**3
"""Address-space cap of the child: reading /dev/zero unbounded hits it within seconds."""


def _site_with_geometry(tmp_path: Path, geometry: str) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(edited(INLINE_LINE, f"geometry_file: {geometry}"), encoding="utf-8")
    return path


def _issues(path: Path) -> tuple[ConfigIssue, ...]:
    with pytest.raises(ConfigError) as info:
        load_site(path)
    return info.value.issues


def _capped(command: list[str]) -> list[str]:
    """``command`` run with its address space capped (set in the child, then exec)."""
    cap = (
        "import os, resource, sys; "
        f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP_BYTES}, {MEMORY_CAP_BYTES})); "
        "os.execv(sys.argv[1], sys.argv[1:])"
    )
    return [sys.executable, "-c", cap, *command]


@pytest.mark.parametrize("target", ["/dev/zero", "FIFO"])
def test_config_check_refuses_a_device_or_fifo_as_geometry_with_bounded_memory(
    target: str, tmp_path: Path
) -> None:
    if target == "FIFO":
        target = str(tmp_path / "line.geojson")
        os.mkfifo(target)  # nobody ever writes: a blocking open would hang forever
    site = _site_with_geometry(tmp_path, target)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        _capped([*kordon_command(), "config", "check", str(site)]),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"borders[0].geometry_file: {target}: is a " in done.stderr
    assert "not a regular file" in done.stderr
    assert "64 MiB" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_oversized_geojson_is_refused_naming_file_and_limit(tmp_path: Path) -> None:
    big = tmp_path / "line.geojson"
    with big.open("wb") as handle:  # sparse: costs no disk
        handle.truncate(BORDER_GEOJSON.max_bytes + 1)
    issues = _issues(_site_with_geometry(tmp_path, "line.geojson"))
    assert [(i.path, i.line) for i in issues] == [("borders[0].geometry_file", 10)]
    assert issues[0].message == (
        f"{big}: is {BORDER_GEOJSON.max_bytes + 1} bytes; "
        "a border GeoJSON file may be at most 64 MiB"
    )


def test_the_site_file_itself_is_bounded(tmp_path: Path) -> None:
    big = tmp_path / "site.yaml"
    with big.open("wb") as handle:
        handle.truncate(SITE_FILE.max_bytes + 1)
    issues = _issues(big)
    assert [(i.file, i.line, i.message) for i in issues] == [
        (str(big), None, f"is {SITE_FILE.max_bytes + 1} bytes; a site file may be at most 10 MiB")
    ]
    device = _issues(Path("/dev/zero"))
    assert device[0].message.startswith("is a character device, not a regular file")


def test_a_device_as_model_or_video_is_named_as_such(tmp_path: Path) -> None:
    text = BASE_SITE.replace(
        'source: {kind: stream, url: "rtsp://10.0.0.1/stream", transport: tcp}',
        "source: {kind: file, path: /dev/zero}\n"
        "    analytics: {detector: {kind: nanodet, model: /dev/null}}",
    )
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    messages = {i.path: i.message for i in _issues(path)}
    assert messages == {
        "cameras[0].source.path": "/dev/zero: is a character device, not a regular file; "
        "a video file must be a regular file of at most 1024 GiB",
        "cameras[0].analytics.detector.model": "/dev/null: is a character device, not a "
        "regular file; a model file must be a regular file of at most 1 GiB",
    }


TINY = FileKind("test file", 8)


def test_read_bounded_accepts_up_to_the_limit_and_no_more(tmp_path: Path) -> None:
    exact = tmp_path / "exact"
    exact.write_bytes(b"12345678")
    assert read_bounded_bytes(exact, TINY) == b"12345678"
    check_regular_file(exact, TINY)
    exact.write_bytes(b"123456789")
    with pytest.raises(FileReadError, match=r"is 9 bytes; a test file may be at most 8 bytes"):
        read_bounded_bytes(exact, TINY)
    with pytest.raises(FileReadError, match=r"is 9 bytes"):
        check_regular_file(exact, TINY)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda _: None, "test file not found"),
        (lambda p: p.mkdir(), "is a directory, not a regular file"),
        (lambda p: p.write_bytes(b"\xff\xfe"), "not UTF-8 text (invalid start byte at byte 0)"),
        (lambda p: p.symlink_to("/dev/zero"), "is a character device"),
    ],
    ids=["missing", "directory", "not utf-8", "symlink to a device"],
)
def test_read_bounded_text_says_what_is_wrong(
    make: Callable[[Path], object], message: str, tmp_path: Path
) -> None:
    path = tmp_path / "f"
    make(path)
    with pytest.raises(FileReadError) as info:
        read_bounded_text(path, TINY)
    assert str(info.value) == f"{path}: {info.value.problem}"
    assert message in info.value.problem
    assert info.value.path == path
