"""The sector report as a document: crossings, incidents, false alarms, response times
against the SLA and device uptime of one sector (or the whole site) over a period."""

from __future__ import annotations

from datetime import UTC

from kordon.reports import sector_charts
from kordon.reports.document import (
    Chart,
    KeyFigure,
    Paragraph,
    ReportDocument,
    Section,
    Table,
    Tone,
)
from kordon.reports.formatting import count, duration, local_time, percent
from kordon.reports.sector_facts import Outcome, SectorFacts

MAX_OUTAGE_ROWS = 300


def sector_document(facts: SectorFacts, *, requested_by: str, banner: str = "") -> ReportDocument:
    """Lay out ``facts`` for a commander: headline figures first, then one section per topic."""
    where = (
        f"{facts.sector_name} ({facts.sector_id})" if facts.sector_id is not None else "all sectors"
    )
    period = facts.period
    meta = (
        ("Site", f"{facts.site_name} ({facts.site_id})"),
        ("Area", where),
        ("Period", f"{period.label()} ({period.days} day{'s' if period.days != 1 else ''})"),
        (
            "Local time zone",
            f"{period.timezone}; UTC {period.start:%Y-%m-%d %H:%M} to {period.end:%Y-%m-%d %H:%M}",
        ),
        (
            "Generated",
            f"{facts.generated_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC by {requested_by}",
        ),
    )
    return ReportDocument(
        title=f"Sector report: {where}",
        subtitle=f"{facts.site_name}, {period.label()}",
        meta=meta,
        key_figures=_key_figures(facts),
        sections=(
            _crossings(facts),
            _incidents(facts),
            _false_alarms(facts),
            _responses(facts),
            _devices(facts),
        ),
        footer=f"Kordon sector report, {facts.site_id}"
        + (f" / {facts.sector_id}" if facts.sector_id else "")
        + f", {period.slug()}",
        banner=banner,
    )


def _key_figures(facts: SectorFacts) -> tuple[KeyFigure, ...]:
    judged_true = sum(s.true_alarms for s in facts.false_alarms)
    judged_false = sum(s.false_alarms for s in facts.false_alarms)
    judged = judged_true + judged_false
    fa_share = None if judged == 0 else judged_false / judged
    within = sum(r.within_sla for r in facts.responses)
    breached = sum(r.breached for r in facts.responses)
    sla_share = None if within + breached == 0 else within / (within + breached)
    observed = sum(d.observed_s for d in facts.devices)
    up = sum(d.up_s for d in facts.devices)
    uptime_share = None if observed <= 0 else up / observed
    outages = sum(1 for d in facts.devices for o in d.outages if o.duration_s >= facts.min_outage_s)
    open_now = facts.outcomes.get(Outcome.OPEN, 0)
    return (
        KeyFigure(
            "Crossings in / out",
            f"{count(facts.crossings.total_in)} / {count(facts.crossings.total_out)}",
            "border and image lines",
        ),
        KeyFigure(
            "Incidents",
            count(facts.incidents),
            f"{open_now} not acknowledged",
            Tone.WARN if open_now else Tone.NEUTRAL,
        ),
        KeyFigure(
            "False-alarm rate",
            percent(fa_share),
            f"of {count(judged)} judged",
            _tone(fa_share, good_below=0.2, bad_above=0.5),
        ),
        KeyFigure(
            "Ack. within SLA",
            percent(sla_share),
            f"{breached} breached",
            _tone(None if sla_share is None else 1.0 - sla_share, good_below=0.05, bad_above=0.2),
        ),
        KeyFigure(
            "Device uptime",
            percent(uptime_share, digits=2),
            f"{len(facts.devices)} devices, {outages} outages",
            _tone(
                None if uptime_share is None else 1.0 - uptime_share,
                good_below=0.01,
                bad_above=0.05,
            ),
        ),
    )


def _tone(badness: float | None, *, good_below: float, bad_above: float) -> Tone:
    if badness is None:
        return Tone.NEUTRAL
    if badness <= good_below:
        return Tone.GOOD
    return Tone.BAD if badness > bad_above else Tone.WARN


