"""The link's bandwidth budget: a token bucket in bytes whose time the test drives."""

from __future__ import annotations

import math

import pytest

from kordon.link.budget import ByteBudget
from tests.link.support import ManualSeconds


def test_the_budget_refills_at_its_rate_up_to_its_burst() -> None:
    clock = ManualSeconds()
    budget = ByteBudget(1_000, 4_000, clock=clock)
    assert budget.available() == 4_000
    budget.charge(3_500)
    assert budget.available() == 500
    clock.advance(2)
    assert budget.available() == 2_500
    clock.advance(100)
    assert budget.available() == 4_000  # never above the burst


def test_overspending_leaves_a_debt_that_time_pays_back() -> None:
    clock = ManualSeconds()
    budget = ByteBudget(1_000, 2_000, clock=clock)
    budget.charge(5_000)  # an alarm flood, or one large entry
    assert budget.available() == -3_000
    assert budget.wait_s() == pytest.approx(3.001)
    clock.advance(3)
    assert budget.available() == 0
    clock.advance(0.5)
    assert budget.available() == 500
    assert budget.wait_s() == 0.0


def test_a_clock_going_back_does_not_credit_bytes() -> None:
    clock = ManualSeconds()
    budget = ByteBudget(1_000, 2_000, clock=clock)
    budget.charge(2_000)
    clock.advance(-10)
    assert budget.available() == 0
    clock.advance(10)  # back where it was: still nothing earned
    assert budget.available() == 0
    clock.advance(1)
    assert budget.available() == 1_000


@pytest.mark.parametrize(
    ("rate", "burst", "message"),
    [
        (0, 10, "rate"),
        (-1, 10, "rate"),
        (math.inf, 10, "rate"),
        (math.nan, 10, "rate"),
        (10, 0, "burst"),
    ],
)
def test_nonsense_budgets_are_refused(rate: float, burst: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ByteBudget(rate, burst, clock=ManualSeconds())
