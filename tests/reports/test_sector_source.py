"""Sector facts read from a real store (SQLite and PostgreSQL) seeded through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kordon.reports.errors import UnknownSubjectError
from kordon.reports.sector_facts import Outcome, SectorFacts
from kordon.reports.sector_source import SectorReportSource
from kordon.store import Store
from tests.reports.seed import AT, DAY, OUTLINE, SLA, seed_sector_day, utc


@pytest.fixture
def facts(store: Store) -> SectorFacts:
    seed_sector_day(store)
    return SectorReportSource(store, OUTLINE, sla=SLA).facts(sector_id="s1", period=DAY, at=AT)


def test_crossings_are_counted_by_local_hour(facts: SectorFacts) -> None:
    crossings = facts.crossings
    assert crossings.inbound[8] == 1  # 06:15 UTC is 08:15 in Kyiv
    assert crossings.outbound[8] == 1
    assert crossings.inbound[23] == 1  # the line crossing at 23:30 local
    assert (crossings.total_in, crossings.total_out) == (2, 1)  # 00:10 next day left out
    assert (crossings.border_inbound, crossings.border_outbound) == (1, 1)
    assert (crossings.line_in, crossings.line_out) == (1, 0)


def test_incidents_by_outcome(facts: SectorFacts) -> None:
    assert facts.outcomes[Outcome.TRUE_ALARM] == 1
    assert facts.outcomes[Outcome.FALSE_ALARM] == 1
    assert facts.outcomes[Outcome.OPEN] == 1
    assert facts.incidents == 3
    assert len(facts.daily) == 1
    assert sum(facts.daily[0].counts.values()) == 3


def test_false_alarm_rate_per_camera_and_rule(facts: SectorFacts) -> None:
    [stats] = facts.false_alarms
    assert (stats.source_id, stats.rule_id) == ("cam1", "border")
    assert (stats.true_alarms, stats.false_alarms) == (1, 1)
    assert stats.false_alarm_rate == pytest.approx(0.5)


def test_response_times_against_the_sla(facts: SectorFacts) -> None:
    within = sum(r.within_sla for r in facts.responses)
    breached = sum(r.breached for r in facts.responses)
    pending = sum(r.pending for r in facts.responses)
    # acknowledged after 30 s; first handled (resolved) after 600 s; never acknowledged
    assert (within, breached, pending) == (1, 2, 0)
    acks = sorted(
        r.acknowledge.median_s for r in facts.responses if r.acknowledge.median_s is not None
    )
    assert acks in ([30.0, 600.0], [315.0])  # two priorities, or one with both
    assert sum(r.dispatch.count for r in facts.responses) == 1
    assert sum(r.resolve.count for r in facts.responses) == 2
    assert all(r.sla_s == 300.0 for r in facts.responses)


def test_device_uptime_and_outages(facts: SectorFacts) -> None:
    by_id = {d.device_id: d for d in facts.devices}
    assert set(by_id) == {"cam1", "cam1/recorder"}
    cam = by_id["cam1"]
    assert cam.observed_s == pytest.approx(DAY.duration_s)
    assert cam.up_s == pytest.approx(DAY.duration_s - 3600.0)
    assert cam.degraded_s == pytest.approx(600.0)
    [outage] = cam.outages
    assert (outage.start, outage.end, outage.state) == (utc(4), utc(5), "offline")
    recorder = by_id["cam1/recorder"]
    assert recorder.observed_s == pytest.approx(10 * 3600.0)  # 12:00 UTC to local midnight
    assert recorder.up_s == pytest.approx(10 * 3600.0 - 30.0)
    assert recorder.outages[0].duration_s == pytest.approx(30.0)


def test_the_whole_site_includes_every_sector(store: Store) -> None:
    seed_sector_day(store)
    facts = SectorReportSource(store, OUTLINE, sla=SLA).facts(sector_id=None, period=DAY, at=AT)
    assert facts.crossings.inbound[10] == 1  # s2's crossing at 10:00 local
    assert facts.crossings.total_in == 3
    assert {d.device_id for d in facts.devices} == {"cam1", "cam1/recorder", "cam2"}
    assert facts.incidents == 4


def test_an_unknown_sector_is_named_with_the_known_ones(store: Store) -> None:
    source = SectorReportSource(store, OUTLINE, sla=SLA)
    with pytest.raises(UnknownSubjectError, match=r"'s9'.*known: s1, s2"):
        source.facts(sector_id="s9", period=DAY, at=AT)


def test_an_empty_store_gives_an_empty_report(store: Store) -> None:
    facts = SectorReportSource(store, OUTLINE, sla=SLA).facts(
        sector_id="s1", period=DAY, at=AT + timedelta(days=1)
    )
    assert facts.incidents == 0
    assert facts.crossings.total_in == 0
    assert all(d.uptime is None for d in facts.devices)


def test_a_report_made_during_its_period_observes_devices_only_until_it_is_made(
    store: Store,
) -> None:
    """A report of today, made at 14:00 UTC: the rest of the day is not observed yet, so
    it is neither uptime nor an outage (it once showed every device 'no report' until
    midnight, and an uptime of a few per cent)."""
    seed_sector_day(store)
    made_at = utc(14)
    facts = SectorReportSource(store, OUTLINE, sla=SLA).facts(
        sector_id="s1", period=DAY, at=made_at
    )
    by_id = {d.device_id: d for d in facts.devices}
    cam = by_id["cam1"]
    assert cam.observed_s == pytest.approx((made_at - DAY.start).total_seconds())
    assert [o.start for o in cam.outages] == [utc(4)]  # the real outage only
    recorder = by_id["cam1/recorder"]
    assert recorder.observed_s == pytest.approx(2 * 3600.0)  # 12:00 to 14:00 UTC
    assert all(o.end <= made_at for o in recorder.outages)


def test_a_report_made_before_its_period_has_no_device_figures(store: Store) -> None:
    seed_sector_day(store)
    facts = SectorReportSource(store, OUTLINE, sla=SLA).facts(
        sector_id="s1", period=DAY, at=DAY.start - timedelta(hours=1)
    )
    assert facts.devices == ()