def _crossings(facts: SectorFacts) -> Section:
    c = facts.crossings
    busiest = max(range(24), key=lambda h: (c.inbound[h] + c.outbound[h], -h))
    text = f"{count(c.total_in)} crossings in and {count(c.total_out)} out. " + (
        f"The busiest hour was {busiest:02d}:00-{busiest:02d}:59 local time with "
        f"{c.inbound[busiest] + c.outbound[busiest]} crossings."
        if c.total_in + c.total_out
        else "No crossing was recorded."
    )
    return Section(
        "Crossings by hour of day",
        (
            Paragraph(text),
            Chart(
                "Crossings in and out by hour of day",
                sector_charts.crossings_by_hour(c),
                "Bar chart of crossings in (blue) and out (orange) for each local hour of the day.",
            ),
            Table(
                "Crossings by kind",
                ("Kind", "In", "Out"),
                (
                    (
                        "State border (inbound / outbound)",
                        count(c.border_inbound),
                        count(c.border_outbound),
                    ),
                    ("Image lines (in / out)", count(c.line_in), count(c.line_out)),
                    ("Total", count(c.total_in), count(c.total_out)),
                ),
                numeric=(False, True, True),
                widths=(3.0, 1.0, 1.0),
            ),
        ),
    )


def _incidents(facts: SectorFacts) -> Section:
    total = facts.incidents
    rows = tuple(
        (
            str(o),
            count(facts.outcomes.get(o, 0)),
            percent(facts.outcomes.get(o, 0) / total if total else None),
        )
        for o in Outcome
    )
    blocks: list[Paragraph | Chart | Table] = [
        Paragraph(
            f"{count(total)} incidents were opened in the period. Outcomes are as they stand "
            "at the time of this report."
        ),
        Chart(
            "Incidents by outcome",
            sector_charts.outcomes(dict(facts.outcomes)),
            "Horizontal bar chart of the number of incidents per outcome.",
            height_in=2.2,
        ),
    ]
    if facts.period.days > 1:
        blocks.append(
            Chart(
                "Incidents opened per day, by outcome",
                sector_charts.daily_outcomes(facts.daily),
                "Stacked bar chart of incidents opened on each day of the period, by outcome.",
            )
        )
    blocks.append(
        Table(
            "Incidents by outcome",
            ("Outcome", "Incidents", "Share"),
            (*rows, ("Total", count(total), percent(1.0 if total else None))),
            numeric=(False, True, True),
            widths=(3.0, 1.0, 1.0),
        )
    )
    return Section("Incidents", tuple(blocks))


def _false_alarms(facts: SectorFacts) -> Section:
    rows = tuple(
        (
            s.source_id,
            s.rule_id or "-",
            count(s.true_alarms),
            count(s.false_alarms),
            count(s.duplicates),
            percent(s.false_alarm_rate),
        )
        for s in sorted(
            facts.false_alarms,
            key=lambda s: (-(s.false_alarm_rate or 0.0), s.source_id, s.rule_id),
        )
    )
    return Section(
        "False alarms per camera and rule",
        (
            Paragraph(
                "Each resolved incident counts once for every camera (or sensor) and rule "
                "among its events. The rate is false / (true + false); duplicates say "
                "nothing about a rule's precision and are not in it."
            ),
            Chart(
                "False-alarm rate per camera and rule (highest first)",
                sector_charts.false_alarm_rates(facts.false_alarms),
                "Horizontal bar chart of the false-alarm rate of each camera and rule.",
                height_in=max(2.0, min(6.5, 0.8 + 0.22 * len(rows))),
            ),
            Table(
                "Resolutions per camera and rule",
                ("Camera / sensor", "Rule", "True", "False", "Duplicate", "False-alarm rate"),
                rows,
                numeric=(False, False, True, True, True, True),
                widths=(2.0, 2.0, 0.8, 0.8, 1.0, 1.3),
                empty="No incident of this period was resolved yet.",
            ),
        ),
    )


