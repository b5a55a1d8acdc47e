"""Which sensor and notifier kinds this version of Kordon runs: the one registry.

The site file schema knows more kinds than the node builds (their adapters are still
being written, issue 14). A configured entry the node would silently ignore is refused
instead, with one issue per entry. When an adapter lands, add its kind to ``runs`` here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args, get_origin

from pydantic import BaseModel

from kordon.config.integrations import NotifierConfig, SensorConfig
from kordon.config.site import SiteConfig
from kordon.config.yaml_nodes import FieldPath


@dataclass(frozen=True)
class SectionKinds:
    """The kinds one list section of the site file accepts, and those the node runs."""

    what: str
    models: tuple[type[BaseModel], ...]
    runs: frozenset[str]

    @property
    def known(self) -> tuple[str, ...]:
        """Every kind the schema accepts in this section, in declaration order."""
        return tuple(_kind_of(m) for m in self.models)


def _kind_of(model: type[BaseModel]) -> str:
    annotation = model.model_fields["kind"].annotation
    if get_origin(annotation) is not Literal:
        raise TypeError(f"{model.__name__}.kind is not a Literal")
    return str(get_args(annotation)[0])


def _models(union: object) -> tuple[type[BaseModel], ...]:
    """The variant models of an ``Annotated[A | B, Field(discriminator=...)]`` union."""
    return tuple(m for m in get_args(get_args(union)[0]) if issubclass(m, BaseModel))


#: Per list section of the site file: the kinds the node builds and runs.
SUPPORTED_KINDS: Mapping[str, SectionKinds] = MappingProxyType(
    {
        "sensors": SectionKinds(
            "sensor",
            _models(SensorConfig),
            runs=frozenset({"ground_sensor", "mavlink", "radar_asterix"}),
        ),
        "notifiers": SectionKinds(
            "notifier", _models(NotifierConfig), runs=frozenset({"mqtt", "webhook", "cot"})
        ),
    }
)


@dataclass(frozen=True)
class UnsupportedKind:
    """A configured entry of a kind the node does not run, located by field path."""

    path: FieldPath
    message: str

    def describe(self) -> str:
        """``sensors[0].kind: sensor kind 'radar_asterix' is not supported ...``"""
        section, index, field = self.path
        return f"{section}[{index}].{field}: {self.message}"


def refusal(section: SectionKinds, kind: str) -> str:
    """The message for an entry of ``kind`` that ``section`` knows but does not run."""
    running = ", ".join(sorted(section.runs)) or "none"
    return (
        f"{section.what} kind {kind!r} is not supported by this version of Kordon yet; "
        f"remove it or comment it out (the node would ignore it). "
        f"{section.what.capitalize()} kinds this version runs: {running}"
    )


def unsupported_kinds(data: object) -> list[UnsupportedKind]:
    """Every entry in ``data`` (a site file's data tree, raw or dumped) the node would not run.

    Reads only the ``kind`` of each item, so an entry that also fails the schema is
    refused in the same pass; kinds the schema does not know are left to the schema.
    """
    if not isinstance(data, Mapping):
        return []
    found: list[UnsupportedKind] = []
    for name, section in SUPPORTED_KINDS.items():
        items = data.get(name)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            kind = item.get("kind") if isinstance(item, Mapping) else None
            if isinstance(kind, str) and kind in section.known and kind not in section.runs:
                found.append(UnsupportedKind((name, index, "kind"), refusal(section, kind)))
    return found


def unsupported_in(config: SiteConfig) -> list[UnsupportedKind]:
    """:func:`unsupported_kinds` of a validated site (for the node, which must not start)."""
    return unsupported_kinds(config.model_dump(include=set(SUPPORTED_KINDS)))


def unrun_models() -> dict[str, str]:
    """Model name → what it configures, for every variant the node does not run (docs)."""
    return {
        model.__name__: section.what
        for section in SUPPORTED_KINDS.values()
        for model in section.models
        if _kind_of(model) not in section.runs
    }
