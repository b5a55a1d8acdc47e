"""Equipment register: funding projects, procurement lines, people, deliveries, assets,
their append-only history, custody transfers and end-use checks.

Self-contained (frozen) like ``0001_initial``; matches ``kordon.store.models_register``.

Revision ID: 0007
Revises: 0006_ledger_witness
Create Date: 2026-12-05
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006_ledger_witness"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.String(64)
NAME = sa.String(128)
ENUM = sa.String(32)
TEXT = sa.String(256)
CURRENCY = sa.String(3)


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=f"fk_{table}_{column}_{target}",
        ondelete="RESTRICT",
    )


def upgrade() -> None:
    op.create_table(
        "register_projects",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", TEXT, nullable=False),
        sa.Column("donor", NAME, nullable=False),
        sa.Column("programme", TEXT, nullable=False),
        sa.Column("agreement_no", NAME, nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", CURRENCY, nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("check_interval_days", sa.Integer(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_register_projects"),
    )
    op.create_index("ix_register_projects_donor", "register_projects", ["donor"])
    op.create_table(
        "register_lines",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("category", ENUM, nullable=False),
        sa.Column("description", TEXT, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_cost_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", CURRENCY, nullable=False),
        _fk("register_lines", "project_id", "register_projects"),
        sa.PrimaryKeyConstraint("id", name="pk_register_lines"),
    )
    op.create_index(
        "ix_register_lines_project_id_category", "register_lines", ["project_id", "category"]
    )
    op.create_table(
        "register_people",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.Column("unit", NAME, nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_register_people"),
    )
    op.create_table(
        "register_donor_access",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("donor", NAME, nullable=False),
        sa.PrimaryKeyConstraint("username", "donor", name="pk_register_donor_access"),
    )
    op.create_table(
        "register_deliveries",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("received_by", NAME, nullable=False),
        sa.Column("documents", _json(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("created_by", NAME, nullable=False),
        _fk("register_deliveries", "project_id", "register_projects"),
        sa.PrimaryKeyConstraint("id", name="pk_register_deliveries"),
    )
    op.create_index("ix_register_deliveries_project_id", "register_deliveries", ["project_id"])
    op.create_table(
        "register_assets",
        sa.Column("id", ID, nullable=False),
        sa.Column("serial", sa.String(128), nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("line_id", ID, nullable=False),
        sa.Column("category", ENUM, nullable=False),
        sa.Column("model", NAME, nullable=False),
        sa.Column("vendor", NAME, nullable=False),
        sa.Column("lot", NAME, nullable=True),
        sa.Column("warranty_until", sa.Date(), nullable=True),
        sa.Column("delivery_id", ID, nullable=True),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("holder_id", ID, nullable=True),
        sa.Column("sector_id", NAME, nullable=True),
        sa.Column("outpost", NAME, nullable=True),
        sa.Column("position", NAME, nullable=True),
        sa.Column("device_id", NAME, nullable=True),
        sa.Column("status_report", sa.Text(), nullable=True),
        sa.Column("search_text", sa.String(600), nullable=False),
        sa.Column("last_check_at", _time(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("register_assets", "project_id", "register_projects"),
        _fk("register_assets", "line_id", "register_lines"),
        _fk("register_assets", "delivery_id", "register_deliveries"),
        _fk("register_assets", "holder_id", "register_people"),
        sa.PrimaryKeyConstraint("id", name="pk_register_assets"),
        sa.UniqueConstraint("serial", name="uq_register_assets_serial"),
    )
    for name, columns in (
        ("ix_register_assets_project_id_category", ["project_id", "category"]),
        ("ix_register_assets_project_id_serial", ["project_id", "serial"]),
        ("ix_register_assets_category_serial", ["category", "serial"]),
        ("ix_register_assets_status_serial", ["status", "serial"]),
        ("ix_register_assets_sector_id_serial", ["sector_id", "serial"]),
        ("ix_register_assets_serial_search_text", ["serial", "search_text"]),
        ("ix_register_assets_device_id", ["device_id"]),
        ("ix_register_assets_holder_id", ["holder_id"]),
    ):
        op.create_index(name, "register_assets", columns)
    op.create_table(
        "register_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("asset_id", ID, nullable=False),
        sa.Column("time", _time(), nullable=False),
        sa.Column("recorded_at", _time(), nullable=False),
        sa.Column("actor", NAME, nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("data", _json(), nullable=False),
        sa.Column("corrects", sa.BigInteger(), nullable=True),
        _fk("register_history", "asset_id", "register_assets"),
        sa.PrimaryKeyConstraint("id", name="pk_register_history"),
    )
    op.create_index("ix_register_history_asset_id_id", "register_history", ["asset_id", "id"])
    op.create_table(
        "register_transfers",
        sa.Column("id", ID, nullable=False),
        sa.Column("asset_id", ID, nullable=False),
        sa.Column("from_person", ID, nullable=True),
        sa.Column("to_person", ID, nullable=True),
        sa.Column("time", _time(), nullable=False),
        sa.Column("requested_by", NAME, nullable=False),
        sa.Column("from_confirmed_at", _time(), nullable=True),
        sa.Column("from_confirmed_by", NAME, nullable=True),
        sa.Column("to_confirmed_at", _time(), nullable=True),
        sa.Column("to_confirmed_by", NAME, nullable=True),
        sa.Column("state", ENUM, nullable=False),
        _fk("register_transfers", "asset_id", "register_assets"),
        sa.ForeignKeyConstraint(
            ["from_person"],
            ["register_people.id"],
            name="fk_register_transfers_from_person_register_people",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["to_person"],
            ["register_people.id"],
            name="fk_register_transfers_to_person_register_people",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_register_transfers"),
    )
    op.create_index("ix_register_transfers_asset_id", "register_transfers", ["asset_id"])
    op.create_index("ix_register_transfers_state", "register_transfers", ["state"])
    op.create_table(
        "register_checks",
        sa.Column("id", ID, nullable=False),
        sa.Column("asset_id", ID, nullable=False),
        sa.Column("time", _time(), nullable=False),
        sa.Column("checked_by", NAME, nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("accuracy_m", sa.Double(), nullable=True),
        sa.Column("photo_sha256", sa.String(64), nullable=False),
        sa.Column("photo_type", sa.String(32), nullable=False),
        sa.Column("photo_bytes", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _fk("register_checks", "asset_id", "register_assets"),
        sa.PrimaryKeyConstraint("id", name="pk_register_checks"),
    )
    op.create_index("ix_register_checks_asset_id_time", "register_checks", ["asset_id", "time"])


def downgrade() -> None:
    op.drop_index("ix_register_checks_asset_id_time", table_name="register_checks")
    op.drop_table("register_checks")
    op.drop_index("ix_register_transfers_state", table_name="register_transfers")
    op.drop_index("ix_register_transfers_asset_id", table_name="register_transfers")
    op.drop_table("register_transfers")
    op.drop_index("ix_register_history_asset_id_id", table_name="register_history")
    op.drop_table("register_history")
    for name in (
        "ix_register_assets_holder_id",
        "ix_register_assets_device_id",
        "ix_register_assets_serial_search_text",
        "ix_register_assets_sector_id_serial",
        "ix_register_assets_status_serial",
        "ix_register_assets_category_serial",
        "ix_register_assets_project_id_serial",
        "ix_register_assets_project_id_category",
    ):
        op.drop_index(name, table_name="register_assets")
    op.drop_table("register_assets")
    op.drop_index("ix_register_deliveries_project_id", table_name="register_deliveries")
    op.drop_table("register_deliveries")
    op.drop_table("register_donor_access")
    op.drop_table("register_people")
    op.drop_index("ix_register_lines_project_id_category", table_name="register_lines")
    op.drop_table("register_lines")
    op.drop_index("ix_register_projects_donor", table_name="register_projects")
    op.drop_table("register_projects")