def _responses(facts: SectorFacts) -> Section:
    rows = tuple(
        (
            f"P{r.priority}",
            count(r.incidents),
            duration(r.sla_s),
            duration(r.acknowledge.median_s),
            duration(r.acknowledge.p90_s),
            f"{r.within_sla} / {r.breached} / {r.pending}",
            duration(r.dispatch.median_s),
            duration(r.resolve.median_s),
            count(r.escalated),
        )
        for r in facts.responses
    )
    return Section(
        "Response times against the SLA",
        (
            Paragraph(
                "Times are measured from the opening of the incident. The SLA is the "
                "acknowledgement deadline of each priority (P1 is the most urgent); an "
                "incident dispatched or resolved without an explicit acknowledgement counts "
                "as acknowledged then. Within / breached / pending: acknowledged in time, "
                "late or not at all past the deadline, and not yet acknowledged but still "
                "within it."
            ),
            Chart(
                "Time to acknowledge per priority, against the SLA",
                sector_charts.response_vs_sla(facts.responses),
                "Bar chart of the median time to acknowledge per priority, with the 90th "
                "percentile as dots and the SLA deadline as dashed lines.",
            ),
            Table(
                "Response times per priority",
                (
                    "Priority",
                    "Incidents",
                    "SLA",
                    "Ack. median",
                    "Ack. 90 %",
                    "Within / breached / pending",
                    "Dispatch median",
                    "Resolve median",
                    "Escalated",
                ),
                rows,
                numeric=(False, True, True, True, True, True, True, True, True),
                widths=(0.75, 0.9, 1.0, 1.05, 1.05, 1.6, 1.2, 1.2, 0.85),
            ),
        ),
    )


def _devices(facts: SectorFacts) -> Section:
    tz = facts.period.tz
    devices = sorted(
        facts.devices, key=lambda d: (d.uptime if d.uptime is not None else 2.0, d.device_id)
    )
    rows = tuple(
        (
            d.device_id,
            percent(d.uptime, digits=2) if d.uptime is not None else "no reports",
            duration(d.observed_s) if d.observed_s > 0 else "-",
            duration(d.degraded_s) if d.degraded_s > 0 else "-",
            count(sum(1 for o in d.outages if o.duration_s >= facts.min_outage_s)),
            duration(max((o.duration_s for o in d.outages), default=None)),
        )
        for d in devices
    )
    outages = sorted(
        (o for d in facts.devices for o in d.outages if o.duration_s >= facts.min_outage_s),
        key=lambda o: (o.start, o.device_id),
    )
    outage_rows = tuple(
        (
            o.device_id,
            local_time(o.start, tz),
            "still down" if o.ongoing else local_time(o.end, tz),
            duration(o.duration_s),
            o.state,
            o.detail[:60],
        )
        for o in outages[:MAX_OUTAGE_ROWS]
    )
    note = (
        f"The first {MAX_OUTAGE_ROWS} of {len(outages)} outages are listed."
        if len(outages) > MAX_OUTAGE_ROWS
        else ""
    )
    return Section(
        "Device uptime",
        (
            Paragraph(
                "From each device's status history: a device is up while online or degraded "
                "(it still delivers, slowly or with errors); offline, stopped and starting "
                "count as down. A state holds until the device's next report; time before a "
                f"device's first known state is not counted. Outages shorter than "
                f"{duration(facts.min_outage_s)} count in the uptime but are not listed."
            ),
            Chart(
                "Uptime per device (lowest first)",
                sector_charts.uptime(facts.devices),
                "Horizontal bar chart of each device's uptime in percent, lowest first.",
                height_in=max(2.0, min(6.5, 0.8 + 0.2 * min(len(devices), sector_charts.MAX_BARS))),
            ),
            Table(
                "Uptime per device",
                ("Device", "Uptime", "Observed", "Degraded", "Outages", "Longest outage"),
                rows,
                numeric=(False, True, True, True, True, True),
                widths=(2.2, 1.0, 1.2, 1.2, 0.9, 1.3),
                empty="No device is configured in this area.",
            ),
            Table(
                "Outages",
                ("Device", "From", "To", "Duration", "State", "Detail"),
                outage_rows,
                numeric=(False, False, False, True, False, False),
                widths=(1.8, 1.4, 1.4, 1.1, 0.9, 2.2),
                note=note,
                empty="No outage in this period.",
            ),
        ),
    )
