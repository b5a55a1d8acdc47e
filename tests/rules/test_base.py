"""``RuleSet`` and the ``Rule`` protocol."""

from __future__ import annotations

import pytest

from kordon.domain.event import EventKind, Frame
from kordon.rules.approach import ApproachRule
from kordon.rules.base import Rule, RuleSet
from kordon.rules.errors import RuleConfigError
from kordon.rules.line_crossing import LineCrossingRule
from kordon.rules.zone import ZoneRule
from tests.rules.helpers import at, planar


def test_rules_satisfy_the_protocol_and_ruleset_concatenates() -> None:
    line = LineCrossingRule("line", "cam", Frame.IMAGE, [[0, 5], [20, 5]])
    zone = ZoneRule("zone", "cam", Frame.IMAGE, [[0, 0], [20, 0], [20, 4], [0, 4]])
    approach = ApproachRule("near", "cam", Frame.IMAGE, [[0, 5], [20, 5]], distance=3.0)
    rules = RuleSet([line, zone, approach])
    assert all(isinstance(r, Rule) for r in rules.rules)
    assert len(rules) == 3
    events = []
    for i, y in enumerate([10.0, 7.0, 3.0]):
        events.extend(rules.trigger(planar([[10, y]]), at(i)))
    assert [e.kind for e in events] == [
        EventKind.BORDER_APPROACH,
        EventKind.LINE_CROSSING,
        EventKind.ZONE_ENTER,
    ]


def test_duplicate_rule_ids_are_refused() -> None:
    a = LineCrossingRule("same", "cam", Frame.IMAGE, [[0, 0], [1, 0]])
    b = LineCrossingRule("same", "cam", Frame.IMAGE, [[0, 0], [1, 0]])
    with pytest.raises(RuleConfigError, match="same"):
        RuleSet([a, b])
