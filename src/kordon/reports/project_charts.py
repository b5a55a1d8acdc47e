"""The plots of a funding-project report."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from kordon.reports import palette
from kordon.reports.project_facts import CategoryLine, CheckCoverage

Draw = Callable[[Axes], None]


def _thousands(value: float, _position: object) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def _tidy(ax: Axes, *, grid_axis: str = "x") -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis=grid_axis, color=palette.GRID, linewidth=0.6)  # type: ignore[arg-type]
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=8)


def _no_data(ax: Axes, text: str) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=10, color=palette.NEUTRAL)


def pipeline_by_value(lines: Sequence[CategoryLine], currency: str) -> Draw:
    """Per category, grouped horizontal bars: delivered, deployed, operational value."""

    def draw(ax: Axes) -> None:
        if not lines:
            _no_data(ax, "No procurement line yet")
            return
        shown = list(lines)[::-1]
        y = list(range(len(shown)))
        series = (
            ("delivered", [c.delivered_minor for c in shown], palette.NEUTRAL, 0.27),
            ("deployed", [c.deployed_minor for c in shown], palette.IN, 0.0),
            ("operational", [c.operational_minor for c in shown], palette.GOOD, -0.27),
        )
        for label, minors, colour, offset in series:
            ax.barh(
                [v + offset for v in y],
                [m / 100.0 for m in minors],
                height=0.26,
                color=colour,
                label=label,
            )
        ordered = [c.ordered_minor / 100.0 for c in shown]
        ax.scatter(ordered, y, marker="|", s=260, color=palette.INK, zorder=3, label="ordered")
        ax.set_yticks(y, [c.category.replace("_", " ") for c in shown])
        ax.set_xlabel(f"value, {currency}", fontsize=8)
        ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.legend(fontsize=7, frameon=False, ncols=4, loc="lower left", bbox_to_anchor=(0.0, 1.0))
        _tidy(ax)

    return draw


def check_coverage(coverage: CheckCoverage, overdue: int) -> Draw:
    """One stacked bar: checked within the interval, not checked but not due, overdue."""

    def draw(ax: Axes) -> None:
        if coverage.accountable == 0:
            _no_data(ax, "No accountable serial")
            return
        checked = coverage.checked_recently
        late = min(overdue, coverage.accountable - checked)
        rest = coverage.accountable - checked - late
        left = 0
        for value, colour, label in (
            (checked, palette.GOOD, "checked within the interval"),
            (rest, palette.NEUTRAL, "not checked, not yet due"),
            (late, palette.BAD, "overdue"),
        ):
            if value:
                ax.barh([0], [value], left=left, color=colour, label=f"{label} ({value})")
                left += value
        ax.set_xlim(0, coverage.accountable)
        ax.set_yticks([])
        ax.set_xlabel("accountable serials", fontsize=8)
        ax.legend(fontsize=7, frameon=False, ncols=3, loc="lower left", bbox_to_anchor=(0.0, 1.0))
        _tidy(ax)

    return draw
