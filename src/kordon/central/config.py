"""``CentralConfig``: the central server's YAML file (``kordon central CONFIG``).

PostgreSQL is required; one or more MQTT brokers, each with its own credentials and TLS;
the edges allowed to deliver (and those revoked); the map (a site file whose borders and
sectors cover every outpost) and the API listener, as in a site file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator, model_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from kordon.config.bounded_read import FileKind, FileReadError, read_bounded_text
from kordon.config.common import Slug, StrictModel
from kordon.config.edge import BrokerTls, EdgeId
from kordon.config.errors import ConfigError, ConfigIssue
from kordon.config.storage import ApiConfig
from kordon.config.yaml_nodes import YamlSyntaxError, parse_yaml
from kordon.link.topics import DEFAULT_ROOT

__all__ = [
    "BrokerConfig",
    "BrokerTls",
    "CentralConfig",
    "EdgeConfig",
    "EdgeId",
    "load_central",
    "parse_central",
]

CENTRAL_FILE = FileKind("central file", 1_048_576)


class BrokerConfig(StrictModel):
    """One MQTT broker the centre keeps a persistent session with."""

    id: Slug = Field(description="Name of this broker in logs and counters.")
    host: Annotated[str, Field(min_length=1, max_length=253)] = Field(description="Host.")
    port: int = Field(default=1883, ge=1, le=65_535, description="Port (8883 for TLS).")
    client_id: Annotated[str, Field(min_length=1, max_length=128)] = Field(
        default="kordon-central", description="MQTT client id of the centre's session."
    )
    username: Annotated[str, Field(min_length=1, max_length=128)] | None = Field(
        default=None, description="MQTT user of the centre."
    )
    password_file: Path | None = Field(
        default=None,
        description="File holding the centre's MQTT password (first line), relative to the "
        "central file; never the password itself in this file.",
    )
    tls: BrokerTls | None = Field(default=None, description="TLS to the broker; none: plain.")
    topic_root: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        default=DEFAULT_ROOT, description="Topic root: edges publish on <root>/<edge>/outbox."
    )

    @model_validator(mode="after")
    def _credentials(self) -> BrokerConfig:
        if self.password_file is not None and self.username is None:
            raise ValueError("password_file needs a username")
        return self


class EdgeConfig(StrictModel):
    """An outpost allowed to deliver to the centre."""

    id: EdgeId = Field(description="Edge id: its topic level and its MQTT user name.")
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="Display name of the outpost."
    )
    revoked: bool = Field(
        default=False,
        description="Refuse everything from this edge (counted and logged as revoked_edge); "
        "its MQTT user is left out of the generated password file.",
    )


class LinkLimits(StrictModel):
    """What the centre accepts from edges."""

    max_batch_bytes: int = Field(default=1_048_576, ge=1_024, le=64 * 1_048_576)
    max_clock_ahead_s: float = Field(
        default=300.0,
        gt=0,
        le=86_400,
        description="A batch with an entry created further ahead of the centre's clock "
        "(after correcting the edge's measured clock offset) is refused; it stays in the "
        "edge's outbox.",
    )
    clock_threshold_s: float = Field(
        default=2.0,
        gt=0,
        le=3_600,
        description="An edge clock measured further off than this (from each batch's "
        "sent_at) has its times corrected at the centre, and its link-<edge> device degraded.",
    )
    clock_confirm_s: float = Field(
        default=60.0,
        ge=0,
        le=300,
        description="An edge clock running behind is corrected only once batches over this "
        "long agree on it (a batch that waited in the broker looks like one).",
    )


class CentralSection(StrictModel):
    id: Slug = Field(description="Id of the central server.")
    name: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        default="Operations centre", description="Display name."
    )


class CentralConfig(StrictModel):
    """The central server."""

    central: CentralSection
    database_url: Annotated[str, Field(min_length=1, max_length=2_000)] = Field(
        description="PostgreSQL URL (postgresql+psycopg://user@host:5432/db); required."
    )
    site: Path = Field(
        description="Site file of the map the centre shows: borders and sectors covering "
        "every outpost (its devices are not run). Relative to the central file."
    )
    brokers: list[BrokerConfig] = Field(min_length=1, max_length=16)
    edges: list[EdgeConfig] = Field(min_length=1, max_length=10_000)
    link: LinkLimits = Field(default_factory=LinkLimits)
    api: ApiConfig = Field(default_factory=ApiConfig)
    data_dir: Path = Field(
        default=Path("central-data"),
        description="The centre's files (the first admin's password hand-over).",
    )
    base_dir: Path = Field(default=Path(), exclude=True, description="Set by the loader.")

    @field_validator("database_url")
    @classmethod
    def _postgresql(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        if url.get_backend_name() != "postgresql":
            raise ValueError(
                f"the central server needs PostgreSQL, got {url.get_backend_name()!r} "
                "(postgresql+psycopg://user@host:5432/db)"
            )
        return value

    @model_validator(mode="after")
    def _unique(self) -> CentralConfig:
        for what, ids in (
            ("broker", [b.id for b in self.brokers]),
            ("edge", [e.id for e in self.edges]),
        ):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            if twice:
                raise ValueError(f"{what} id(s) listed twice: {', '.join(twice)}")
        return self

    def resolve(self, path: Path) -> Path:
        """``path`` relative to the central file's directory (absolute paths unchanged)."""
        return path if path.is_absolute() else self.base_dir / path

    @property
    def allowed_edges(self) -> frozenset[str]:
        return frozenset(e.id for e in self.edges if not e.revoked)

    @property
    def revoked_edges(self) -> frozenset[str]:
        return frozenset(e.id for e in self.edges if e.revoked)


def load_central(path: Path) -> CentralConfig:
    """Load and check a central file; :class:`ConfigError` listing every problem."""
    display = str(path)
    try:
        text = read_bounded_text(path, CENTRAL_FILE)
    except FileReadError as exc:
        raise ConfigError([ConfigIssue(display, None, None, "", exc.problem)]) from None
    return parse_central(text, display=display, base_dir=path.parent)


def parse_central(text: str, *, display: str, base_dir: Path) -> CentralConfig:
    try:
        parsed = parse_yaml(text)
    except YamlSyntaxError as exc:
        line = exc.position.line if exc.position else None
        column = exc.position.column if exc.position else None
        raise ConfigError([ConfigIssue(display, line, column, "", exc.message)]) from None
    if not isinstance(parsed.data, dict):
        raise ConfigError(
            [ConfigIssue(display, 1, 1, "", "a central file is a mapping of sections")]
        )
    try:
        config = CentralConfig.model_validate(parsed.data)
    except ValidationError as exc:
        issues = []
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            marks = None
            for cut in range(len(loc), -1, -1):
                marks = parsed.marks.get(loc[:cut])
                if marks is not None:
                    break
            where = marks.value if marks is not None else None
            path = ".".join(str(p) for p in loc)
            message = error["msg"].removeprefix("Value error, ")
            issues.append(
                ConfigIssue(
                    display,
                    where.line if where else None,
                    where.column if where else None,
                    path,
                    message,
                )
            )
        raise ConfigError(issues) from None
    return config.model_copy(update={"base_dir": base_dir})
