"""A small parser of the Prometheus text format 0.0.4, strict enough to catch our mistakes.

Every line must be a ``# HELP``, a ``# TYPE`` (before its samples, once per name) or a
sample ``name{labels} value`` of a declared family; label values are unescaped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_SAMPLE = re.compile(rf"^({_NAME})(?:\{{(.*)\}})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


@dataclass
class Family:
    name: str
    type: str = ""
    help: str = ""
    samples: dict[tuple[tuple[str, str], ...], float] = field(default_factory=dict)

    def value(self, **labels: str) -> float:
        return self.samples[tuple(sorted(labels.items()))]


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def _labels(text: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _LABEL.match(text, pos)
        if m is None:
            raise ValueError(f"bad labels {text!r} at {pos}")
        out.append((m.group(1), _unescape(m.group(2))))
        pos = m.end()
    return tuple(sorted(out))


def _value(text: str) -> float:
    special = {"+Inf": math.inf, "-Inf": -math.inf, "NaN": math.nan}
    return special[text] if text in special else float(text)


def parse(text: str) -> dict[str, Family]:
    if text and not text.endswith("\n"):
        raise ValueError("the text must end with a newline")
    families: dict[str, Family] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            family = families.setdefault(name, Family(name))
            if family.help or family.samples:
                raise ValueError(f"line {number}: HELP of {name} repeated or after samples")
            family.help = _unescape(help_text)
        elif line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            if kind not in ("counter", "gauge", "histogram", "summary", "untyped"):
                raise ValueError(f"line {number}: unknown type {kind!r}")
            family = families.setdefault(name, Family(name))
            if family.type or family.samples:
                raise ValueError(f"line {number}: TYPE of {name} repeated or after samples")
            family.type = kind
        else:
            m = _SAMPLE.match(line)
            if m is None:
                raise ValueError(f"line {number}: not a sample: {line!r}")
            name = m.group(1)
            if name not in families or not families[name].type:
                raise ValueError(f"line {number}: sample of undeclared {name}")
            labels = _labels(m.group(2) or "")
            if labels in families[name].samples:
                raise ValueError(f"line {number}: duplicate sample {name}{dict(labels)}")
            families[name].samples[labels] = _value(m.group(3))
    return families
