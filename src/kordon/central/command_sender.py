"""``CommandSender``: the centre's end of the command link, one MQTT session per broker.

Sends each waiting command of :class:`~kordon.central.commands.CommandQueue` on
``<root>/<edge>/command`` (QoS 1) on every broker (an edge is connected to one of them),
and again every ``resend_s`` until the edge answers on ``<root>/<edge>/command_ack``;
at once on every (re)connection. A command with no answer after ``expire_after_s`` is
``expired`` (never sent again). Bounded: at most ``batch`` commands per step. The session
is persistent, so an edge's answers sent while the centre is away are delivered when it is
back; an edge that is away gets its commands from its own persistent session or from the
next resend once it is back.

An answer is taken only on the answering edge's own topic, for that edge's command, from
an edge the centre lists and has not revoked; anything else is logged and counted.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from kordon.central.commands import AnswerResult, CommandQueue
from kordon.link.command_wire import CommandTopics, CommandWireError, read_ack
from kordon.link.mqtt_link import BrokerEndpoint, MqttLink
from kordon.store.errors import StoreError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CommandSettings:
    resend_s: float = 10.0
    """Seconds between sendings of a command the edge has not answered."""
    expire_after_s: float = 86_400.0
    """A command with no answer after this long is ``expired``."""
    batch: int = 100
    """At most this many commands sent per step."""
    poll_s: float = 1.0
    """How often the background thread steps (decisions use the injected clock)."""

    def __post_init__(self) -> None:
        if not (self.resend_s > 0 and self.expire_after_s > 0 and self.poll_s > 0):
            raise ValueError("resend_s, expire_after_s and poll_s must be positive")
        if self.batch < 1:
            raise ValueError("batch must be at least 1")


@dataclass(frozen=True, slots=True)
class CommandBroker:
    endpoint: BrokerEndpoint
    topics: CommandTopics


class CommandSender:
    """Sends the queue's commands, records the edges' answers (a node service)."""

    name = "commands"

    def __init__(
        self,
        queue: Callable[[], CommandQueue],
        brokers: Sequence[CommandBroker],
        *,
        edges: Collection[str],
        revoked: Collection[str] = (),
        clock: Callable[[], datetime],
        settings: CommandSettings | None = None,
        on_answer: Callable[[str, str], None] | None = None,
    ) -> None:
        self._queue = queue
        self._brokers = tuple(brokers)
        self._edges = frozenset(edges) - frozenset(revoked)
        self._revoked = frozenset(revoked)
        self._clock = clock
        self._settings = settings or CommandSettings()
        self._on_answer = on_answer
        self._links: list[tuple[MqttLink, CommandTopics]] = []
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._resend_all = False
        self.refused: Counter[str] = Counter()
        """Answers not taken, by reason."""

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self.start_sync()

    async def stop(self) -> None:
        self.stop_sync()

    def start_sync(self) -> None:
        for broker in self._brokers:
            topics = broker.topics
            link = MqttLink(
                broker.endpoint,
                [topics.all_command_acks],
                on_message=self._handler(topics),
                on_connected=self._connected,
            )
            link.start()
            self._links.append((link, topics))
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="central-commands", daemon=True)
        self._thread.start()

    def stop_sync(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        links, self._links = self._links, []
        for link, _topics in links:
            link.stop()

    def _handler(self, topics: CommandTopics) -> Callable[[str, bytes], None]:
        def handle(topic: str, payload: bytes) -> None:
            self.handle_ack(topics, topic, payload)

        return handle

    def connected(self) -> bool:
        return any(link.connected.is_set() for link, _ in self._links)

    def wake(self) -> None:
        """Send what is due now (a command was just issued)."""
        self._wake.set()

    # --- steps ----------------------------------------------------------------------------

    def _connected(self) -> None:
        self._resend_all = True
        self._wake.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self._settings.poll_s)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                self.pump()
            except StoreError as exc:
                logger.warning("commands: the store failed (%s); trying again", exc)
            except Exception:
                logger.exception("commands: sending failed; trying again")

    def pump(self) -> int:
        """One step: expire what is too old, send what is due; how many were sent."""
        with self._lock:
            now = self._clock()
            queue = self._queue()
            settings = self._settings
            expired = queue.expire(
                before=now - timedelta(seconds=settings.expire_after_s), time=now
            )
            if expired:
                logger.warning("commands: %d expired with no answer from their outposts", expired)
            links = [(link, t) for link, t in self._links if link.connected.is_set()]
            if not links:
                return 0
            resend_after = timedelta(seconds=settings.resend_s)
            if self._resend_all:  # a new connection: everything waiting goes at once
                self._resend_all = False
                resend_after = timedelta(0)
            due = queue.due(now=now, resend_after=resend_after, limit=settings.batch)
            sent: list[str] = []
            for command in due:
                published = False
                for link, topics in links:
                    topic = topics.command(command.edge_id)
                    published = link.publish(topic, command.payload.encode("utf-8")) or published
                if published:
                    sent.append(command.command_id)
            queue.mark_sent(sent, time=now)
            return len(sent)

    def handle_ack(self, topics: CommandTopics, topic: str, payload: bytes) -> AnswerResult | None:
        """Take one answer (the network thread's handler; tests call it directly)."""
        edge = topics.edge_of_command_ack(topic)
        if edge is None or edge not in self._edges:
            reason = "revoked_edge" if edge in self._revoked else "unknown_edge"
            self._refuse(reason, f"answer on {topic[:200]!r}")
            return None
        try:
            ack = read_ack(payload)
        except CommandWireError as exc:
            self._refuse("malformed", f"answer from {edge}: {exc}")
            return None
        if ack.edge_id != edge:
            self._refuse("wrong_edge", f"answer on {edge}'s topic names {ack.edge_id!r}")
            return None
        result = self._queue().answer(edge, ack, time=self._clock())
        if result is AnswerResult.UNKNOWN:
            self._refuse("unknown_command", f"{edge} answered unknown {ack.command_id!r}")
        elif result is AnswerResult.RECORDED:
            logger.info(
                "command %s: %s by %s%s",
                ack.command_id,
                ack.outcome,
                edge,
                f" ({ack.reason})" if ack.reason else "",
            )
            if self._on_answer is not None:
                self._on_answer(edge, ack.command_id)
        return result

    def _refuse(self, reason: str, detail: str) -> None:
        self.refused[reason] += 1
        logger.warning("commands: refused an answer (%s): %s", reason, detail)
