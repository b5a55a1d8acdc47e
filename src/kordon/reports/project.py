"""The funding-project report as a document: what was delivered, deployed and working, by
category and value; end-use check coverage and overdue checks; losses with their reports.
Written for a donor's auditor: every figure says what it counts."""

from __future__ import annotations

from datetime import UTC, datetime

from kordon.reports import project_charts
from kordon.reports.document import (
    Chart,
    KeyFigure,
    Paragraph,
    ReportDocument,
    Section,
    Table,
    Tone,
)
from kordon.reports.formatting import count, local_time, money, percent
from kordon.reports.period import ReportPeriod
from kordon.reports.project_facts import Loss, ProjectFacts

DEMO_BANNER = "DEMO DATA - fictional funding project, not a real programme"
MAX_ROWS = 500


def _money(minor: int, currency: str) -> str:
    return money(minor / 100, currency)


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def project_document(
    facts: ProjectFacts,
    *,
    period: ReportPeriod,
    generated_at: datetime,
    requested_by: str,
    site_name: str,
) -> ReportDocument:
    p = facts.project
    cur = p.currency
    meta = (
        ("Project", f"{p.name} ({p.id})"),
        ("Donor / programme", f"{p.donor} / {p.programme}"),
        ("Agreement", p.agreement_no),
        ("Amount", _money(p.amount_minor, cur)),
        ("Project dates", f"{p.start_on.isoformat()} to {p.end_on.isoformat()}"),
        ("Site", site_name),
        ("Period", f"{period.label()} ({period.timezone})"),
        (
            "Generated",
            f"{generated_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC by {requested_by}",
        ),
    )
    return ReportDocument(
        title=f"Funding project report: {p.name}",
        subtitle=f"{p.donor}, agreement {p.agreement_no}, {period.label()}",
        meta=meta,
        key_figures=_key_figures(facts),
        sections=(
            _equipment(facts),
            _checks(facts, period),
            _losses(facts, period),
        ),
        footer=f"Kordon funding project report, {p.id}, {period.slug()}",
        banner=DEMO_BANNER if p.demo else "",
    )


def _key_figures(facts: ProjectFacts) -> tuple[KeyFigure, ...]:
    cur = facts.project.currency
    delivered = sum(c.delivered_minor for c in facts.categories)
    deployed = sum(c.deployed_minor for c in facts.categories)
    operational = sum(c.operational_minor for c in facts.categories)
    ordered = sum(c.ordered_minor for c in facts.categories)
    coverage = facts.coverage
    lost_value = sum(loss.value_minor for loss in facts.losses)
    overdue = len(facts.overdue)
    return (
        KeyFigure(
            "Delivered", _money(delivered, cur), f"{percent(_share(delivered, ordered))} of ordered"
        ),
        KeyFigure(
            "Deployed",
            _money(deployed, cur),
            f"{percent(_share(deployed, delivered))} of delivered",
        ),
        KeyFigure(
            "Operational",
            _money(operational, cur),
            f"{percent(_share(operational, deployed))} of deployed",
            Tone.GOOD if deployed and operational / deployed >= 0.95 else Tone.WARN,
        ),
        KeyFigure(
            "End-use checks",
            percent(coverage.share),
            f"{overdue} overdue",
            Tone.BAD if overdue else Tone.GOOD,
        ),
        KeyFigure(
            "Lost / destroyed",
            count(len(facts.losses)),
            _money(lost_value, cur),
            Tone.WARN if facts.losses else Tone.GOOD,
        ),
    )


