"""Funding: donor projects, their procurement lines, and which donors an auditor reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from kordon.domain.time import require_utc
from kordon.register.errors import RegisterConflictError, RegisterInputError, RegisterNotFoundError
from kordon.register.mapping import line_from_row, project_from_row
from kordon.register.project import FundingProject, ProcurementLine
from kordon.register.service_base import RegisterServiceBase, check_id
from kordon.store.models_register import RegisterDonorAccessRow, RegisterLineRow, RegisterProjectRow


class FundingService(RegisterServiceBase):
    """Create projects and lines, grant donor access, and read them back."""

    def create_project(
        self, project: FundingProject, *, actor: str, time: datetime
    ) -> FundingProject:
        time = require_utc(time)
        check_id("project id", project.id)
        if project.amount_minor < 0:
            raise RegisterInputError("the project amount must not be negative")
        if project.end_on < project.start_on:
            raise RegisterInputError("the project ends before it starts")
        if not 1 <= project.check_interval_days <= 3660:
            raise RegisterInputError("check_interval_days must be in [1, 3660]")
        with self._tx(f"creating project {project.id}") as session:
            if session.get(RegisterProjectRow, project.id) is not None:
                raise RegisterConflictError(f"project {project.id!r} already exists")
            session.add(
                RegisterProjectRow(
                    id=project.id,
                    name=project.name,
                    donor=project.donor,
                    programme=project.programme,
                    agreement_no=project.agreement_no,
                    amount_minor=project.amount_minor,
                    currency=project.currency,
                    start_on=project.start_on,
                    end_on=project.end_on,
                    check_interval_days=project.check_interval_days,
                    demo=project.demo,
                    created_at=time,
                )
            )
            session.flush()
            self._record(
                actor,
                "project.create",
                f"project:{project.id}",
                {
                    "donor": project.donor,
                    "agreement_no": project.agreement_no,
                    "amount_minor": project.amount_minor,
                    "currency": project.currency,
                    "demo": project.demo,
                },
                time,
            )
        return project

    def add_line(self, line: ProcurementLine, *, actor: str, time: datetime) -> ProcurementLine:
        time = require_utc(time)
        check_id("line id", line.id)
        if line.quantity < 0 or line.unit_cost_minor < 0:
            raise RegisterInputError("quantity and unit cost must not be negative")
        with self._tx(f"adding line {line.id}") as session:
            project = session.get(RegisterProjectRow, line.project_id)
            if project is None:
                raise RegisterNotFoundError(f"no project {line.project_id!r}")
            if line.currency != project.currency:
                raise RegisterInputError(
                    f"line currency {line.currency} differs from the project's {project.currency}"
                )
            if line.value_minor > project.amount_minor:
                raise RegisterInputError(
                    f"line value {line.value_minor / 100:.2f} exceeds the project amount "
                    f"{project.amount_minor / 100:.2f}"
                )
            if session.get(RegisterLineRow, line.id) is not None:
                raise RegisterConflictError(f"line {line.id!r} already exists")
            session.add(
                RegisterLineRow(
                    id=line.id,
                    project_id=line.project_id,
                    category=str(line.category),
                    description=line.description,
                    quantity=line.quantity,
                    unit_cost_minor=line.unit_cost_minor,
                    currency=line.currency,
                )
            )
            session.flush()
            self._record(
                actor,
                "line.create",
                f"line:{line.id}",
                {
                    "project_id": line.project_id,
                    "category": str(line.category),
                    "quantity": line.quantity,
                    "unit_cost_minor": line.unit_cost_minor,
                },
                time,
            )
        return line

    def grant_donor(self, username: str, donor: str, *, actor: str, time: datetime) -> None:
        """Let the donor-auditor account ``username`` read the projects funded by ``donor``."""
        time = require_utc(time)
        with self._tx(f"granting donor {donor} to {username}") as session:
            if session.get(RegisterDonorAccessRow, (username, donor)) is None:
                session.add(RegisterDonorAccessRow(username=username, donor=donor))
                session.flush()
            self._record(actor, "donor.grant", f"user:{username}", {"donor": donor}, time)

    def donors_of(self, username: str) -> frozenset[str]:
        with self._tx(f"reading donors of {username}") as session:
            return frozenset(
                session.scalars(
                    select(RegisterDonorAccessRow.donor).where(
                        RegisterDonorAccessRow.username == username
                    )
                )
            )

    def projects(self) -> list[FundingProject]:
        with self._tx("reading projects") as session:
            rows = session.scalars(select(RegisterProjectRow).order_by(RegisterProjectRow.id))
            return [project_from_row(r) for r in rows]

    def lines(self, project_id: str) -> list[ProcurementLine]:
        with self._tx(f"reading lines of {project_id}") as session:
            rows = session.scalars(
                select(RegisterLineRow)
                .where(RegisterLineRow.project_id == project_id)
                .order_by(RegisterLineRow.id)
            )
            return [line_from_row(r) for r in rows]
