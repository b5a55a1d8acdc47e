"""``EventRepository``: events stored idempotently by id, listed newest first."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select

from kordon.domain.event import Event, EventKind
from kordon.store.commit_hooks import note_event
from kordon.store.errors import InvalidInputError, NotFoundError
from kordon.store.mapping import (
    check_id,
    check_limit,
    enum_values,
    event_from_row,
    event_to_values,
    utc_arg,
)
from kordon.store.models import EventRow
from kordon.store.session import SessionScope, insert_for

MAX_PAGE = 1000


class EventRepository:
    """Events are immutable facts: added once (by id), never updated."""

    def __init__(self, scope: SessionScope) -> None:
        self._scope = scope

    def add(self, event: Event) -> bool:
        """Store ``event``; ``False`` (and no change) when an event with its id exists.

        Edge nodes replay their outbox after a link outage, so the same event may arrive
        more than once; the first copy wins.
        """
        return self.add_many([event]) == 1

    def add_many(self, events: Iterable[Event]) -> int:
        """Store several events in one transaction; returns how many were new."""
        given = list(events)
        rows = [event_to_values(event) for event in given]
        if not rows:
            return 0
        inserted = 0
        with self._scope(f"adding {len(rows)} event(s)") as session:
            for event, values in zip(given, rows, strict=True):
                statement = (
                    insert_for(session, EventRow)
                    .values(**values)
                    .on_conflict_do_nothing(index_elements=["id"])
                    .returning(EventRow.id)
                )
                if session.execute(statement).first() is not None:
                    inserted += 1
                    note_event(session, event)
        return inserted

    def get(self, event_id: str) -> Event:
        """The event with ``event_id``; ``NotFoundError`` if there is none."""
        with self._scope(f"reading event {event_id}") as session:
            row = session.get(EventRow, event_id)
            if row is None:
                raise NotFoundError(f"no event with id {event_id!r}")
            return event_from_row(row)

    def get_many(self, event_ids: Iterable[str]) -> builtins.list[Event]:
        """The stored events among ``event_ids`` (unknown ids are skipped), in that order."""
        wanted = builtins.list(dict.fromkeys(event_ids))
        if not wanted:
            return []
        with self._scope(f"reading {len(wanted)} events") as session:
            rows = session.scalars(select(EventRow).where(EventRow.id.in_(wanted))).all()
            by_id = {row.id: event_from_row(row) for row in rows}
        return [by_id[i] for i in wanted if i in by_id]

    def list(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        kinds: Collection[EventKind] | None = None,
        source_ids: Collection[str] | None = None,
        sector_ids: Collection[str] | None = None,
        limit: int = 100,
        before_id: str | None = None,
    ) -> builtins.list[Event]:
        """Events newest first (ties broken by id), at most ``limit``.

        ``since`` is inclusive, ``until`` exclusive. ``before_id`` is a cursor: pass the id
        of the last event of the previous page to get the next (older) page.
        Collections filter by membership; an empty collection matches nothing.
        """
        check_limit(limit, MAX_PAGE)
        conditions: builtins.list[Any] = []
        if since is not None:
            conditions.append(EventRow.time >= utc_arg("since", since))
        if until is not None:
            conditions.append(EventRow.time < utc_arg("until", until))
        kind_values = enum_values("kinds", kinds)
        if kind_values is not None:
            conditions.append(EventRow.kind.in_(kind_values))
        for name, column, values in (
            ("source_ids", EventRow.source_id, source_ids),
            ("sector_ids", EventRow.sector_id, sector_ids),
        ):
            if values is None:
                continue
            if isinstance(values, str):
                raise InvalidInputError(f"{name} must be a collection of ids, not one string")
            conditions.append(column.in_(list(values)))
        with self._scope("listing events") as session:
            if before_id is not None:
                check_id("before_id", before_id)
                cursor_time = session.scalar(select(EventRow.time).where(EventRow.id == before_id))
                if cursor_time is None:
                    raise NotFoundError(f"cursor before_id={before_id!r} names no event")
                conditions.append(
                    or_(
                        EventRow.time < cursor_time,
                        and_(EventRow.time == cursor_time, EventRow.id < before_id),
                    )
                )
            statement = (
                select(EventRow)
                .where(*conditions)
                .order_by(EventRow.time.desc(), EventRow.id.desc())
                .limit(limit)
            )
            return [event_from_row(row) for row in session.scalars(statement)]
