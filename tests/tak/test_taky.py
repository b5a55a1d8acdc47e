"""Against a real TAK server: taky (MIT, from PyPI) on loopback.

Kordon connects as a client; a second real client (pytak) and a third (a raw socket
speaking CoT XML) see Kordon's tracks and incident alarm through the server; Kordon sees
the pytak client's position reports; a tasking sent to the pytak unit reaches it and not
the third client. Skips without taky/pytak on a developer's machine, fails in CI.
"""

from __future__ import annotations

import asyncio
import configparser
import shutil
import socket
import subprocess
import sys
import time
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kordon.bus.channels import ALERTS, INCIDENTS, SITE_TRACKS
from kordon.bus.inprocess import InProcessBus
from kordon.domain.event import Direction
from kordon.geo.frame import LocalFrame
from kordon.interop.cot.errors import CotParseError
from kordon.interop.cot.event import CotEvent
from kordon.interop.cot.inbound import FieldUnitPosition, StreamDecoder
from kordon.interop.cot.xml import parse_xml_element
from kordon.tak.service import TakService
from kordon.tak.settings import TakSettings
from tests.interop.cot import builders
from tests.support.demo_site import free_port
from tests.support.requirements import require_or_skip
from tests.tak.test_service import _alert

WAIT_S = 20.0
FRAME = LocalFrame(51.2, 24.1)


@pytest.fixture
def taky(tmp_path: Path) -> Iterator[int]:
    script = Path(sys.executable).with_name("taky")
    if not script.exists() and shutil.which("taky") is None:
        require_or_skip("taky (pip install taky) is not installed")
    port = free_port()
    conf = tmp_path / "taky.conf"
    conf.write_text(
        "[taky]\nhostname = localhost\nnode_id = TAKY\nbind_ip = 127.0.0.1\nroot_dir = .\n"
        f"[cot_server]\nport = {port}\n[dp_server]\nupload_path = ./dp\n[ssl]\nenabled = false\n"
    )
    log = (tmp_path / "taky.log").open("wb")
    process = subprocess.Popen(
        [str(script if script.exists() else shutil.which("taky")), "-c", str(conf), "-l", "info"],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"taky did not start: {(tmp_path / 'taky.log').read_text()}")
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _pytak() -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pytak warns about its optional aiohttp extra
            import pytak  # type: ignore[import-untyped]
    except ImportError:
        require_or_skip("pytak (pip install pytak) is not installed")
    return pytak


def _sa(pytak: Any, uid: str, callsign: str, lat: float, lon: float) -> bytes:
    """An ATAK-like self SA made by pytak, with the group and takv a TAK server expects."""
    event = pytak.gen_cot_xml(
        lat=lat,
        lon=lon,
        ce=6.5,
        hae=180.0,
        le=9.0,
        uid=uid,
        stale=600,
        cot_type="a-f-G-U-C",
        callsign=callsign,
    )
    detail = event.find("detail")
    ET.SubElement(detail, "__group", name="Cyan", role="Team Member")
    ET.SubElement(detail, "takv", device="test", platform="pytak", os="linux", version="7")
    data: bytes = pytak.serialize_cot(event)
    return data


def _raw_sa(uid: str, callsign: str) -> bytes:
    now = datetime.now(UTC)
    fmt = "%Y-%m-%dT%H:%M:%S.000Z"
    return (
        f'<event version="2.0" uid="{uid}" type="a-f-G-U-C" how="h-e" time="{now:{fmt}}" '
        f'start="{now:{fmt}}" stale="{now + timedelta(minutes=10):{fmt}}">'
        '<point lat="51.3" lon="24.3" hae="0" ce="9999999" le="9999999"/>'
        f'<detail><contact callsign="{callsign}"/><__group name="Cyan" role="Team Member"/>'
        '<takv device="raw" platform="socket" os="linux" version="1"/></detail></event>'
    ).encode()


