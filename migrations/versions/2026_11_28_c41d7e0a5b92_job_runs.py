"""Job runs: when the worker's periodic jobs (the purge of old rows) last started, so that
several worker processes run each job once per period between them.

Revision ID: c41d7e0a5b92
Revises: 9d3f6a2b8e14
Create Date: 2026-11-28 04:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c41d7e0a5b92"
down_revision: str | None = "9d3f6a2b8e14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_runs")),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