def _equipment(facts: ProjectFacts) -> Section:
    cur = facts.project.currency
    rows = tuple(
        (
            c.category.replace("_", " "),
            count(c.ordered),
            count(c.delivered),
            count(c.deployed),
            count(c.operational),
            _money(c.delivered_minor, cur),
            _money(c.deployed_minor, cur),
            _money(c.operational_minor, cur),
        )
        for c in facts.categories
    )
    total = (
        "Total",
        count(sum(c.ordered for c in facts.categories)),
        count(sum(c.delivered for c in facts.categories)),
        count(sum(c.deployed for c in facts.categories)),
        count(sum(c.operational for c in facts.categories)),
        _money(sum(c.delivered_minor for c in facts.categories), cur),
        _money(sum(c.deployed_minor for c in facts.categories), cur),
        _money(sum(c.operational_minor for c in facts.categories), cur),
    )
    return Section(
        "Delivered, deployed and operational",
        (
            Paragraph(
                "Counted at the time of this report. Delivered: every serial received. "
                "Deployed: at a post or issued to a guard. Operational: deployed and working "
                "(cameras, recorders, drones, sensors and radars by their own health reports; "
                "other equipment when deployed and not under repair). Values are quantities "
                "times the unit cost of the procurement line."
            ),
            Chart(
                "Value per category: delivered, deployed, operational (ordered marked |)",
                project_charts.pipeline_by_value(facts.categories, cur),
                "Grouped horizontal bars per equipment category of the delivered, deployed "
                "and operational value, with the ordered value marked.",
                height_in=max(2.2, min(6.0, 0.9 + 0.45 * len(facts.categories))),
            ),
            Table(
                "Quantities and values per category",
                (
                    "Category",
                    "Ordered",
                    "Delivered",
                    "Deployed",
                    "Operational",
                    "Delivered value",
                    "Deployed value",
                    "Operational value",
                ),
                (*rows, total) if rows else (),
                numeric=(False, True, True, True, True, True, True, True),
                widths=(1.35, 0.8, 0.85, 0.85, 1.05, 1.45, 1.45, 1.5),
                empty="The project has no procurement line yet.",
            ),
        ),
    )


def _checks(facts: ProjectFacts, period: ReportPeriod) -> Section:
    coverage = facts.coverage
    interval = facts.project.check_interval_days
    overdue = sorted(facts.overdue, key=lambda o: (-o.overdue_days, o.serial))
    rows = tuple(
        (
            o.serial,
            o.category.replace("_", " "),
            o.location,
            "never" if o.last_checked_at is None else local_time(o.last_checked_at, period.tz),
            count(o.overdue_days),
        )
        for o in overdue[:MAX_ROWS]
    )
    return Section(
        "End-use checks",
        (
            Paragraph(
                f"{count(coverage.checked_recently)} of {count(coverage.accountable)} "
                f"accountable serials (neither lost nor destroyed) were seen in an end-use "
                f"check within the last {interval} days, the project's check interval "
                f"({percent(coverage.share)}). A serial is overdue when its last check (or "
                f"its delivery, when never checked) is more than {interval} days old."
            ),
            Chart(
                "End-use check coverage",
                project_charts.check_coverage(coverage, len(facts.overdue)),
                "One stacked bar of accountable serials: checked in the period, not yet "
                "due, and overdue.",
                height_in=1.3,
            ),
            Table(
                "Overdue end-use checks (most overdue first)",
                ("Serial", "Category", "Where / who", "Last checked", "Days overdue"),
                rows,
                numeric=(False, False, False, False, True),
                widths=(1.5, 1.1, 2.2, 1.4, 1.0),
                empty="No check is overdue.",
                note=f"The first {MAX_ROWS} of {len(overdue)} are listed."
                if len(overdue) > MAX_ROWS
                else "",
            ),
        ),
    )


def _losses(facts: ProjectFacts, period: ReportPeriod) -> Section:
    cur = facts.project.currency
    losses = sorted(facts.losses, key=_loss_order)
    blocks: list[Paragraph | Chart | Table] = [
        Paragraph(
            "Serials declared lost or destroyed up to the time of this report, each with "
            "the report that explains it (the register refuses a loss without a report); "
            "the reports follow the table in full."
        ),
        Table(
            "Lost and destroyed",
            ("Serial", "Category", "Status", "Recorded", "Value"),
            tuple(
                (
                    loss.serial,
                    loss.category.replace("_", " "),
                    loss.status.replace("_", " "),
                    "-" if loss.since is None else local_time(loss.since, period.tz),
                    _money(loss.value_minor, cur),
                )
                for loss in losses
            ),
            numeric=(False, False, False, False, True),
            widths=(2.2, 1.2, 1.0, 1.5, 1.4),
            empty="Nothing was lost or destroyed up to this report.",
        ),
    ]
    blocks.extend(
        Paragraph(f"{loss.serial} ({loss.status.replace('_', ' ')}): {loss.report}")
        for loss in losses
    )
    return Section("Lost and destroyed equipment", tuple(blocks))


def _loss_order(loss: Loss) -> tuple[str, str]:
    return ("" if loss.since is None else loss.since.isoformat(), loss.serial)
