"""The edge's end of the command link: the centre's operator actions applied at the outpost.

:class:`EdgeCommandHandler` applies one command (``kordon.link.command_wire``) through the
node's own incident service, as the centre's operator (``central:<user>``), so the action
is checked by the same lifecycle, audited in the node's ledger by the service and queued
for the centre through the outbox like any local action: the centre's copy of the incident
changes only when the edge's own snapshot arrives.

**Once per command id.** An applied command's row (``link_commands_applied``) is written by
a commit hook in the incident change's own transaction, so a command is applied exactly
once however often it arrives (a resend, a replay after a crash); a command seen before is
answered again with its first answer. A refusal (unknown incident, a move the lifecycle
refuses, an invalid note, an actor not from the centre) is recorded and audited too, and
answered ``refused`` with the reason. A command for another edge is answered ``refused``
(the centre takes no answer for a command it sent to someone else) and changes nothing.
A store failure, or a node whose incident service is not running yet, gives no answer: the
centre sends it again.

:class:`EdgeCommandService` is the node service: its own MQTT session (client id
``kordon-edge-<id>-commands``, the edge's credentials), subscribed to
``<root>/<edge>/command``, answering on ``<root>/<edge>/command_ack``.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from kordon.central.edge_link import edge_endpoint
from kordon.config.edge import EdgeLinkConfig
from kordon.domain.incident import InvalidTransitionError, Resolution
from kordon.incidents.errors import IncidentInputError
from kordon.incidents.model import AuditHook
from kordon.link.command_rows import AppliedCommandRow
from kordon.link.command_wire import (
    CommandAck,
    CommandAction,
    CommandOutcome,
    CommandTopics,
    CommandWireError,
    IncidentCommand,
    encode,
    read_command,
)
from kordon.link.mqtt_link import MqttLink
from kordon.store.commit_hooks import Changes
from kordon.store.errors import ConflictError, NotFoundError, StoreError
from kordon.store.session import translate_errors
from kordon.store.store import Store, StoredIncident

logger = logging.getLogger(__name__)

CENTRAL_ACTOR_PREFIX = "central:"
CONFLICT_TRIES = 3


class EdgeIncidents(Protocol):
    """The node's incident service, as far as the centre's commands use it."""

    def get(self, incident_id: str) -> StoredIncident: ...

    def acknowledge(
        self, incident_id: str, *, actor: str, time: datetime, expected_version: int, note: str = ""
    ) -> StoredIncident: ...

    def resolve(
        self,
        incident_id: str,
        *,
        actor: str,
        resolution: Resolution,
        time: datetime,
        expected_version: int,
        note: str = "",
    ) -> StoredIncident: ...

    def close(
        self, incident_id: str, *, actor: str, time: datetime, expected_version: int, note: str = ""
    ) -> StoredIncident: ...

    def add_note(
        self, incident_id: str, *, actor: str, note: str, time: datetime, expected_version: int
    ) -> StoredIncident: ...


class _AppliedRecorder:
    """A commit hook: writes this thread's pending command row in the transaction that
    changes its incident."""

    def __init__(self) -> None:
        self._local = threading.local()

    def arm(self, row: AppliedCommandRow) -> None:
        self._local.row = row

    def disarm(self) -> bool:
        """Forget the pending row; whether it was written into a transaction."""
        written = bool(getattr(self._local, "written", False))
        self._local.row = None
        self._local.written = False
        return written

    def before_commit(self, session: Session, changes: Changes) -> None:
        del changes
        row = getattr(self._local, "row", None)
        if row is None or getattr(self._local, "written", False):
            return
        session.add(row)
        self._local.written = True


class EdgeCommandHandler:
    """Applies the centre's commands once each; answers each (or ``None``: ask again)."""

    def __init__(
        self,
        edge_id: str,
        *,
        store: Store,
        incidents: Callable[[], EdgeIncidents | None],
        clock: Callable[[], datetime],
        audit: AuditHook | None = None,
    ) -> None:
        self.edge_id = edge_id
        self._store = store
        self._incidents = incidents
        self._clock = clock
        self._audit = audit
        self._recorder = _AppliedRecorder()
        self._lock = threading.Lock()
        self._installed = False
        self.counts: Counter[str] = Counter()
        """Commands by what became of them: applied, refused, duplicate, malformed, later."""

    def install(self) -> None:
        """Add the commit hook to the store (once, before the first command)."""
        if not self._installed:
            self._store.add_commit_hook(self._recorder)
            self._installed = True

    def handle(self, payload: bytes) -> CommandAck | None:
        try:
            command = read_command(payload)
        except CommandWireError as exc:
            self.counts["malformed"] += 1
            logger.warning("edge %s: refused a command from the centre: %s", self.edge_id, exc)
            return None
        if command.edge_id != self.edge_id:
            self.counts["wrong_edge"] += 1
            logger.warning(
                "edge %s: command %s is for edge %r: not applied",
                self.edge_id,
                command.command_id,
                command.edge_id,
            )
            return self._ack(command, CommandOutcome.REFUSED, f"for edge {command.edge_id!r}")
        with self._lock:
            return self._handle(command)

    def _handle(self, command: IncidentCommand) -> CommandAck | None:
        self.install()
        try:
            with translate_errors("read command"), self._store.sessions() as session:
                seen = session.get(AppliedCommandRow, command.command_id)
                if seen is not None:
                    self.counts["duplicate"] += 1
                    return CommandAck(
                        command_id=seen.command_id,
                        edge_id=self.edge_id,
                        outcome=CommandOutcome(seen.outcome),
                        reason=seen.reason,
                        incident_version=seen.incident_version,
                    )
            incidents = self._incidents()
            if incidents is None:
                self.counts["later"] += 1
                return None  # the node is starting: the centre sends it again
            if not command.actor.startswith(CENTRAL_ACTOR_PREFIX):
                return self._refuse(command, f"actor must start with {CENTRAL_ACTOR_PREFIX!r}")
            return self._apply(incidents, command)
        except StoreError as exc:
            self.counts["later"] += 1
            logger.warning(
                "edge %s: command %s not applied now (%s); the centre sends it again",
                self.edge_id,
                command.command_id,
                exc,
            )
            return None

    def _apply(self, incidents: EdgeIncidents, command: IncidentCommand) -> CommandAck:
        time = self._clock()
        row = self._row(command, CommandOutcome.APPLIED, "", None, time)
        for _try in range(CONFLICT_TRIES):
            try:
                version = incidents.get(command.incident_id).version
                self._recorder.arm(row)
                try:
                    stored = self._act(incidents, command, version, time)
                finally:
                    written = self._recorder.disarm()
            except NotFoundError:
                return self._refuse(command, f"no incident {command.incident_id!r} here")
            except (InvalidTransitionError, IncidentInputError) as exc:
                return self._refuse(command, str(exc))
            except ConflictError:
                continue  # a local operator acted at the same moment: read it again
            if not written:  # no hook ran (a store without tracking): record it apart
                self._write(replace_version(row, stored.version))
            else:
                self._set_version(command.command_id, stored.version)
            self.counts["applied"] += 1
            logger.info(
                "edge %s: command %s applied: %s on %s by %s",
                self.edge_id,
                command.command_id,
                command.action,
                command.incident_id,
                command.actor,
            )
            return self._ack(command, CommandOutcome.APPLIED, "", stored.version)
        return self._refuse(command, "the incident kept changing here; try again")

    def _act(
        self, incidents: EdgeIncidents, command: IncidentCommand, version: int, time: datetime
    ) -> StoredIncident:
        incident_id, actor, note = command.incident_id, command.actor, command.note
        match command.action:
            case CommandAction.ACKNOWLEDGE:
                return incidents.acknowledge(
                    incident_id, actor=actor, time=time, expected_version=version, note=note
                )
            case CommandAction.CLOSE:
                return incidents.close(
                    incident_id, actor=actor, time=time, expected_version=version, note=note
                )
            case CommandAction.NOTE:
                return incidents.add_note(
                    incident_id, actor=actor, note=note, time=time, expected_version=version
                )
            case CommandAction.RESOLVE:
                if command.resolution is None:  # the wire refuses this; for the type checker
                    raise IncidentInputError("a resolve command needs a resolution")
                return incidents.resolve(
                    incident_id,
                    actor=actor,
                    resolution=command.resolution,
                    time=time,
                    expected_version=version,
                    note=note,
                )

    def _refuse(self, command: IncidentCommand, reason: str) -> CommandAck:
        time = self._clock()
        reason = reason[:500]
        self._write(self._row(command, CommandOutcome.REFUSED, reason, None, time))
        if self._audit is not None:
            self._audit(
                command.actor[:128],
                str(command.action),
                f"incident:{command.incident_id}",
                {"outcome": "refused", "reason": reason, "command_id": command.command_id},
                time,
            )
        self.counts["refused"] += 1
        logger.warning("edge %s: command %s refused: %s", self.edge_id, command.command_id, reason)
        return self._ack(command, CommandOutcome.REFUSED, reason)

    def _ack(
        self,
        command: IncidentCommand,
        outcome: CommandOutcome,
        reason: str,
        version: int | None = None,
    ) -> CommandAck:
        return CommandAck(
            command_id=command.command_id,
            edge_id=self.edge_id,
            outcome=outcome,
            reason=reason[:500],
            incident_version=version,
        )

    def _row(
        self,
        command: IncidentCommand,
        outcome: CommandOutcome,
        reason: str,
        version: int | None,
        time: datetime,
    ) -> AppliedCommandRow:
        return AppliedCommandRow(
            command_id=command.command_id,
            edge_id=self.edge_id,
            incident_id=command.incident_id,
            action=str(command.action),
            actor=command.actor[:128],
            outcome=str(outcome),
            reason=reason,
            incident_version=version,
            answered_at=time,
        )

    def _write(self, row: AppliedCommandRow) -> None:
        with translate_errors("record command"), self._store.sessions.begin() as session:
            if session.get(AppliedCommandRow, row.command_id) is None:
                session.add(row)

    def _set_version(self, command_id: str, version: int) -> None:
        with translate_errors("record command"), self._store.sessions.begin() as session:
            row = session.get(AppliedCommandRow, command_id)
            if row is not None:
                row.incident_version = version


