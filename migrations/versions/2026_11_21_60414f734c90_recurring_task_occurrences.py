"""Recurring task occurrences: link each next occurrence to the one that created it.

The unique constraint is what makes "complete a recurring task" create exactly one next
occurrence even when two completions race. Batch mode, because SQLite cannot add a
constraint to an existing table.

Revision ID: 60414f734c90
Revises: 5d1c0e7a9b21
Create Date: 2026-11-21 23:39:14.193369
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "60414f734c90"
down_revision: str | None = "5d1c0e7a9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch_op:
        batch_op.add_column(sa.Column("recurs_from_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_tasks_recurs_from_id"), ["recurs_from_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_tasks_recurs_from_id_tasks"),
            "tasks",
            ["recurs_from_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tasks_recurs_from_id_tasks"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_tasks_recurs_from_id"), type_="unique")
        batch_op.drop_column("recurs_from_id")
