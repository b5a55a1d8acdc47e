from __future__ import annotations

import asyncio

import pytest

from kordon.lifecycle import ServiceGroup, ServiceStartError


class _Recorder:
    def __init__(
        self, name: str, log: list[str], *, fail: bool = False, hang: bool = False
    ) -> None:
        self._name = name
        self._log = log
        self._fail = fail
        self._hang = hang

    @property
    def name(self) -> str:
        return self._name

    async def start(self) -> None:
        if self._fail:
            raise RuntimeError("boom")
        self._log.append(f"start {self._name}")

    async def stop(self) -> None:
        if self._hang:
            await asyncio.sleep(10)
        self._log.append(f"stop {self._name}")


def test_starts_in_order_and_stops_in_reverse() -> None:
    log: list[str] = []
    group = ServiceGroup([_Recorder("a", log), _Recorder("b", log), _Recorder("c", log)])

    async def go() -> None:
        await group.start()
        assert all(s.running for s in group.states())
        await group.stop()

    asyncio.run(go())
    assert log == ["start a", "start b", "start c", "stop c", "stop b", "stop a"]
    assert not any(s.running for s in group.states())


def test_failed_start_stops_what_was_started() -> None:
    log: list[str] = []
    group = ServiceGroup([_Recorder("a", log), _Recorder("b", log, fail=True), _Recorder("c", log)])
    with pytest.raises(ServiceStartError, match="b failed to start: boom"):
        asyncio.run(group.start())
    assert log == ["start a", "stop a"]


def test_a_hanging_stop_is_bounded() -> None:
    log: list[str] = []
    group = ServiceGroup([_Recorder("a", log), _Recorder("b", log, hang=True)], stop_timeout_s=0.1)

    async def go() -> None:
        await group.start()
        await group.stop()

    asyncio.run(asyncio.wait_for(go(), timeout=2.0))
    assert log == ["start a", "start b", "stop a"]