class Collector:
    """Reads a stream into events (and the raw XML of each, for detail checks)."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.events: list[CotEvent] = []
        self.raw: list[bytes] = []
        self._reader = reader
        self._decoder = StreamDecoder()
        self._pending = b""

    async def until(self, what: str, predicate: Any) -> None:
        async def loop() -> None:
            while not predicate(self.events):
                data = await self._reader.read(65_536)
                if not data:
                    raise AssertionError(f"server closed the stream waiting for {what}")
                self._split_raw(data)
                for item in self._decoder.feed(data):
                    if not isinstance(item, CotParseError):
                        self.events.append(item)

        try:
            await asyncio.wait_for(loop(), WAIT_S)
        except TimeoutError:
            pytest.fail(
                f"timed out waiting for {what}; saw {[(e.uid, e.type) for e in self.events]}"
            )

    def _split_raw(self, data: bytes) -> None:
        self._pending += data
        while (end := self._pending.find(b"</event>")) >= 0:
            self.raw.append(self._pending[: end + 8])
            self._pending = self._pending[end + 8 :]

    def raw_of(self, uid: str) -> list[bytes]:
        return [r for r in self.raw if f'uid="{uid}"'.encode() in r]


def _uids(events: list[CotEvent]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in events:
        out.setdefault(e.uid, []).append(e.type)
    return out


@pytest.mark.slow
def test_kordon_and_pytak_through_taky(taky: int) -> None:
    pytak = _pytak()

    async def go() -> None:
        cfg = configparser.ConfigParser()
        cfg["bravo"] = {"COT_URL": f"tcp://127.0.0.1:{taky}"}
        b_reader, b_writer = await pytak.protocol_factory(cfg["bravo"])
        bravo = Collector(b_reader)
        b_writer.write(_sa(pytak, "PYTAK-BRAVO", "BRAVO", 51.22, 24.13))
        await b_writer.drain()
        c_reader, c_writer = await asyncio.open_connection("127.0.0.1", taky)
        charlie = Collector(c_reader)
        c_writer.write(_raw_sa("RAW-CHARLIE", "CHARLIE"))
        await c_writer.drain()

        bus = InProcessBus()
        bus.bind(asyncio.get_running_loop())
        units: list[FieldUnitPosition] = []
        service = TakService(
            TakSettings(
                notifier_id="tak",
                url=f"tcp://127.0.0.1:{taky}",
                uid_prefix="kordon.volyn",
                callsign="Kordon Volyn",
            ),
            bus,
            frame=FRAME,
            clock=lambda: datetime.now(UTC),
            on_field_unit=units.append,
        )
        await service.start()
        try:
            # Kordon sees the pytak unit (taky replays what it holds to a new client).
            async def heard(uid: str, lat: float) -> None:
                while not any(u.uid == uid and u.lat == lat for u in units):
                    await asyncio.sleep(0.05)

            await asyncio.wait_for(heard("PYTAK-BRAVO", 51.22), WAIT_S)
            bravo_unit = next(u for u in units if u.uid == "PYTAK-BRAVO")
            assert (bravo_unit.callsign, bravo_unit.type) == ("BRAVO", "a-f-G-U-C")
            assert (bravo_unit.lon, bravo_unit.ce, bravo_unit.hae) == (24.13, 6.5, 180.0)
            assert any(u.callsign == "CHARLIE" for u in units)

            # The site picture reaches both other clients through the server.
            t = datetime.now(UTC).timestamp()
            bus.publish(SITE_TRACKS, builders.tracks(time_s=t))
            bus.publish(ALERTS, _alert("site-7", Direction.INBOUND))
            bus.publish(INCIDENTS, builders.incident())
            bus.publish(SITE_TRACKS, builders.tracks(time_s=t + 1.0))

            def picture(events: list[CotEvent]) -> bool:
                seen = _uids(events)
                return (
                    "a-h-G" in seen.get("kordon.volyn.track.7", [])
                    and "kordon.volyn.track.8" in seen
                    and "b-a-o-tbl" in seen.get("kordon.volyn.incident.inc-1", [])
                )

            await bravo.until("Kordon's picture at pytak", picture)
            await charlie.until("Kordon's picture at the raw client", picture)
            seen = _uids(bravo.events)
            # queued updates of one track coalesce: the latest (hostile) one is what counts
            assert seen["kordon.volyn.track.7"][-1] == "a-h-G"
            assert set(seen["kordon.volyn.track.8"]) == {"a-u-G-E-V"}
            assert "a-f-G-E-S" in seen["kordon.volyn"]
            lonlat = FRAME.xy_to_lonlat(builders.tracks().east_north_m)
            track7 = next(e for e in bravo.events if e.uid == "kordon.volyn.track.7")
            assert track7.lat == pytest.approx(lonlat[0, 1], abs=1e-6)  # taky writes 6 decimals
            assert track7.lon == pytest.approx(lonlat[0, 0], abs=1e-6)
            assert track7.ce == pytest.approx(10.73, abs=0.05)  # taky writes ce with 1 decimal
            assert track7.how == "m-f"
            alarm = next(e for e in bravo.events if e.uid == "kordon.volyn.incident.inc-1")
            assert (alarm.lat, alarm.lon) == (51.21, 24.11)
            remarks = parse_xml_element(bravo.raw_of("kordon.volyn.incident.inc-1")[0]).findtext(
                "detail/remarks"
            )
            assert remarks is not None
            assert remarks.startswith("Border crossing km 12.4 | priority 1")

            # A tasking reaches BRAVO only.
            assert service.send_tasking("PYTAK-BRAVO", builders.incident(), note="block the road")
            task_uid = "kordon.volyn.task.inc-1.PYTAK-BRAVO"
            await bravo.until("the tasking", lambda ev: any(e.uid == task_uid for e in ev))
            task = parse_xml_element(bravo.raw_of(task_uid)[0])
            dest = task.find("detail/marti/dest")
            assert dest is not None
            assert dest.get("callsign") == "BRAVO"
            bus.publish(SITE_TRACKS, builders.tracks(time_s=t + 5.0))  # sent after the task
            await charlie.until(
                "the later track update",
                lambda ev: any(
                    e.uid == "kordon.volyn.track.8" and e.time.timestamp() > t + 4.99 for e in ev
                ),
            )
            assert not any(e.uid == task_uid for e in charlie.events)

            # BRAVO moves; Kordon follows.
            b_writer.write(_sa(pytak, "PYTAK-BRAVO", "BRAVO", 51.2345, 24.1456))
            await b_writer.drain()
            await asyncio.wait_for(heard("PYTAK-BRAVO", 51.2345), WAIT_S)
            assert service.units["PYTAK-BRAVO"].lon == 24.1456
            assert service.health().connected
        finally:
            await service.stop()
            for writer in (b_writer, c_writer):
                writer.close()

    asyncio.run(go())