def replace_version(row: AppliedCommandRow, version: int) -> AppliedCommandRow:
    """A fresh (unattached) copy of ``row`` with ``incident_version`` set."""
    return AppliedCommandRow(
        command_id=row.command_id,
        edge_id=row.edge_id,
        incident_id=row.incident_id,
        action=row.action,
        actor=row.actor,
        outcome=row.outcome,
        reason=row.reason,
        incident_version=version,
        answered_at=row.answered_at,
    )


class EdgeCommandService:
    """Receives the centre's commands while the node runs (``role: edge``)."""

    name = "edge-commands"

    def __init__(
        self,
        config: EdgeLinkConfig,
        *,
        store: Callable[[], Store],
        incidents: Callable[[], EdgeIncidents | None],
        resolve: Callable[[Path], Path],
        audit: AuditHook | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._config = config
        self._store = store
        self._incidents = incidents
        self._resolve = resolve
        self._audit = audit
        self._now = now
        self._topics = CommandTopics(root=config.topic_root)
        self.handler: EdgeCommandHandler | None = None
        self._link: MqttLink | None = None

    async def start(self) -> None:
        config = self._config
        handler = EdgeCommandHandler(
            config.id,
            store=self._store(),
            incidents=self._incidents,
            clock=self._now,
            audit=self._audit,
        )
        handler.install()
        base = edge_endpoint(config, self._resolve)
        endpoint = replace(base, client_id=f"{base.client_id}-commands")
        answers = self._topics.command_ack(config.id)

        def received(_topic: str, payload: bytes) -> None:
            ack = handler.handle(payload)
            if ack is not None and self._link is not None:
                self._link.publish(answers, encode(ack))

        link = MqttLink(endpoint, [self._topics.command(config.id)], on_message=received)
        self.handler = handler
        self._link = link
        link.start()

    def connected(self) -> bool:
        return self._link is not None and self._link.connected.is_set()

    async def stop(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            link.stop()
