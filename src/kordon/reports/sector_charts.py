"""The plots of a sector report; each returns a ``draw(ax)`` for a :class:`Chart`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from matplotlib.axes import Axes

from kordon.incidents.feedback import FalseAlarmStats
from kordon.reports import palette
from kordon.reports.sector_facts import (
    HOURS,
    CrossingsByHour,
    DailyOutcomes,
    DeviceUptime,
    Outcome,
    ResponseTimes,
)

Draw = Callable[[Axes], None]

OUTCOME_COLOURS = {
    Outcome.TRUE_ALARM: palette.BAD,
    Outcome.FALSE_ALARM: palette.NEUTRAL,
    Outcome.DUPLICATE: palette.ACCENT,
    Outcome.DISPATCHED: palette.PURPLE,
    Outcome.ACKNOWLEDGED: palette.WARN,
    Outcome.OPEN: palette.OUT,
}
MAX_BARS = 25
"""At most this many bars per horizontal bar chart (the tables list all)."""


def _tidy(ax: Axes, *, grid_axis: str = "y") -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis=grid_axis, color=palette.GRID, linewidth=0.6)  # type: ignore[arg-type]
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=8)


def _no_data(ax: Axes, text: str) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=10, color=palette.NEUTRAL)


def crossings_by_hour(crossings: CrossingsByHour) -> Draw:
    def draw(ax: Axes) -> None:
        if crossings.total_in + crossings.total_out == 0:
            _no_data(ax, "No crossings in this period")
            return
        hours = list(range(HOURS))
        ax.bar([h - 0.2 for h in hours], crossings.inbound, width=0.4, color=palette.IN, label="in")
        ax.bar(
            [h + 0.2 for h in hours],
            crossings.outbound,
            width=0.4,
            color=palette.OUT,
            label="out",
        )
        ax.set_xticks(hours[::2], [f"{h:02d}" for h in hours[::2]])
        ax.set_xlim(-0.7, HOURS - 0.3)
        ax.set_xlabel("hour of day (local time)", fontsize=8)
        ax.set_ylabel("crossings", fontsize=8)
        ax.legend(fontsize=8, frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2)
        _tidy(ax)

    return draw


def outcomes(counts: dict[Outcome, int]) -> Draw:
    def draw(ax: Axes) -> None:
        if not any(counts.values()):
            _no_data(ax, "No incidents in this period")
            return
        labels = [str(o) for o in Outcome][::-1]
        values = [counts.get(o, 0) for o in Outcome][::-1]
        colours = [OUTCOME_COLOURS[o] for o in Outcome][::-1]
        bars = ax.barh(labels, values, color=colours)
        ax.bar_label(bars, fontsize=8, padding=2)
        ax.set_xlabel("incidents", fontsize=8)
        ax.margins(x=0.12)
        _tidy(ax, grid_axis="x")

    return draw


def daily_outcomes(days: Sequence[DailyOutcomes]) -> Draw:
    def draw(ax: Axes) -> None:
        if not any(sum(d.counts.values()) for d in days):
            _no_data(ax, "No incidents in this period")
            return
        x = list(range(len(days)))
        bottom = [0] * len(days)
        for outcome in Outcome:
            values = [d.counts.get(outcome, 0) for d in days]
            if not any(values):
                continue
            ax.bar(x, values, bottom=bottom, color=OUTCOME_COLOURS[outcome], label=str(outcome))
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        step = max(1, len(days) // 10)
        ax.set_xticks(x[::step], [d.day.strftime("%d %b") for d in days[::step]])
        ax.set_ylabel("incidents opened", fontsize=8)
        ax.legend(fontsize=7, frameon=False, ncols=3, loc="lower left", bbox_to_anchor=(0.0, 1.0))
        _tidy(ax)

    return draw


def response_vs_sla(responses: Sequence[ResponseTimes]) -> Draw:
    def draw(ax: Axes) -> None:
        acked = [r for r in responses if r.acknowledge.median_s is not None]
        if not acked:
            _no_data(ax, "No incident was acknowledged in this period")
            return
        labels = [f"P{r.priority}" for r in acked]
        x = list(range(len(acked)))
        medians = [(r.acknowledge.median_s or 0.0) / 60.0 for r in acked]
        p90s = [(r.acknowledge.p90_s or 0.0) / 60.0 for r in acked]
        slas = [r.sla_s / 60.0 for r in acked]
        colours = [
            palette.GOOD if m <= s else palette.BAD for m, s in zip(medians, slas, strict=True)
        ]
        ax.bar(x, medians, width=0.5, color=colours, label="median time to acknowledge")
        ax.scatter(x, p90s, marker="o", color=palette.INK, s=18, zorder=3, label="90th percentile")
        ax.hlines(
            slas,
            [i - 0.35 for i in x],
            [i + 0.35 for i in x],
            colors=palette.INK,
            linestyles="dashed",
            linewidth=1.2,
            label="SLA",
        )
        ax.set_xticks(x, labels)
        ax.set_ylabel("minutes", fontsize=8)
        ax.legend(fontsize=7, frameon=False, ncols=3, loc="lower left", bbox_to_anchor=(0.0, 1.0))
        ax.margins(y=0.1)
        _tidy(ax)

    return draw


def false_alarm_rates(stats: Sequence[FalseAlarmStats]) -> Draw:
    judged = sorted(
        (s for s in stats if s.false_alarm_rate is not None),
        key=lambda s: (-(s.false_alarm_rate or 0.0), s.source_id, s.rule_id),
    )[:MAX_BARS]

    def draw(ax: Axes) -> None:
        if not judged:
            _no_data(ax, "No incident was judged true or false in this period")
            return
        shown = judged[::-1]
        labels = [f"{s.source_id} / {s.rule_id or '-'}" for s in shown]
        rates = [100.0 * (s.false_alarm_rate or 0.0) for s in shown]
        colours = [palette.BAD if r >= 50.0 else palette.NEUTRAL for r in rates]
        bars = ax.barh(labels, rates, color=colours)
        ax.bar_label(bars, labels=[f"{r:.0f} %" for r in rates], fontsize=7, padding=2)
        ax.set_xlim(0, 100)
        ax.set_xlabel("false alarms, % of incidents judged true or false", fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
        _tidy(ax, grid_axis="x")

    return draw


def uptime(devices: Sequence[DeviceUptime]) -> Draw:
    known = sorted(
        (d for d in devices if d.uptime is not None), key=lambda d: (d.uptime or 0.0, d.device_id)
    )[:MAX_BARS]

    def draw(ax: Axes) -> None:
        if not known:
            _no_data(ax, "No device reported its status in this period")
            return
        shown = known[::-1]
        values = [100.0 * (d.uptime or 0.0) for d in shown]
        colours = [
            palette.GOOD if v >= 99.0 else palette.OUT if v >= 95.0 else palette.BAD for v in values
        ]
        bars = ax.barh([d.device_id for d in shown], values, color=colours)
        ax.bar_label(bars, labels=[f"{v:.1f} %" for v in values], fontsize=7, padding=2)
        low = min(values)
        lowest = max(0.0, min(90.0, 5.0 * ((low - 2.0) // 5.0)))
        ax.set_xlim(lowest, 100.0)
        ax.set_xlabel("uptime, % of the observed time", fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
        _tidy(ax, grid_axis="x")

    return draw
