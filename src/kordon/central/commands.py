"""``CommandQueue``: the centre's durable record of operator commands for the outposts.

An operator action on an outpost's incident is written here first (``link_commands``,
status ``queued``), then sent by :class:`~kordon.central.command_sender.CommandSender` until
the edge answers: ``applied`` or ``refused`` with its reason. A command with no answer
after ``expire_after`` becomes ``expired`` and is never sent again (an acknowledgement a
day late is not what the operator asked for). Times come from the caller.
"""

from __future__ import annotations

import builtins
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from kordon.domain.incident import Resolution
from kordon.link.command_rows import CommandRow
from kordon.link.command_wire import (
    CommandAck,
    CommandAction,
    CommandOutcome,
    IncidentCommand,
    encode,
)
from kordon.store.errors import NotFoundError
from kordon.store.session import translate_errors


class CommandStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    APPLIED = "applied"
    REFUSED = "refused"
    EXPIRED = "expired"


WAITING = (CommandStatus.QUEUED, CommandStatus.SENT)


@dataclass(frozen=True, slots=True)
class CommandRecord:
    """One command as the centre holds it."""

    command_id: str
    edge_id: str
    incident_id: str
    action: CommandAction
    actor: str
    issued_at: datetime
    status: CommandStatus
    attempts: int
    last_sent_at: datetime | None
    answered_at: datetime | None
    reason: str
    incident_version: int | None
    payload: str

    @classmethod
    def of(cls, row: CommandRow) -> CommandRecord:
        return cls(
            command_id=row.command_id,
            edge_id=row.edge_id,
            incident_id=row.incident_id,
            action=CommandAction(row.action),
            actor=row.actor,
            issued_at=row.issued_at,
            status=CommandStatus(row.status),
            attempts=row.attempts,
            last_sent_at=row.last_sent_at,
            answered_at=row.answered_at,
            reason=row.reason,
            incident_version=row.incident_version,
            payload=row.payload,
        )


class AnswerResult(StrEnum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"
    """The command was already answered (an ack sent again): nothing changed."""
    UNKNOWN = "unknown"
    """No such command for that edge."""


class CommandQueue:
    """The ``link_commands`` table of the central store."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def issue(
        self,
        *,
        edge_id: str,
        incident_id: str,
        action: CommandAction,
        actor: str,
        note: str,
        resolution: Resolution | None,
        time: datetime,
    ) -> CommandRecord:
        """Write a new command (``queued``); ``ValueError`` for one the wire refuses."""
        command = IncidentCommand(
            command_id=uuid.uuid4().hex,
            edge_id=edge_id,
            incident_id=incident_id,
            action=action,
            actor=actor,
            note=note,
            resolution=resolution,
            issued_at=time,
        )
        row = CommandRow(
            command_id=command.command_id,
            edge_id=edge_id,
            incident_id=incident_id,
            action=str(action),
            actor=actor,
            payload=encode(command).decode("utf-8"),
            issued_at=time,
            status=str(CommandStatus.QUEUED),
            attempts=0,
            last_sent_at=None,
            answered_at=None,
            reason="",
            incident_version=None,
        )
        with translate_errors("issue command"), self._sessions.begin() as session:
            session.add(row)
            session.flush()
            return CommandRecord.of(row)

    def get(self, command_id: str) -> CommandRecord:
        with translate_errors("read command"), self._sessions() as session:
            row = session.get(CommandRow, command_id)
            if row is None:
                raise NotFoundError(f"no command {command_id!r}")
            return CommandRecord.of(row)

    def list(
        self,
        *,
        edge_id: str | None = None,
        incident_id: str | None = None,
        limit: int = 100,
    ) -> builtins.list[CommandRecord]:
        """Newest first."""
        query = select(CommandRow)
        if edge_id is not None:
            query = query.where(CommandRow.edge_id == edge_id)
        if incident_id is not None:
            query = query.where(CommandRow.incident_id == incident_id)
        query = query.order_by(CommandRow.issued_at.desc(), CommandRow.command_id).limit(limit)
        with translate_errors("list commands"), self._sessions() as session:
            return [CommandRecord.of(row) for row in session.scalars(query)]

    def counts(self, edge_id: str) -> dict[CommandStatus, int]:
        """How many commands of ``edge_id`` are in each status (absent: none)."""
        query = (
            select(CommandRow.status, func.count())
            .where(CommandRow.edge_id == edge_id)
            .group_by(CommandRow.status)
        )
        with translate_errors("count commands"), self._sessions() as session:
            return {CommandStatus(status): int(n) for status, n in session.execute(query)}

    def due(
        self, *, now: datetime, resend_after: timedelta, limit: int
    ) -> builtins.list[CommandRecord]:
        """Waiting commands never sent, or last sent at least ``resend_after`` ago; oldest
        first, at most ``limit``."""
        query = (
            select(CommandRow)
            .where(CommandRow.status.in_([str(s) for s in WAITING]))
            .where(
                or_(
                    CommandRow.last_sent_at.is_(None),
                    CommandRow.last_sent_at <= now - resend_after,
                )
            )
            .order_by(CommandRow.issued_at, CommandRow.command_id)
            .limit(limit)
        )
        with translate_errors("due commands"), self._sessions() as session:
            return [CommandRecord.of(row) for row in session.scalars(query)]

    def mark_sent(self, command_ids: builtins.list[str], *, time: datetime) -> None:
        """Count one more sending of each (still waiting) command."""
        if not command_ids:
            return
        statement = (
            update(CommandRow)
            .where(CommandRow.command_id.in_(command_ids))
            .where(CommandRow.status.in_([str(s) for s in WAITING]))
            .values(
                status=str(CommandStatus.SENT),
                attempts=CommandRow.attempts + 1,
                last_sent_at=time,
            )
        )
        with translate_errors("mark commands sent"), self._sessions.begin() as session:
            session.execute(statement)

    def expire(self, *, before: datetime, time: datetime) -> int:
        """Waiting commands issued before ``before`` become ``expired``; how many."""
        statement = (
            update(CommandRow)
            .where(CommandRow.status.in_([str(s) for s in WAITING]))
            .where(CommandRow.issued_at < before)
            .values(
                status=str(CommandStatus.EXPIRED),
                answered_at=time,
                reason="no answer from the outpost in time; not sent again",
            )
        )
        with translate_errors("expire commands"), self._sessions.begin() as session:
            result = session.execute(statement)
            return int(getattr(result, "rowcount", 0))

    def answer(self, edge_id: str, ack: CommandAck, *, time: datetime) -> AnswerResult:
        """Record the edge's answer, once: a waiting command of ``edge_id`` becomes
        ``applied`` or ``refused`` (an expired one too: the edge did act on it); an
        answered one is left as it is."""
        status = (
            CommandStatus.APPLIED
            if ack.outcome is CommandOutcome.APPLIED
            else CommandStatus.REFUSED
        )
        with translate_errors("answer command"), self._sessions.begin() as session:
            row = session.get(CommandRow, ack.command_id, with_for_update=True)
            if row is None or row.edge_id != edge_id:
                return AnswerResult.UNKNOWN
            if CommandStatus(row.status) not in (*WAITING, CommandStatus.EXPIRED):
                return AnswerResult.DUPLICATE
            row.status = str(status)
            row.reason = ack.reason
            row.answered_at = time
            row.incident_version = ack.incident_version
            return AnswerResult.RECORDED
