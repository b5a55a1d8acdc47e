"""Browsing the register: funding projects, per-category summaries, the asset list
(filter, search, keyset pages) and one asset with its history.
"""

from typing import Annotated

from fastapi import APIRouter, Query

from kordon.api.responses import responses
from kordon.api.routes.register_common import READ, RegisterDep, ScopeDep
from kordon.api.routes.register_views import (
    AssetPublic,
    CheckPublic,
    HistoryPublic,
    ProjectPublic,
    TransferPublic,
    asset_public,
    check_public,
    history_public,
    project_public,
    transfer_public,
)
from kordon.api.schemas.base import PublicModel
from kordon.register.categories import Category
from kordon.register.money import format_amount
from kordon.register.queries import CategorySummary
from kordon.register.reader import AssetFilter
from kordon.register.status import AssetStatus


class AssetPagePublic(PublicModel):
    items: list[AssetPublic]
    next_after: str | None
    total: int
    """Matching assets, counted up to 1,000."""
    total_capped: bool
    """More than ``total`` assets match."""


class AssetDetailPublic(PublicModel):
    asset: AssetPublic
    project: ProjectPublic
    unit_cost: str
    holder: str | None
    """The holder's id and name (only what custody needs)."""
    history: list[HistoryPublic]
    transfers: list[TransferPublic]
    checks: list[CheckPublic]


class CategorySummaryPublic(PublicModel):
    category: Category
    ordered: int
    delivered: int
    in_use: int
    operational: int
    in_store: int
    under_repair: int
    lost: int
    destroyed: int
    unlinked_networked: int
    ordered_value: str
    delivered_value: str
    in_use_value: str
    operational_value: str
    lost_destroyed_value: str


class ProjectSummaryPublic(PublicModel):
    project: ProjectPublic
    categories: list[CategorySummaryPublic]


def _category_public(c: CategorySummary) -> CategorySummaryPublic:
    return CategorySummaryPublic(
        category=c.category,
        ordered=c.ordered,
        delivered=c.delivered,
        in_use=c.in_use,
        operational=c.operational,
        in_store=c.in_store,
        under_repair=c.under_repair,
        lost=c.lost,
        destroyed=c.destroyed,
        unlinked_networked=c.unlinked_networked,
        ordered_value=format_amount(c.ordered_value_minor),
        delivered_value=format_amount(c.delivered_value_minor),
        in_use_value=format_amount(c.in_use_value_minor),
        operational_value=format_amount(c.operational_value_minor),
        lost_destroyed_value=format_amount(c.lost_destroyed_value_minor),
    )


def router() -> APIRouter:
    """Projects, summaries, the asset list and one asset's detail."""
    r = APIRouter(tags=["register"])

    @r.get(
        "/api/register/projects",
        response_model=list[ProjectPublic],
        dependencies=READ,
        summary="Funding projects (within the user's scope)",
        responses=responses(403),
    )
    def projects(register: RegisterDep, scope: ScopeDep) -> list[ProjectPublic]:
        return [project_public(p) for p in register.reader.projects(scope)]

    @r.get(
        "/api/register/summary",
        response_model=list[ProjectSummaryPublic],
        dependencies=READ,
        summary="Per project and category: delivered, in use, operational, lost",
        responses=responses(403),
    )
    def summary(
        register: RegisterDep,
        scope: ScopeDep,
        project: Annotated[str | None, Query(max_length=64)] = None,
    ) -> list[ProjectSummaryPublic]:
        return [
            ProjectSummaryPublic(
                project=project_public(s.project),
                categories=[_category_public(c) for c in s.categories],
            )
            for s in register.queries.project_summaries(scope, project_id=project)
        ]

    @r.get(
        "/api/register/assets",
        response_model=AssetPagePublic,
        dependencies=READ,
        summary="Assets: filter, search, keyset pages by serial",
        responses=responses(403),
    )
    def assets(
        *,
        register: RegisterDep,
        scope: ScopeDep,
        project: Annotated[str | None, Query(max_length=64)] = None,
        category: Annotated[Category | None, Query()] = None,
        status: Annotated[AssetStatus | None, Query()] = None,
        sector: Annotated[str | None, Query(max_length=128)] = None,
        holder: Annotated[str | None, Query(max_length=64)] = None,
        q: Annotated[str | None, Query(max_length=128)] = None,
        after: Annotated[str | None, Query(max_length=128)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> AssetPagePublic:
        where = AssetFilter(
            project_id=project,
            category=category,
            status=status,
            sector_id=sector,
            holder_id=holder,
            query=q,
        )
        page = register.reader.page(scope, where, after=after, limit=limit)
        return AssetPagePublic(
            items=[asset_public(a) for a in page.items],
            next_after=page.next_after,
            total=page.total or 0,
            total_capped=page.total_capped,
        )

    @r.get(
        "/api/register/assets/{serial}",
        response_model=AssetDetailPublic,
        dependencies=READ,
        summary="One asset with its history, transfers and end-use checks",
        responses=responses(403, 404),
    )
    def asset(serial: str, register: RegisterDep, scope: ScopeDep) -> AssetDetailPublic:
        view = register.reader.view(scope, serial)
        holder = f"{view.holder.id} ({view.holder.name})" if view.holder is not None else None
        return AssetDetailPublic(
            asset=asset_public(view.asset),
            project=project_public(view.project),
            unit_cost=format_amount(view.line.unit_cost_minor),
            holder=holder,
            history=[history_public(h) for h in view.history],
            transfers=[transfer_public(t) for t in view.transfers],
            checks=[check_public(c) for c in view.checks],
        )

    return r
