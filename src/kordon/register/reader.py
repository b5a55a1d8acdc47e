"""``RegisterReader``: listing, filtering, searching and reading assets, within a scope.

Pages are keyset-paginated by serial (``after`` is the last serial of the previous page),
so a page costs the same at the end of 100,000 assets as at the start. Assets outside the
reader's scope answer exactly like unknown serials. A text search is a ``LIKE`` over
``search_text``, narrowed first by the trigram index where that pays (``TextIndex``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from kordon.register.asset import Asset
from kordon.register.categories import Category
from kordon.register.check import EndUseCheck
from kordon.register.custody import Person, Transfer
from kordon.register.errors import RegisterInputError, RegisterNotFoundError
from kordon.register.history import HistoryEntry
from kordon.register.mapping import (
    asset_from_row,
    check_from_row,
    history_from_row,
    line_from_row,
    person_from_row,
    project_from_row,
    transfer_from_row,
)
from kordon.register.project import FundingProject, ProcurementLine
from kordon.register.scope import RegisterScope
from kordon.register.search import like_pattern
from kordon.register.status import AssetStatus
from kordon.register.text_index import TextIndex
from kordon.store.models_register import (
    RegisterAssetRow,
    RegisterCheckRow,
    RegisterHistoryRow,
    RegisterLineRow,
    RegisterPersonRow,
    RegisterProjectRow,
    RegisterTransferRow,
)
from kordon.store.session import translate_errors

MAX_PAGE = 1000
MAX_QUERY = 128


@dataclass(frozen=True, slots=True)
class AssetFilter:
    project_id: str | None = None
    category: Category | None = None
    status: AssetStatus | None = None
    sector_id: str | None = None
    holder_id: str | None = None
    device_id: str | None = None
    query: str | None = None
    """Search, case-insensitive: text in the serial, model, vendor or lot."""


@dataclass(frozen=True, slots=True)
class AssetPage:
    items: list[Asset]
    next_after: str | None
    """Pass as ``after`` for the next page; ``None`` on the last page."""
    total: int | None = None
    """How many assets match (with :meth:`RegisterReader.page`), at most ``TOTAL_CAP``."""
    total_capped: bool = False
    """More than ``total`` match."""


TOTAL_CAP = 1_000


@dataclass(frozen=True, slots=True)
class AssetView:
    """One asset with everything about it, for its page."""

    asset: Asset
    project: FundingProject
    line: ProcurementLine
    holder: Person | None
    history: list[HistoryEntry]
    transfers: list[Transfer]
    checks: list[EndUseCheck]


AnySelect = Select[*tuple[Any, ...]]
S = TypeVar("S", bound=AnySelect)


def scoped(statement: S, scope: RegisterScope) -> S:
    """``statement`` (over assets) limited to what ``scope`` may see."""
    if scope.nothing:
        return statement.where(RegisterAssetRow.id.is_(None))
    if scope.donor_projects is not None:
        ids = sorted(scope.donor_projects)
        if len(ids) == 1:  # an equality walks the (project_id, serial) index in order
            statement = statement.where(RegisterAssetRow.project_id == ids[0])
        else:
            statement = statement.where(RegisterAssetRow.project_id.in_(ids))
    elif scope.donors is not None:
        funded = select(RegisterProjectRow.id).where(RegisterProjectRow.donor.in_(scope.donors))
        statement = statement.where(RegisterAssetRow.project_id.in_(funded))
    if scope.sectors is not None:
        statement = statement.where(RegisterAssetRow.sector_id.in_(scope.sectors))
    return statement


def search_query(where: AssetFilter) -> str | None:
    """The filter's search text, stripped; ``None`` when there is none.

    Raises:
        RegisterInputError: too long, or with control characters.
    """
    if not where.query:
        return None
    text = where.query.strip()
    if len(text) > MAX_QUERY:
        raise RegisterInputError(f"search text longer than {MAX_QUERY} characters")
    if any(ord(ch) < 32 for ch in text):
        raise RegisterInputError("search text must not contain control characters")
    return text


def filtered(statement: S, where: AssetFilter, *, candidates: AnySelect | None = None) -> S:
    """``statement`` (over assets) limited to ``where``; ``candidates`` (a ``SELECT`` of
    asset ids from :class:`TextIndex`) narrows a search before its ``LIKE``."""
    conditions: list[Any] = []
    if where.project_id is not None:
        conditions.append(RegisterAssetRow.project_id == where.project_id)
    if where.category is not None:
        conditions.append(RegisterAssetRow.category == str(where.category))
    if where.status is not None:
        conditions.append(RegisterAssetRow.status == str(where.status))
    if where.sector_id is not None:
        conditions.append(RegisterAssetRow.sector_id == where.sector_id)
    if where.holder_id is not None:
        conditions.append(RegisterAssetRow.holder_id == where.holder_id)
    if where.device_id is not None:
        conditions.append(RegisterAssetRow.device_id == where.device_id)
    text = search_query(where)
    if text is not None:
        conditions.append(RegisterAssetRow.search_text.like(like_pattern(text), escape="\\"))
        if candidates is not None:
            conditions.append(RegisterAssetRow.id.in_(candidates))
    return statement.where(*conditions)


class RegisterReader:
    def __init__(
        self, sessions: sessionmaker[Session], *, text_index: TextIndex | None = None
    ) -> None:
        self._sessions = sessions
        self._text_index = text_index if text_index is not None else TextIndex()

    def _filtered(self, session: Session, statement: S, where: AssetFilter) -> S:
        """:func:`filtered`, with a search narrowed by the text index where that pays."""
        text = search_query(where)
        candidates = None if text is None else self._text_index.narrowing(session, text.lower())
        return filtered(statement, where, candidates=candidates)

    @contextmanager
    def _read(self, what: str) -> Iterator[Session]:
        with translate_errors(what), self._sessions() as session:
            yield session

    def list_assets(
        self,
        scope: RegisterScope,
        where: AssetFilter | None = None,
        *,
        after: str | None = None,
        limit: int = 100,
    ) -> AssetPage:
        if not 1 <= limit <= MAX_PAGE:
            raise RegisterInputError(f"limit must be in [1, {MAX_PAGE}], got {limit}")
        with self._read("listing assets") as session:
            statement = self._filtered(
                session, scoped(select(RegisterAssetRow), scope), where or AssetFilter()
            )
            if after is not None:
                statement = statement.where(RegisterAssetRow.serial > after)
            statement = statement.order_by(RegisterAssetRow.serial).limit(limit + 1)
            rows = list(session.scalars(statement))
        items = [asset_from_row(r) for r in rows[:limit]]
        next_after = items[-1].serial if len(rows) > limit else None
        return AssetPage(items=items, next_after=next_after)

    def page(
        self,
        scope: RegisterScope,
        where: AssetFilter | None = None,
        *,
        after: str | None = None,
        limit: int = 100,
    ) -> AssetPage:
        """A page and the number of matches (up to ``TOTAL_CAP``), as the API lists.

        One pass over the matching serials in serial order (an index walk, or one scan
        for a text search) gives both the count and the first page; a later page (``after``)
        costs one more, bounded, query.
        """
        if not 1 <= limit <= MAX_PAGE:
            raise RegisterInputError(f"limit must be in [1, {MAX_PAGE}], got {limit}")
        where = where or AssetFilter()
        with self._read("listing assets") as session:
            serials_query = (
                self._filtered(session, scoped(select(RegisterAssetRow.serial), scope), where)
                .order_by(RegisterAssetRow.serial)
                .limit(TOTAL_CAP + 1)
            )
            serials = list(session.scalars(serials_query))
            capped = len(serials) > TOTAL_CAP
            total = min(len(serials), TOTAL_CAP)
            if after is None or not capped:
                following = [s for s in serials if after is None or s > after]
                wanted = following[: limit + 1]
            else:
                wanted = list(
                    session.scalars(
                        serials_query.where(RegisterAssetRow.serial > after).limit(limit + 1)
                    )
                )
            rows = (
                list(
                    session.scalars(
                        select(RegisterAssetRow)
                        .where(RegisterAssetRow.serial.in_(wanted[:limit]))
                        .order_by(RegisterAssetRow.serial)
                    )
                )
                if wanted
                else []
            )
        items = [asset_from_row(r) for r in rows]
        next_after = items[-1].serial if len(wanted) > limit and items else None
        return AssetPage(items=items, next_after=next_after, total=total, total_capped=capped)

    def count_assets(self, scope: RegisterScope, where: AssetFilter | None = None) -> int:
        with self._read("counting assets") as session:
            statement = self._filtered(
                session,
                scoped(select(func.count()).select_from(RegisterAssetRow), scope),
                where or AssetFilter(),
            )
            return int(session.scalar(statement) or 0)

    def _visible_row(self, session: Session, scope: RegisterScope, serial: str) -> RegisterAssetRow:
        row: RegisterAssetRow | None = session.scalars(
            scoped(select(RegisterAssetRow).where(RegisterAssetRow.serial == serial), scope)
        ).one_or_none()
        if row is None:
            raise RegisterNotFoundError(f"no asset with serial {serial!r}")
        return row

    def asset(self, scope: RegisterScope, serial: str) -> Asset:
        with self._read(f"reading asset {serial}") as session:
            return asset_from_row(self._visible_row(session, scope, serial))

    def view(self, scope: RegisterScope, serial: str, *, history_limit: int = 500) -> AssetView:
        """The asset, its project and line, holder, newest history entries (oldest first),
        transfers and checks."""
        with self._read(f"reading asset {serial}") as session:
            row = self._visible_row(session, scope, serial)
            project = session.get(RegisterProjectRow, row.project_id)
            line = session.get(RegisterLineRow, row.line_id)
            if project is None or line is None:  # foreign keys
                raise RegisterNotFoundError(f"asset {serial} has no project or line")
            holder = (
                session.get(RegisterPersonRow, row.holder_id) if row.holder_id is not None else None
            )
            history = list(
                session.scalars(
                    select(RegisterHistoryRow)
                    .where(RegisterHistoryRow.asset_id == row.id)
                    .order_by(RegisterHistoryRow.id.desc())
                    .limit(history_limit)
                )
            )
            transfers = session.scalars(
                select(RegisterTransferRow)
                .where(RegisterTransferRow.asset_id == row.id)
                .order_by(RegisterTransferRow.time, RegisterTransferRow.id)
            )
            checks = session.scalars(
                select(RegisterCheckRow)
                .where(RegisterCheckRow.asset_id == row.id)
                .order_by(RegisterCheckRow.time, RegisterCheckRow.id)
            )
            return AssetView(
                asset=asset_from_row(row),
                project=project_from_row(project),
                line=line_from_row(line),
                holder=person_from_row(holder) if holder is not None else None,
                history=[history_from_row(h) for h in reversed(history)],
                transfers=[transfer_from_row(t, row.serial) for t in transfers],
                checks=[check_from_row(c, row.serial) for c in checks],
            )

    def projects(self, scope: RegisterScope) -> list[FundingProject]:
        statement = select(RegisterProjectRow).order_by(RegisterProjectRow.id)
        if scope.nothing:
            return []
        if scope.donors is not None:
            statement = statement.where(RegisterProjectRow.donor.in_(scope.donors))
        with self._read("listing projects") as session:
            return [project_from_row(r) for r in session.scalars(statement)]

    def transfer(self, transfer_id: str, scope: RegisterScope) -> Transfer:
        with self._read(f"reading transfer {transfer_id}") as session:
            row = session.get(RegisterTransferRow, transfer_id)
            if row is None:
                raise RegisterNotFoundError(f"no transfer {transfer_id!r}")
            asset = session.scalars(
                scoped(select(RegisterAssetRow).where(RegisterAssetRow.id == row.asset_id), scope)
            ).one_or_none()
            if asset is None:
                raise RegisterNotFoundError(f"no transfer {transfer_id!r}")
            return transfer_from_row(row, asset.serial)

    def check(self, check_id: str, scope: RegisterScope) -> EndUseCheck:
        with self._read(f"reading check {check_id}") as session:
            row = session.get(RegisterCheckRow, check_id)
            if row is None:
                raise RegisterNotFoundError(f"no end-use check {check_id!r}")
            asset = session.scalars(
                scoped(select(RegisterAssetRow).where(RegisterAssetRow.id == row.asset_id), scope)
            ).one_or_none()
            if asset is None:
                raise RegisterNotFoundError(f"no end-use check {check_id!r}")
            return check_from_row(row, asset.serial)
