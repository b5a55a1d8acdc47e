"""Operator commands from the centre to an edge, and the edge's answers, on the wire.

Down: ``<root>/<edge>/command`` carries one :class:`IncidentCommand`
(``{"v":1,"command_id","edge_id","incident_id","action","actor","note","resolution",
"issued_at"}``); up: ``<root>/<edge>/command_ack`` carries one :class:`CommandAck`
(``{"v":1,"command_id","edge_id","outcome","reason","incident_version"}``). Both QoS 1.

Strict on input: unknown or missing keys, wrong JSON types, naive times, an unknown action
or version, a resolve without a resolution (or another action with one), an empty note
are refused with a :class:`CommandWireError` that names the problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal, Self, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from kordon.domain.incident import Resolution
from kordon.link.errors import LinkError
from kordon.link.topics import DEFAULT_ROOT, check_edge_id

MAX_COMMAND_BYTES = 32_768
"""A command or an ack larger than this is refused unread."""
MAX_NOTE_CHARS = 4000
"""As the incident service's own limit on a note."""

CommandId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
EdgeIdText = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^/+#\x00]+$")]


class CommandWireError(LinkError):
    """A command or an answer that cannot be read: the message says why."""


class CommandAction(StrEnum):
    """What the centre may ask an outpost to do to one of its incidents."""

    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    CLOSE = "close"
    NOTE = "note"


class CommandOutcome(StrEnum):
    APPLIED = "applied"
    """The edge's incident service did it (its snapshot travels back through the outbox)."""
    REFUSED = "refused"
    """The edge refused it (``reason`` says why); nothing changed there."""


_M = TypeVar("_M", bound=BaseModel)
_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


class IncidentCommand(BaseModel):
    """One operator action done at the centre, for the edge that owns the incident."""

    model_config = _STRICT

    v: Literal[1] = 1
    command_id: CommandId
    edge_id: EdgeIdText
    incident_id: Annotated[str, Field(min_length=1, max_length=64)]
    action: CommandAction
    actor: Annotated[str, Field(min_length=1, max_length=128)]
    """Who did it, as the edge records it: ``central:<username>``."""
    note: Annotated[str, Field(max_length=MAX_NOTE_CHARS)] = ""
    resolution: Resolution | None = None
    issued_at: AwareDatetime

    @model_validator(mode="after")
    def _fields_fit_action(self) -> Self:
        if (self.action is CommandAction.RESOLVE) != (self.resolution is not None):
            raise ValueError("a resolution is given with, and only with, action 'resolve'")
        if self.action is CommandAction.NOTE and not self.note.strip():
            raise ValueError("a note command needs a non-empty note")
        return self


class CommandAck(BaseModel):
    """The edge's answer to one command (sent again for a command it has seen before)."""

    model_config = _STRICT

    v: Literal[1] = 1
    command_id: CommandId
    edge_id: EdgeIdText
    outcome: CommandOutcome
    reason: Annotated[str, Field(max_length=500)] = ""
    incident_version: Annotated[int, Field(ge=0)] | None = None


def _read(model: type[_M], payload: bytes, what: str) -> _M:
    if len(payload) > MAX_COMMAND_BYTES:
        raise CommandWireError(f"{what} is {len(payload)} bytes; at most {MAX_COMMAND_BYTES}")
    try:
        return model.model_validate_json(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(document)"
        raise CommandWireError(f"malformed {what}: {where}: {first['msg']}") from None


def read_command(payload: bytes) -> IncidentCommand:
    return _read(IncidentCommand, payload, "command")


def read_ack(payload: bytes) -> CommandAck:
    return _read(CommandAck, payload, "command ack")


def encode(message: IncidentCommand | CommandAck) -> bytes:
    return message.model_dump_json().encode("utf-8")


@dataclass(frozen=True, slots=True)
class CommandTopics:
    """``<root>/<edge>/command`` down, ``<root>/<edge>/command_ack`` up (same root as
    :class:`~kordon.link.topics.LinkTopics`)."""

    root: str = DEFAULT_ROOT

    def __post_init__(self) -> None:
        if not self.root or self.root.endswith("/") or any(c in "+#\x00" for c in self.root):
            raise ValueError(f"topic root {self.root!r} must be a plain topic without wildcards")

    def command(self, edge_id: str) -> str:
        return f"{self.root}/{check_edge_id(edge_id)}/command"

    def command_ack(self, edge_id: str) -> str:
        return f"{self.root}/{check_edge_id(edge_id)}/command_ack"

    @property
    def all_command_acks(self) -> str:
        """The filter the centre subscribes to."""
        return f"{self.root}/+/command_ack"

    def edge_of_command_ack(self, topic: str) -> str | None:
        """The edge id in a command-ack topic, or ``None`` if ``topic`` is not one."""
        prefix, suffix = f"{self.root}/", "/command_ack"
        if not (topic.startswith(prefix) and topic.endswith(suffix)):
            return None
        edge = topic[len(prefix) : -len(suffix)]
        return edge if edge and "/" not in edge else None
